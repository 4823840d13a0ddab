package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/commission"
)

// codeChanges offers "Change install code" for each device of a stopped
// run whose code the engine may still change (RunStatus.ChangeableCodes,
// commission.Engine.SetInstallCode): a code typed or scanned wrong is
// corrected until the device has joined. The new code is taken in a masked
// entry, as before the start, and only its last 4 digits are ever shown.
type codeChanges struct {
	box  *fyne.Container
	ids  []string   // the devices offered, as shown
	open *codeField // the entry being filled in, nil when none
}

func newCodeChanges() *codeChanges {
	c := &codeChanges{box: container.NewVBox()}
	c.box.Hide()
	return c
}

// showCodeChanges offers the changes st allows, while no run is going.
func (s *CommissionScreen) showCodeChanges(st *commission.RunStatus) {
	c := s.changes
	var ids []string
	if st != nil && !s.running && st.Status != commission.StateDone {
		ids = st.ChangeableCodes
	}
	if c.open != nil && slices.Contains(ids, c.open.dev.ID) {
		return // a code is being typed: leave it be
	}
	if len(ids) == 0 {
		c.open, c.ids = nil, nil
		c.box.RemoveAll()
		c.box.Hide()
		return
	}
	if c.open == nil && slices.Equal(ids, c.ids) && c.box.Visible() {
		return
	}
	c.open, c.ids = nil, slices.Clone(ids)
	c.box.RemoveAll()
	for _, id := range ids {
		d := s.planDevice(id)
		b := widget.NewButtonWithIcon("Change install code of the "+deviceWords(d.Type)+" "+id, theme.DocumentCreateIcon(), func() { s.openCodeChange(d) })
		b.Alignment = widget.ButtonAlignLeading
		c.box.Add(touch(b))
	}
	c.box.Show()
}

// planDevice is the job's device id (its ID alone when the job's plan does
// not list it).
func (s *CommissionScreen) planDevice(id string) commission.Device {
	if s.opts.Plan != nil {
		for _, d := range s.opts.Plan().Devices {
			if d.ID == id {
				return d
			}
		}
	}
	return commission.Device{ID: id}
}

// openCodeChange shows the masked entry for d's new code.
func (s *CommissionScreen) openCodeChange(d commission.Device) {
	c := s.changes
	f := newCodeField(d, nil)
	f.onAccept = func() { s.applyCodeChange(f) }
	f.msg.SetText("Scan the device's label again, or type its 32 hex digits and press Enter. The code on record is replaced; the device is added to the hub's device log again and joins with the new one.")
	cancel := widget.NewButtonWithIcon("Keep the code on record", theme.CancelIcon(), func() {
		c.open, c.ids = nil, nil
		s.showCodeChanges(s.status)
	})
	c.open = f
	c.box.RemoveAll()
	c.box.Add(f.box)
	c.box.Add(touch(cancel))
	c.box.Show()
	if a := fyne.CurrentApp(); a != nil {
		if cv := a.Driver().CanvasForObject(f.entry); cv != nil {
			cv.Focus(f.entry)
		}
	}
}

// applyCodeChange stores the accepted code in the run.
func (s *CommissionScreen) applyCodeChange(f *codeField) {
	if s.opts.Engine == nil || s.status == nil {
		return
	}
	e, job, dev, code := s.opts.Engine, s.status.JobID, f.dev, f.code
	f.msg.SetText("Saving the new code…")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := e.SetInstallCode(ctx, job, dev.ID, code)
		st, serr := e.Status(ctx, job)
		if serr != nil {
			st = nil
		}
		s.bridge.do(func() { s.codeChanged(f, err, st) })
	}()
}

// codeChanged says how the change went and shows the run as it now is.
func (s *CommissionScreen) codeChanged(f *codeField, err error, st *commission.RunStatus) {
	c := s.changes
	if err != nil {
		f.reenter()
		f.msg.Importance = widget.DangerImportance
		f.msg.SetText("Not changed: " + codeChangeWords(err))
		return
	}
	if c.open == f {
		c.open, c.ids = nil, nil
	}
	if st != nil {
		s.showStatus(st)
	}
	s.state.SetText("The install code of the " + deviceWords(f.dev.Type) + " " + f.dev.ID + " is changed (ends …" + f.code[len(f.code)-4:] +
		"). Press " + s.run.Text + ": it is added to the hub's device log again and joins with the new code.")
}

// codeChangeWords says in field words why a code was not changed.
func codeChangeWords(err error) string {
	switch {
	case errors.Is(err, commission.ErrCodeLocked):
		_, why, _ := strings.Cut(err.Error(), ": ")
		why = strings.TrimSuffix(why, ": "+commission.ErrCodeLocked.Error())
		return "the code can no longer change (" + why + "). If the device will not work, report it to the back office."
	case errors.Is(err, commission.ErrRunning):
		return "the install is running: press Pause, then change the code."
	case errors.Is(err, commission.ErrInstallCode):
		return "that is not an install code (6 to 16 bytes in hex)."
	}
	return FieldWords(err)
}

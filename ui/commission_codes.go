package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/commission"
)

// Install codes as the wizard takes them: the 16-byte ZigBee install code
// the hub's device log needs (DOMAIN.md §9, CCS01), typed or scanned by a
// keyboard-wedge scanner as text followed by Enter.
const (
	installCodeDigits = 32 // 16 bytes
	// maxCodeInput caps what is looked at of a scan: a label's code with
	// its CRC and separators is far shorter.
	maxCodeInput = 128
)

// errInstallCode is every install code the wizard refuses; the error's text
// says why in field words.
var errInstallCode = errors.New("ui: install code refused")

// codeDevices are the device types whose install code the hub's device log
// needs (the whitelist steps of app/commission's flows).
var codeDevices = []string{"ESME", "GSME", "PPMID", "HCALCS", "IHD", "CAD"}

// needsCode reports whether the wizard must ask for d's install code before
// the install starts: a device joining the hub with no code on the job.
func needsCode(d commission.Device) bool {
	return d.Role == "" && d.InstallCode == "" && slices.Contains(codeDevices, d.Type)
}

// parseInstallCode turns what was typed or scanned into the install code
// as 32 upper-case hex digits. Spaces, dashes, colons and dots between
// groups are ignored. A label that prints the code with its CRC-16/X-25
// (36 digits, CRC low byte first, DOMAIN.md §10.1) is accepted when the
// CRC matches, and the CRC dropped: DUIS carries the code without it.
func parseInstallCode(s string) (string, error) {
	if len(s) > maxCodeInput {
		return "", fmt.Errorf("%w: that is far too long for an install code (%d characters); scan only the install code's barcode", errInstallCode, utf8.RuneCountInString(s))
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'F':
			b.WriteRune(r)
		case r >= 'a' && r <= 'f':
			b.WriteRune(r - 'a' + 'A')
		case r == ' ' || r == '-' || r == ':' || r == '.' || r == '\t' || r == '\r' || r == '\n':
		default:
			return "", fmt.Errorf("%w: %q at character %d is not a hex digit (0–9, A–F); check for a letter O typed as zero or I as one",
				errInstallCode, r, utf8.RuneCountInString(s[:i])+1)
		}
	}
	hex := b.String()
	switch n := len(hex); {
	case n == 0:
		return "", fmt.Errorf("%w: nothing entered; scan the install code on the device's label or type its %d hex digits", errInstallCode, installCodeDigits)
	case n == installCodeDigits:
		return hex, nil
	case n == installCodeDigits+4:
		code, crc := hex[:installCodeDigits], hex[installCodeDigits:]
		if crc != codeCRC(code) {
			return "", fmt.Errorf("%w: %d digits, but the last 4 are not the code's check digits (CRC); rescan the label or type the first %d digits",
				errInstallCode, n, installCodeDigits)
		}
		return code, nil
	case n < installCodeDigits:
		return "", fmt.Errorf("%w: %d hex digits; an install code has %d (16 bytes): %d missing, check the label again",
			errInstallCode, n, installCodeDigits, installCodeDigits-n)
	default:
		return "", fmt.Errorf("%w: %d hex digits; an install code has %d (16 bytes): %d too many, check the label again",
			errInstallCode, n, installCodeDigits, n-installCodeDigits)
	}
}

// codeCRC is the CRC-16/X-25 of a code given as upper-case hex digits, as
// the 4 hex digits printed after it (low byte first, DOMAIN.md §10.1).
func codeCRC(code string) string {
	crc := uint16(0xFFFF)
	for i := 0; i+1 < len(code); i += 2 {
		crc ^= uint16(hexNibble(code[i])<<4 | hexNibble(code[i+1]))
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	crc = ^crc
	return fmt.Sprintf("%02X%02X", byte(crc), byte(crc>>8))
}

func hexNibble(c byte) byte {
	if c >= 'A' {
		return c - 'A' + 10
	}
	return c - '0'
}

// codeField takes one device's install code: a masked entry (no reveal
// button) that validates on Enter, as a keyboard-wedge scanner sends it.
// Once accepted the code is only ever shown by its last 4 digits.
type codeField struct {
	dev    commission.Device
	entry  *widget.Entry
	msg    *widget.Label
	change *widget.Button
	box    *fyne.Container
	code   string // accepted, 32 upper-case hex digits; never displayed
	// onAccept is called on the event goroutine when a code is accepted.
	onAccept func()
}

func newCodeField(d commission.Device, onAccept func()) *codeField {
	f := &codeField{dev: d, onAccept: onAccept}
	f.entry = widget.NewEntry()
	f.entry.Password = true
	// An action item of our own keeps Fyne from adding its reveal button:
	// a code is never shown in full.
	clear := widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { f.entry.SetText("") })
	f.entry.ActionItem = clear
	f.entry.SetPlaceHolder("Scan the label, or type 32 hex digits and press Enter")
	f.entry.OnSubmitted = func(string) { f.submit() }
	f.msg = widget.NewLabel("Not entered yet.")
	f.msg.Wrapping = fyne.TextWrapWord
	f.change = widget.NewButtonWithIcon("Enter again", theme.DocumentCreateIcon(), f.reenter)
	f.change.Hide()
	title := widget.NewLabelWithStyle(fmt.Sprintf("Install code of %s %s", deviceWords(d.Type), d.ID), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	f.box = container.NewVBox(title, touch(f.entry), container.NewBorder(nil, nil, nil, touch(f.change), f.msg))
	return f
}

// submit validates what is in the entry and keeps it when good.
func (f *codeField) submit() {
	code, err := parseInstallCode(f.entry.Text)
	if err != nil {
		f.msg.Importance = widget.DangerImportance
		f.msg.SetText("Not accepted: " + strings.TrimPrefix(err.Error(), errInstallCode.Error()+": "))
		return
	}
	f.code = code
	f.entry.SetText("")
	f.entry.Hide()
	f.change.Show()
	f.msg.Importance = widget.SuccessImportance
	f.msg.SetText("✓ Code entered (ends …" + code[len(code)-4:] + ").")
	if f.onAccept != nil {
		f.onAccept()
	}
}

// reenter forgets the accepted code so another can be scanned.
func (f *codeField) reenter() {
	f.code = ""
	f.change.Hide()
	f.entry.Show()
	f.msg.Importance = widget.MediumImportance
	f.msg.SetText("Not entered yet.")
}

// deviceWords names a device type as installers say it.
func deviceWords(typ string) string {
	switch typ {
	case "ESME":
		return "electricity meter"
	case "GSME":
		return "gas meter"
	case "CHF":
		return "hub"
	case "PPMID":
		return "prepayment display (PPMID)"
	case "IHD":
		return "in-home display"
	case "HCALCS":
		return "load control switch (HCALCS)"
	case "CAD":
		return "consumer access device"
	case "GPF":
		return "gas proxy (GPF)"
	}
	return typ
}

// showCodes asks for the install codes the job lacks, before the first
// start; the fields are made once, so what was accepted stays.
func (s *CommissionScreen) showCodes() {
	if s.opts.Plan == nil {
		return
	}
	plan := s.opts.Plan()
	if s.codes == nil || s.codesJob != plan.JobID {
		// First time, or the job changed (the day's next job): fields for
		// this job's devices.
		s.codes, s.codesJob = nil, plan.JobID
		s.codeBox.RemoveAll()
		for _, d := range plan.Devices {
			if needsCode(d) {
				s.codes = append(s.codes, newCodeField(d, s.codeAccepted))
			}
		}
		if len(s.codes) == 0 {
			s.hideCodes()
			return
		}
		head := widget.NewLabel("Scan or type the install code of each device below (from its label). Codes are kept only for this install and never shown again.")
		head.Wrapping = fyne.TextWrapWord
		s.codeBox.Add(head)
		for _, f := range s.codes {
			s.codeBox.Add(f.box)
		}
	}
	if len(s.codes) == 0 {
		s.hideCodes()
		return
	}
	s.codeBox.Show()
	s.askScroll.Show()
	s.steps.Hide()
	s.now.SetText("Enter the install codes, then press Start install.")
}

// hideCodes puts the code fields away once the run holds the codes.
func (s *CommissionScreen) hideCodes() {
	if s.codeBox.Hidden {
		return
	}
	s.codeBox.Hide()
	if s.form == nil {
		s.askScroll.Hide()
		s.steps.Show()
	}
}

// codeAccepted moves the keyboard to the next code still to enter, so a
// scanner can do one label after another.
func (s *CommissionScreen) codeAccepted() {
	for _, f := range s.codes {
		if f.code == "" {
			if c := fyne.CurrentApp().Driver().CanvasForObject(f.entry); c != nil {
				c.Focus(f.entry)
			}
			return
		}
	}
	s.now.SetText("All install codes entered: press Start install.")
	if c := fyne.CurrentApp().Driver().CanvasForObject(s.run); c != nil {
		c.Focus(s.run) // Enter or Space starts
	}
}

// withCodes puts the accepted codes into the plan, or says in words
// (refuse) which are still to enter.
func (s *CommissionScreen) withCodes(p commission.Plan) (_ commission.Plan, refuse string) {
	if s.codesJob != p.JobID {
		s.showCodes()
	}
	var todo []string
	have := map[string]string{}
	for _, f := range s.codes {
		if f.code == "" {
			todo = append(todo, deviceWords(f.dev.Type)+" "+f.dev.ID)
		}
		have[f.dev.ID] = f.code
	}
	for _, d := range p.Devices {
		if _, asked := have[d.ID]; needsCode(d) && !asked {
			todo = append(todo, deviceWords(d.Type)+" "+d.ID)
		}
	}
	if len(todo) > 0 {
		return p, "Enter the install code of the " + strings.Join(todo, " and the ") + " first: scan its label or type it, then press Enter."
	}
	p.Devices = slices.Clone(p.Devices)
	for i, d := range p.Devices {
		if c := have[d.ID]; c != "" && needsCode(d) {
			p.Devices[i].InstallCode = c
		}
	}
	return p, ""
}

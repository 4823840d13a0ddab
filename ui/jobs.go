package ui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/field"
	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/sync/outbox"
)

// JobsOptions connect the Jobs screen to the local work orders.
type JobsOptions struct {
	Jobs  *jobs.Store
	Queue *outbox.Outbox // for each job's sync state; may be nil
	// Drafts keeps a note being typed, per job, so closing the app loses
	// nothing; nil keeps no drafts.
	Drafts fyne.Preferences
	// Pull runs one sync round now and returns when the jobs are pulled
	// (field.Field.PullNow): the "Get today's jobs" button. nil without a
	// server; the button then says to set one in Settings.
	Pull func(ctx context.Context) error
	// Changed, when set, subscribes to pulls that changed the jobs in the
	// background (field.Field.JobsChanged); the list is read again after
	// each. The channel's close ends the subscription.
	Changed func() (<-chan struct{}, func())
}

// pullTimeout bounds one "Get today's jobs" round.
const pullTimeout = 2 * time.Minute

// draftKey is the preference holding the unsaved note of a job.
func draftKey(job string) string { return "draft.note." + job }

// jobView is what one load of a job hands to the screen.
type jobView struct {
	ids    []string
	lines  map[string]string // job ID → its sync state, for the list
	job    *jobs.Job
	sync   string
	photos map[string][]byte // hash → bytes, for thumbnails
}

// JobsScreen shows today's jobs (offline, from the local store) and, for the
// chosen one, its site, devices, checklist, notes, photos and sync state.
type JobsScreen struct {
	root   fyne.CanvasObject
	win    fyne.Window
	opts   JobsOptions
	bridge jobsBridge

	list      *widget.List
	title     *widget.Label
	site      *widget.Label
	syncState *widget.Label
	devices   *widget.Label
	checklist *fyne.Container
	checks    map[string]*widget.Check
	notes     *widget.Label
	note      *widget.Entry
	addNote   *widget.Button
	addPhoto  *widget.Button
	photos    *fyne.Container
	status    *widget.Label
	pull      *widget.Button
	pulled    *widget.Label

	// Event goroutine only.
	ids     []string
	lines   map[string]string
	current string
	job     *jobs.Job

	loaded signal // fires on each view (tests)
	idle   signal // fires when a pull ends (tests)
	stop   func() // ends the Changed subscription
}

// NewJobsScreen builds the screen; Load reads the jobs.
func NewJobsScreen(win fyne.Window, opts JobsOptions) *JobsScreen {
	return newJobsScreen(win, opts, fyne.Do)
}

func newJobsScreen(win fyne.Window, opts JobsOptions, do doFunc) *JobsScreen {
	s := &JobsScreen{win: win, opts: opts, checks: map[string]*widget.Check{}}
	s.bridge = jobsBridge{s: s, do: do}
	s.list = widget.NewList(func() int { return len(s.ids) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(s.listLine(s.ids[i])) })
	s.list.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(s.ids) && s.ids[i] != s.current {
			s.current = s.ids[i]
			s.Load()
		}
	}
	bold := func(t string) *widget.Label {
		return widget.NewLabelWithStyle(t, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	wrap := func() *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		return l
	}
	s.title = bold("No jobs yet.")
	s.site, s.syncState, s.devices, s.notes, s.status = wrap(), wrap(), wrap(), wrap(), wrap()
	s.checklist = container.NewVBox()
	s.note = widget.NewMultiLineEntry()
	s.note.SetPlaceHolder("Add a note (kept on this computer until it syncs)")
	s.note.OnChanged = func(text string) {
		if s.opts.Drafts != nil && s.current != "" {
			s.opts.Drafts.SetString(draftKey(s.current), text)
		}
	}
	s.addNote = widget.NewButtonWithIcon("Add note", theme.ContentAddIcon(), s.AddNote)
	s.addPhoto = widget.NewButtonWithIcon("Add photo…", theme.FileImageIcon(), s.pickPhoto)
	s.photos = container.NewGridWrap(fyne.NewSize(96, 96))

	detail := container.NewVScroll(container.NewVBox(
		s.title, s.site, s.syncState,
		bold("Devices"), s.devices,
		bold("Checklist"), s.checklist,
		bold("Notes"), s.notes, s.note, container.NewHBox(s.addNote),
		bold("Photos"), s.photos, container.NewHBox(s.addPhoto),
		s.status,
	))
	s.pull = widget.NewButtonWithIcon("Get today's jobs", theme.DownloadIcon(), s.Pull)
	s.pull.Importance = widget.HighImportance
	s.pulled = widget.NewLabel("")
	s.pulled.Wrapping = fyne.TextWrapWord
	if opts.Pull == nil {
		s.pull.Disable()
		s.pulled.SetText("No inventory server set: jobs cannot be fetched (Settings).")
	}
	left := container.NewBorder(container.NewVBox(s.pull, s.pulled), nil, nil, nil, s.list)
	split := container.NewHSplit(left, detail)
	split.Offset = 0.3
	s.root = split
	s.watch()
	return s
}

// watch reads the jobs again after each background pull that changed them.
func (s *JobsScreen) watch() {
	if s.opts.Changed == nil || s.opts.Jobs == nil {
		return
	}
	ch, stop := s.opts.Changed()
	s.stop = stop
	go func() {
		for range ch {
			s.bridge.reload()
		}
	}()
}

// Close ends the screen's subscription to background pulls.
func (s *JobsScreen) Close() {
	if s.stop != nil {
		s.stop()
	}
}

// listLine is a job's row: its ID and, when something is queued for it,
// its sync state.
func (s *JobsScreen) listLine(id string) string {
	if l := s.lines[id]; l != "" {
		return id + " — " + l
	}
	return id
}

// Pull fetches today's jobs from the inventory service in the background
// (pushing what is queued first) and reads the list again.
func (s *JobsScreen) Pull() {
	if s.opts.Pull == nil || s.pull.Disabled() {
		return
	}
	s.pull.Disable()
	s.pulled.SetText("Getting today's jobs…")
	pull := s.opts.Pull
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), pullTimeout)
		defer cancel()
		s.bridge.pulled(pull(ctx), time.Now())
	}()
}

// Idle returns a channel closed when the next pull ends.
func (s *JobsScreen) Idle() <-chan struct{} {
	return s.idle.wait()
}

func (s *JobsScreen) showPulled(err error, at time.Time) {
	s.pull.Enable()
	if err != nil {
		s.pulled.SetText(field.SyncWords(err))
	} else {
		s.pulled.SetText("Jobs up to date at " + at.Format("15:04") + ".")
	}
	s.Load()
	s.idle.fire()
}

// Object returns the screen's content.
func (s *JobsScreen) Object() fyne.CanvasObject { return s.root }

// Loaded returns a channel closed at the next redraw.
func (s *JobsScreen) Loaded() <-chan struct{} {
	return s.loaded.wait()
}

// Load reads the job list and the current job in the background.
func (s *JobsScreen) Load() {
	if s.opts.Jobs == nil {
		return
	}
	current := s.current
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		v, err := s.read(ctx, current)
		if err != nil {
			s.bridge.failed(err)
			return
		}
		s.bridge.show(v)
	}()
}

func (s *JobsScreen) read(ctx context.Context, current string) (jobView, error) {
	var v jobView
	ids, err := s.opts.Jobs.List(ctx)
	if err != nil {
		return v, fmt.Errorf("list jobs: %w", err)
	}
	v.ids = ids
	v.lines = map[string]string{}
	if s.opts.Queue != nil {
		states, err := s.opts.Queue.Jobs(ctx)
		if err != nil {
			return v, fmt.Errorf("read the queue: %w", err)
		}
		for _, st := range states {
			v.lines[st.JobID] = jobState(st)
		}
	}
	if current == "" && len(ids) > 0 {
		current = ids[0]
	}
	if current == "" {
		return v, nil
	}
	j, err := s.opts.Jobs.Get(ctx, current)
	if err != nil {
		return v, fmt.Errorf("read job %s: %w", current, err)
	}
	v.job = j
	v.sync = "Nothing queued for this job."
	if s.opts.Queue != nil {
		if st, err := s.opts.Queue.Job(ctx, current); err == nil {
			v.sync = "Sync: " + jobState(st)
			if st.Status() == outbox.NeedsAttention {
				v.sync += "\nOpen Sync (Ctrl+5) to retry or discard it."
			}
		}
	}
	v.photos = map[string][]byte{}
	for _, p := range j.Photos {
		if b, err := s.opts.Jobs.PhotoData(ctx, p.Hash); err == nil {
			v.photos[p.Hash] = b
		}
	}
	return v, nil
}

func (s *JobsScreen) show(v jobView) {
	s.ids, s.lines = v.ids, v.lines
	s.list.Refresh()
	s.job = v.job
	if j := v.job; j != nil {
		if s.current != j.ID && s.opts.Drafts != nil {
			s.current = j.ID
			s.note.SetText(s.opts.Drafts.String(draftKey(j.ID))) // what was typed before a close
		}
		s.current = j.ID
		for i, id := range s.ids {
			if id == j.ID {
				s.list.Select(i)
			}
		}
		s.title.SetText(fmt.Sprintf("%s — %s, %s", j.ID, j.Kind, j.Status))
		s.site.SetText(fmt.Sprintf("%s, %s\nMPxN %s", j.Site.Address, j.Site.Postcode, strings.Join(j.Site.MPxN, ", ")))
		s.syncState.SetText(v.sync)
		var devs []string
		for _, d := range j.Devices {
			devs = append(devs, fmt.Sprintf("%s %s (%s %s), SMI status %s", d.Type, d.ID, d.Manufacturer, d.Model, d.Status))
		}
		s.devices.SetText(strings.Join(devs, "\n"))
		s.checklist.Objects = nil
		s.checks = map[string]*widget.Check{}
		for _, it := range j.Checklist {
			id := it.ID
			c := widget.NewCheck(it.Label, nil)
			c.SetChecked(it.Done)
			c.OnChanged = func(done bool) { s.tick(id, done) }
			s.checks[id] = c
			s.checklist.Add(c)
		}
		s.checklist.Refresh()
		var notes []string
		for _, n := range j.Notes {
			notes = append(notes, n.At.Local().Format("15:04")+"  "+n.Text)
		}
		if len(notes) == 0 {
			notes = []string{"No notes yet."}
		}
		s.notes.SetText(strings.Join(notes, "\n"))
		s.photos.Objects = nil
		for _, p := range j.Photos {
			img := canvas.NewImageFromResource(fyne.NewStaticResource(p.Hash, v.photos[p.Hash]))
			img.FillMode = canvas.ImageFillContain
			s.photos.Add(img)
		}
		s.photos.Refresh()
	}
	s.loaded.fire()
}

func (s *JobsScreen) showFailure(err error) { s.status.SetText(FieldWords(err)) }

// tick records a checklist item in the background.
func (s *JobsScreen) tick(item string, done bool) {
	id := s.current
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.opts.Jobs.Tick(ctx, id, item, done); err != nil {
			s.bridge.failed(fmt.Errorf("tick %s: %w", item, err))
			return
		}
		s.bridge.reload()
	}()
}

// AddNote saves the typed note; the entry is cleared only once it is saved,
// so nothing typed is lost.
func (s *JobsScreen) AddNote() {
	text := strings.TrimSpace(s.note.Text)
	if text == "" || s.current == "" {
		return
	}
	id := s.current
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := s.opts.Jobs.AddNote(ctx, id, text); err != nil {
			s.bridge.failed(fmt.Errorf("save note: %w", err))
			return
		}
		s.bridge.noteSaved(text)
	}()
}

func (s *JobsScreen) clearNote(saved string) {
	if strings.TrimSpace(s.note.Text) == saved {
		s.note.SetText("")
		if s.opts.Drafts != nil {
			s.opts.Drafts.RemoveValue(draftKey(s.current))
		}
	}
	s.Load()
}

// pickPhoto asks for an image file and attaches it.
func (s *JobsScreen) pickPhoto() {
	if s.current == "" {
		return
	}
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		s.AttachPhoto(r.URI().Name(), r)
	}, s.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".jpg", ".jpeg", ".png"}))
	d.Show()
}

// AttachPhoto reads r (at most jobs.MaxPhotoBytes) and attaches it to the
// current job in the background; r is closed.
func (s *JobsScreen) AttachPhoto(caption string, r io.ReadCloser) {
	id := s.current
	go func() {
		defer r.Close()
		b, err := io.ReadAll(io.LimitReader(r, jobs.MaxPhotoBytes+1))
		if err == nil && len(b) > jobs.MaxPhotoBytes {
			err = fmt.Errorf("photo %s is larger than %d MB", caption, jobs.MaxPhotoBytes>>20)
		}
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = s.opts.Jobs.AddPhoto(ctx, id, caption, b)
		}
		if err != nil {
			s.bridge.failed(fmt.Errorf("attach photo: %w", err))
			return
		}
		s.bridge.reload()
	}()
}

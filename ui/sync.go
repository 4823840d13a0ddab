package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/field"
	"github.com/smetskit/smetskit/sync/outbox"
)

// SyncOptions connect the Sync screen to the queue and, when there is one,
// the sync client.
type SyncOptions struct {
	Queue *outbox.Outbox
	// Server is the inventory service's address, shown as is.
	Server string
	// SyncNow asks the sync client to push and pull at once; nil when the
	// app has no server configured.
	SyncNow func()
	// Contact says when the service last answered and how the last round
	// went (sync/client's Progress summary); nil when there is no client.
	Contact func() string
}

// SyncScreen shows what is queued for the inventory service, job by job,
// with what needs attention and the server's reason, and lets the engineer
// retry or discard a message that cannot go.
type SyncScreen struct {
	root   fyne.CanvasObject
	opts   SyncOptions
	bridge syncBridge

	summary  *widget.Label
	server   *widget.Label
	note     *widget.Label
	syncNow  *widget.Button
	jobs     *widget.List
	messages *widget.List
	retry    *widget.Button
	discard  *widget.Button
	// attention lists the messages that cannot go on by themselves:
	// refused by the service (conflicts) or given up after their retries
	// (dead letters); detail says why and what to do for the one chosen.
	attention *widget.List
	detail    *widget.Label

	// Event goroutine only.
	jobStates []outbox.JobState
	msgs      []outbox.Message
	stuck     []outbox.Message
	selected  int64 // message id, 0 for none

	mu      sync.Mutex
	updated signal // fires on each view (tests)
	stop    context.CancelFunc
}

// NewSyncScreen builds the screen; Watch starts following the queue.
func NewSyncScreen(opts SyncOptions) *SyncScreen { return newSyncScreen(opts, fyne.Do) }

func newSyncScreen(opts SyncOptions, do doFunc) *SyncScreen {
	s := &SyncScreen{opts: opts}
	s.bridge = syncBridge{s: s, do: do}
	s.summary = widget.NewLabelWithStyle("Reading the queue…", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.summary.Wrapping = fyne.TextWrapWord
	s.server = widget.NewLabel("")
	if opts.Server == "" {
		s.server.SetText("No inventory server set: everything stays queued on this computer (Settings).")
	} else {
		s.server.SetText("Inventory server: " + opts.Server)
	}
	s.server.Wrapping = fyne.TextWrapWord
	s.note = widget.NewLabel("")
	s.note.Wrapping = fyne.TextWrapWord
	s.syncNow = widget.NewButtonWithIcon("Sync now", theme.ViewRefreshIcon(), func() {
		if s.opts.SyncNow != nil {
			s.opts.SyncNow()
			s.note.SetText("Sync started at " + time.Now().Format("15:04:05") + ".")
		}
	})
	s.syncNow.Importance = widget.HighImportance
	if opts.SyncNow == nil {
		s.syncNow.Disable()
	}
	s.jobs = widget.NewList(func() int { return len(s.jobStates) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(jobLine(s.jobStates[i])) })
	s.messages = widget.NewList(func() int { return len(s.msgs) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(messageLine(s.msgs[i])) })
	s.messages.OnSelected = func(i widget.ListItemID) { s.selectMessage(i) }
	s.attention = widget.NewList(func() int { return len(s.stuck) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(stuckLine(s.stuck[i])) })
	s.attention.OnSelected = func(i widget.ListItemID) {
		if i >= 0 && i < len(s.stuck) {
			s.selectByID(s.stuck[i].ID)
		}
	}
	s.detail = widget.NewLabel("Choose a message to see why it is stuck and what to do.")
	s.detail.Wrapping = fyne.TextWrapWord
	s.retry = widget.NewButtonWithIcon("Retry", theme.MediaReplayIcon(), func() { s.act("retry") })
	s.discard = widget.NewButtonWithIcon("Discard", theme.DeleteIcon(), func() { s.act("discard") })
	s.retry.Disable()
	s.discard.Disable()

	top := container.NewVBox(container.NewBorder(nil, nil, nil, s.syncNow, s.summary), s.server, s.note)
	jobs := container.NewBorder(widget.NewLabelWithStyle("Jobs", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, s.jobs)
	attention := container.NewBorder(widget.NewLabelWithStyle("Needs attention (refused or given up)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewVBox(s.detail, container.NewHBox(s.retry, s.discard)), nil, nil, s.attention)
	msgs := container.NewBorder(widget.NewLabelWithStyle("All messages", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, s.messages)
	lower := container.NewHSplit(attention, msgs)
	lower.Offset = 0.5
	split := container.NewVSplit(jobs, lower)
	split.Offset = 0.3
	s.root = container.NewBorder(top, nil, nil, nil, split)
	return s
}

// Object returns the screen's content.
func (s *SyncScreen) Object() fyne.CanvasObject { return s.root }

// Watch follows the queue in the background until Close: every commit
// wakes it and the screen is redrawn with the new counts.
func (s *SyncScreen) Watch() {
	if s.opts.Queue == nil {
		s.summary.SetText("Nothing queued: no local store is open.")
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	s.mu.Lock()
	s.stop = stop
	s.mu.Unlock()
	wake, unsubscribe := s.opts.Queue.Subscribe()
	go func() {
		defer unsubscribe()
		tick := time.NewTicker(5 * time.Second) // leases end and backoffs pass without a commit
		defer tick.Stop()
		for {
			s.load(ctx)
			select {
			case <-ctx.Done():
				return
			case <-wake:
			case <-tick.C:
			}
		}
	}()
}

// Close stops watching the queue.
func (s *SyncScreen) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
	}
}

// load reads the queue (off the event goroutine) and hands it to the bridge.
func (s *SyncScreen) load(ctx context.Context) {
	jobs, err := s.opts.Queue.Jobs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.bridge.failed(fmt.Errorf("read the queue: %w", err))
		}
		return
	}
	msgs, err := s.opts.Queue.Messages(ctx, outbox.Filter{Limit: 500})
	if err != nil {
		if ctx.Err() == nil {
			s.bridge.failed(fmt.Errorf("read the queue: %w", err))
		}
		return
	}
	stuck, err := s.opts.Queue.Messages(ctx, outbox.Filter{States: []outbox.State{outbox.Rejected, outbox.Dead}, Limit: 500})
	if err != nil {
		if ctx.Err() == nil {
			s.bridge.failed(fmt.Errorf("read the queue: %w", err))
		}
		return
	}
	contact := ""
	if s.opts.Contact != nil {
		contact = s.opts.Contact()
	}
	s.bridge.view(jobs, msgs, stuck, contact)
}

// Updated returns a channel closed at the next redraw of the queue.
func (s *SyncScreen) Updated() <-chan struct{} {
	return s.updated.wait()
}

func (s *SyncScreen) showQueue(jobs []outbox.JobState, msgs []outbox.Message, contact string) {
	s.jobStates, s.msgs = jobs, msgs
	if contact != "" {
		s.server.SetText("Inventory server: " + s.opts.Server + " — " + contact)
	}
	waiting, attention := 0, 0
	for _, j := range jobs {
		waiting += j.Pending + j.InFlight
		if j.Status() == outbox.NeedsAttention {
			attention++
		}
	}
	switch {
	case len(jobs) == 0:
		s.summary.SetText("Nothing queued.")
	case attention > 0:
		s.summary.SetText(fmt.Sprintf("%d waiting; %d job(s) need attention.", waiting, attention))
	case waiting > 0:
		s.summary.SetText(fmt.Sprintf("%d waiting to reach the inventory service.", waiting))
	default:
		s.summary.SetText("Everything applied by the inventory service.")
	}
	s.jobs.Refresh()
	s.messages.Refresh()
	s.selectByID(s.selected)
	s.updated.fire()
}

func (s *SyncScreen) showFailure(err error) { s.note.SetText(FieldWords(err)) }

func (s *SyncScreen) showNote(text string) { s.note.SetText(text) }

func (s *SyncScreen) selectMessage(i int) {
	if i < 0 || i >= len(s.msgs) {
		s.selectByID(0)
		return
	}
	s.selectByID(s.msgs[i].ID)
}

// selectByID enables Retry and Discard for a message that cannot go on,
// and says why it is stuck and what to do.
func (s *SyncScreen) selectByID(id int64) {
	s.selected = id
	var m *outbox.Message
	for _, list := range [][]outbox.Message{s.msgs, s.stuck} {
		for i := range list {
			if list[i].ID == id {
				m = &list[i]
			}
		}
	}
	if m != nil {
		s.detail.SetText(stuckAdvice(*m))
	} else if len(s.stuck) == 0 {
		s.detail.SetText("Nothing is stuck: everything queued goes by itself when there is coverage.")
	} else {
		s.detail.SetText("Choose a message to see why it is stuck and what to do.")
	}
	stuck := m != nil && (m.State == outbox.Dead || m.State == outbox.Rejected)
	setEnabled(m != nil && m.State == outbox.Dead, s.retry)
	setEnabled(stuck, s.discard)
}

// act retries or discards the selected message off the event goroutine.
func (s *SyncScreen) act(what string) {
	id := s.selected
	if id == 0 || s.opts.Queue == nil {
		return
	}
	q := s.opts.Queue
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		var text string
		switch what {
		case "retry":
			err = q.Retry(ctx, id)
			text = fmt.Sprintf("Message %d will be sent again.", id)
		case "discard":
			var n int
			n, err = q.Discard(ctx, id, "discarded by the engineer")
			text = fmt.Sprintf("Discarded %d message(s).", n)
		}
		if err != nil {
			s.bridge.failed(fmt.Errorf("%s message %d: %w", what, id, err))
			return
		}
		s.bridge.said(text)
	}()
}

// jobLine is one job's sync state in words, after its ID: "J-1 — 3
// waiting", "J-1 — applied: safe to leave site", "J-1 — needs attention:
// <the server's reason in field words>".
func jobLine(j outbox.JobState) string { return j.JobID + " — " + jobState(j) }

// jobState is jobLine without the job's ID (the Jobs screen's line).
func jobState(j outbox.JobState) string {
	switch j.Status() {
	case outbox.AllApplied:
		return "applied: safe to leave site"
	case outbox.NeedsAttention:
		if j.LastError == "" {
			return "needs attention: a message could not be applied"
		}
		return "needs attention: " + field.RefusalWords(j.LastError)
	}
	return j.String()
}

// stuckLine is one stuck message in the attention list: what it is and
// the reason in field words.
func stuckLine(m outbox.Message) string {
	what := "Refused"
	if m.State == outbox.Dead {
		what = "Given up"
	}
	return fmt.Sprintf("%s — %s %s: %s", m.JobID, what, kindWords(m.Kind), field.RefusalWords(m.LastError))
}

// stuckAdvice says why message m is stuck and what the engineer can do.
func stuckAdvice(m outbox.Message) string {
	reason := field.RefusalWords(m.LastError)
	switch m.State {
	case outbox.Rejected:
		return fmt.Sprintf("The inventory service refused this %s of job %s for good: %s\n"+
			"Sending it again would get the same answer. Put right what it says on site (or ask the office), "+
			"then Discard it so the job's later messages can go.", kindWords(m.Kind), m.JobID, reason)
	case outbox.Dead:
		return fmt.Sprintf("Sending this %s of job %s was given up after %d attempt(s): %s\n"+
			"Retry sends it again now; Discard drops it and anything that depends on it.", kindWords(m.Kind), m.JobID, m.Attempts, reason)
	case outbox.Applied:
		return fmt.Sprintf("This %s of job %s was applied by the inventory service.", kindWords(m.Kind), m.JobID)
	}
	return fmt.Sprintf("This %s of job %s is %s: it goes by itself when there is coverage.", kindWords(m.Kind), m.JobID, m.State)
}

// kindWords names a message kind for the engineer.
func kindWords(kind string) string {
	switch kind {
	case "duis-request":
		return "service request"
	case "job-update":
		return "job update"
	case "evidence":
		return "evidence"
	}
	return kind
}

func messageLine(m outbox.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s  %s  %s", m.ID, m.JobID, m.Kind, m.State)
	if m.Attempts > 0 {
		fmt.Fprintf(&b, ", %d attempt(s)", m.Attempts)
	}
	if m.LastError != "" {
		b.WriteString(" — " + m.LastError)
	}
	return b.String()
}

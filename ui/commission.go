package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/commission"
)

// errConnectHub wraps why the hub could not be opened for a run.
var errConnectHub = errors.New("ui: connect to the hub")

// CommissionOptions connect the wizard to the commissioning engine.
type CommissionOptions struct {
	Engine *commission.Engine
	// Plan returns the plan for the job to install (devices, install
	// codes, the engineer's answers).
	Plan func() commission.Plan
	// Hub opens the hub the engine drives; close hangs up.
	Hub func(ctx context.Context) (hub commission.Hub, close func(), err error)
	// Drafts keeps answers chosen in a form but not yet saved, per job, so
	// closing the app loses nothing (never install codes); nil uses the
	// running app's preferences, if any.
	Drafts fyne.Preferences
	// Now stamps register reads taken on site (default time.Now).
	Now func() time.Time
}

// CommissionScreen is the step-by-step install wizard over app/commission:
// what to do now, what was done, what failed and what to try. The engine
// keeps every step in the store, so a run resumes after a restart.
//
// Before the first start it asks for the install code of each device the
// job has none for (a masked entry per device, scanned or typed, then
// Enter). While a run is stopped it offers to change the install code of
// a device that has not joined yet (Engine.SetInstallCode), in the same
// kind of masked entry. When a step stops for answers (commission.ReasonMissingAnswer)
// or a register read (ReasonMissingRead), it shows a form for exactly
// those, in field words, stores them with Engine.Answer or
// Engine.AddReads, and continues the run. Without SM WAN the same flow
// goes the install-and-leave way; nothing needs the inventory service.
type CommissionScreen struct {
	root   fyne.CanvasObject
	opts   CommissionOptions
	bridge commissionBridge
	logf   func(string, ...any) // nil: no log

	run    *widget.Button
	stop   *widget.Button
	now    *widget.Label
	steps  *widget.List
	state  *widget.Label
	detail *widget.Label // the step picked in the list, in full

	// Asking the engineer: the install codes before the first start (in
	// memory only until the run stores them with its plan), then the
	// answers or read a stopped step needs.
	codes     []*codeField
	codesJob  string // the job the code fields are for
	codeBox   *fyne.Container
	ask       *fyne.Container
	askScroll *container.Scroll
	formMsg   *widget.Label
	save      *widget.Button
	// changes offers to correct an install code of a stopped run.
	changes *codeChanges

	// Event goroutine only.
	status  *commission.RunStatus
	cancel  context.CancelFunc
	running bool
	form    *answerForm
	picked  int // the step shown in detail, -1 none

	idle signal // fires when a run ends
	seen signal // fires at each status shown
}

// NewCommissionScreen builds the wizard; Load shows a stored run.
func NewCommissionScreen(opts CommissionOptions) *CommissionScreen {
	return newCommissionScreen(opts, fyne.Do)
}

func newCommissionScreen(opts CommissionOptions, do doFunc) *CommissionScreen {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Drafts == nil {
		if a := fyne.CurrentApp(); a != nil {
			opts.Drafts = a.Preferences()
		}
	}
	s := &CommissionScreen{opts: opts, picked: -1}
	s.bridge = commissionBridge{s: s, do: do}
	s.run = widget.NewButtonWithIcon("Start install", theme.MediaPlayIcon(), s.Start)
	s.run.Importance = widget.HighImportance
	s.stop = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), s.Pause)
	s.stop.Disable()
	s.now = widget.NewLabelWithStyle("Press Start install when the hub is fitted and powered.", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.now.Wrapping = fyne.TextWrapWord
	s.state = widget.NewLabel("")
	s.state.Wrapping = fyne.TextWrapWord
	s.steps = widget.NewList(func() int {
		if s.status == nil {
			return 0
		}
		return len(s.status.Steps)
	},
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(stepLine(s.status.Steps[i])) })
	s.detail = widget.NewLabel("")
	s.detail.Wrapping = fyne.TextWrapWord
	s.steps.OnSelected = func(i widget.ListItemID) { s.showDetail(i) }
	s.save = newSaveButton(s.SaveAnswers)
	s.formMsg = widget.NewLabel("")
	s.formMsg.Wrapping = fyne.TextWrapWord
	s.codeBox = container.NewVBox()
	s.codeBox.Hide()
	s.ask = container.NewVBox()
	s.askScroll = container.NewVScroll(container.NewVBox(s.codeBox, s.ask))
	s.askScroll.Hide()
	s.changes = newCodeChanges()
	top := container.NewVBox(container.NewHBox(touch(s.run), touch(s.stop)), s.now, s.state, s.changes.box)
	s.root = container.NewBorder(top, s.detail, nil, nil, container.NewStack(s.steps, s.askScroll))
	return s
}

// Object returns the screen's content.
func (s *CommissionScreen) Object() fyne.CanvasObject { return s.root }

// Idle returns a channel closed when the running install stops.
func (s *CommissionScreen) Idle() <-chan struct{} {
	return s.idle.wait()
}

// Seen returns a channel closed at the next status shown.
func (s *CommissionScreen) Seen() <-chan struct{} {
	return s.seen.wait()
}

// Load shows the stored run of the plan's job, if any (after a restart).
func (s *CommissionScreen) Load() {
	if s.opts.Engine == nil || s.opts.Plan == nil {
		return
	}
	job := s.opts.Plan().JobID
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := s.opts.Engine.Status(ctx, job)
		if err != nil {
			s.bridge.status(nil) // no run yet
			return
		}
		s.bridge.status(st)
	}()
}

// Start starts the install, or resumes it where it stopped. While a form
// asks what a step needs, it saves the form (SaveAnswers), which continues.
func (s *CommissionScreen) Start() {
	if s.running || s.opts.Engine == nil || s.opts.Plan == nil {
		return
	}
	if s.form != nil {
		s.SaveAnswers()
		return
	}
	plan := s.opts.Plan()
	if plan.JobID == "" {
		s.state.SetText("There is no job to install: get today's jobs on the Jobs screen first.")
		return
	}
	fresh := s.status == nil || s.status.JobID != plan.JobID
	if fresh {
		var refuse string
		if plan, refuse = s.withCodes(plan); refuse != "" {
			s.state.SetText(refuse)
			return
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.running = cancel, true
	s.showCodeChanges(s.status) // a code cannot change while the run goes
	s.run.Disable()
	s.stop.Enable()
	s.state.SetText("Connecting to the hub…")
	e := s.opts.Engine
	go func() {
		if fresh {
			if err := e.Start(ctx, plan); err != nil {
				// A run stored before a restart is resumed instead.
				if _, serr := e.Status(ctx, plan.JobID); serr != nil {
					s.bridge.finished(fmt.Errorf("start the install: %w", err))
					return
				}
			}
			// The run holds the codes now: show it (the code fields go)
			// even if the hub cannot be reached.
			if st, err := e.Status(ctx, plan.JobID); err == nil {
				s.bridge.status(st)
			}
		}
		hub, hangUp, err := s.opts.Hub(ctx)
		if err != nil {
			s.bridge.finished(fmt.Errorf("%w: %w", errConnectHub, err))
			return
		}
		defer hangUp()
		done := make(chan struct{})
		go func() { // show each step as the engine stores it
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					if st, err := e.Status(ctx, plan.JobID); err == nil {
						s.bridge.status(st)
					}
				}
			}
		}()
		err = e.Run(ctx, plan.JobID, hub)
		close(done)
		if st, serr := e.Status(context.Background(), plan.JobID); serr == nil {
			s.bridge.status(st)
		}
		s.bridge.finished(err)
	}()
}

// Pause stops the run between steps; Start resumes it.
func (s *CommissionScreen) Pause() {
	if s.cancel != nil {
		s.cancel()
		s.state.SetText("Pausing…")
	}
}

func (s *CommissionScreen) showStatus(st *commission.RunStatus) {
	s.status = st
	s.steps.Refresh()
	s.showDetail(s.picked)
	if st == nil && !s.running {
		s.showCodes()
	}
	if st != nil {
		s.hideCodes()
		if !s.running {
			s.run.SetText("Resume install")
			if st.Status == "done" {
				s.run.SetText("Install done")
				s.run.Disable()
			}
			// A stored run that stopped (after a restart): say where and
			// why, and ask what it needs.
			if step, it, ok := failedItem(st); ok {
				s.state.SetText(failureText(step.Title, it.Item, it.Reason, it.JoinCode, it.Hint))
				s.run.SetText("Try again")
			}
			s.askFor(st, nil)
			if s.form != nil {
				s.run.Disable() // the form's Save continues
			}
		}
		s.now.SetText(nextAction(st))
	}
	s.showCodeChanges(st)
	s.seen.fire()
}

func (s *CommissionScreen) showFinished(err error) {
	if s.logf != nil {
		s.logf("install run ended: %v", err)
	}
	s.running = false
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	s.stop.Disable()
	s.run.Enable()
	var se *commission.StepError
	switch {
	case err == nil:
		s.state.SetText("Install complete. Everything is queued for the inventory service; see Sync for when it is safe to leave site.")
		s.run.SetText("Install done")
		s.run.Disable()
	case errors.Is(err, context.Canceled):
		s.state.SetText("Paused. Press Resume install to carry on from the same step.")
		s.run.SetText("Resume install")
	case errors.As(err, &se):
		title := se.Step
		if errors.Is(err, errConnectHub) {
			title = "Connect to the hub"
		}
		if s.status != nil {
			for _, st := range s.status.Steps {
				if st.ID == se.Step {
					title = st.Title
				}
			}
		}
		s.state.SetText(failureText(title, se.Item, se.Reason, se.Code, se.Hint))
		s.run.SetText("Try again")
		s.askFor(s.status, se)
	case errors.Is(err, commission.ErrRunning):
		s.state.SetText("This install is already running in another window or in smetsctl. Let it finish there, then press Try again here.")
		s.run.SetText("Try again")
	case errors.Is(err, errConnectHub) && !strings.HasPrefix(FieldWords(err), "Something went wrong"):
		s.state.SetText("Could not reach the hub. " + FieldWords(err))
		s.run.SetText("Try again")
	case errors.Is(err, errConnectHub):
		s.state.SetText("Could not reach the hub: check the cable or probe on the hub and that the hub has power, then press Try again. (" + err.Error() + ")")
		s.run.SetText("Try again")
	default:
		s.state.SetText(FieldWords(err))
		s.run.SetText("Try again")
	}
	if s.form != nil {
		s.run.Disable() // the form's Save continues
	}
	s.showCodeChanges(s.status)
	s.idle.fire()
}

// nextAction says what to do now: the first step not done.
func nextAction(st *commission.RunStatus) string {
	if st.Status == "done" {
		return "All steps done."
	}
	for _, step := range st.Steps {
		switch step.State {
		case "failed":
			for _, it := range step.Items {
				if it.State == "failed" {
					return fmt.Sprintf("Needs you: %s — %s. %s", step.Title, reasonText(it.Reason), it.Hint)
				}
			}
			return "Needs you: " + step.Title
		case "pending", "running":
			return "Now: " + step.Title
		}
	}
	return "Waiting for the next step."
}

func stepLine(st commission.StepStatus) string {
	mark := map[string]string{"done": "✓", "skipped": "–", "failed": "✗"}[st.State]
	if mark == "" {
		mark = "·"
	}
	line := fmt.Sprintf("%s %s", mark, st.Title)
	if st.SR != "" {
		line += " (SR " + st.SR + ")"
	}
	var problems []string
	for _, it := range st.Items {
		if it.State == "failed" && it.Hint != "" {
			problems = append(problems, it.Hint)
		}
	}
	if len(problems) > 0 {
		line += " — " + strings.Join(problems, "; ")
	} else if st.State == commission.StateDone {
		if done := doneText(st); done != "" {
			line += " — " + done
		}
	}
	return line
}

// showDetail shows step i of the run in full (-1: nothing).
func (s *CommissionScreen) showDetail(i int) {
	s.picked = i
	if s.status == nil || i < 0 || i >= len(s.status.Steps) {
		s.detail.SetText("")
		return
	}
	s.detail.SetText(stepDetail(s.status.Steps[i]))
}

package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/demo"
	"github.com/smetskit/smetskit/app/store"
)

func TestCommissionWizardInstallsDemoSite(t *testing.T) {
	a := test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	s := newShell(a, DemoOptions(d), loop.do)
	defer s.Close()
	test.Tap(s.NavButton(ScreenCommission))
	w := s.wizard
	loop.runUntil(t, w.Seen(), "the stored run (none yet)")
	if w.status != nil || w.run.Text != "Start install" {
		t.Fatalf("before any run: status %+v, button %q", w.status, w.run.Text)
	}
	idle := w.Idle()
	test.Tap(w.run)
	loop.runUntil(t, idle, "the install")
	if !strings.Contains(w.state.Text, "Install complete") {
		t.Fatalf("state = %q, now = %q", w.state.Text, w.now.Text)
	}
	if w.status == nil || w.status.Status != "done" || len(w.status.Steps) < 5 {
		t.Fatalf("status = %+v", w.status)
	}
	for _, st := range w.status.Steps {
		if line := stepLine(st); strings.HasPrefix(line, "✗") {
			t.Errorf("step failed: %s", line)
		}
		// The wizard reaches the meters too: the post-checks hold the
		// electricity meter's firmware read on site.
		if st.ID == "post-checks" {
			var ev strings.Builder
			for _, it := range st.Items {
				ev.Write(it.Evidence)
			}
			if !strings.Contains(ev.String(), `"meterFirmware":"`) {
				t.Errorf("post-checks recorded no meter firmware: %s", ev.String())
			}
		}
	}

	// After a restart the wizard shows the stored run as done.
	s2 := newShell(a, DemoOptions(d), loop.do)
	defer s2.Close()
	loop.runUntil(t, s2.wizard.Seen(), "the stored run after a restart")
	if s2.wizard.status == nil || s2.wizard.run.Text != "Install done" || !s2.wizard.run.Disabled() {
		t.Errorf("after restart: status %+v, button %q", s2.wizard.status, s2.wizard.run.Text)
	}
}

// noHubPlan is an install the engine runs with no hub connected (the WAN
// answered by the engineer): it queues the 8.14.1 and the meter's 8.11 Add,
// then stops at the device log step on the hub.
func noHubPlan(job string) commission.Plan {
	return commission.Plan{JobID: job, Flow: "install", Originator: demo.Supplier, CHF: "00-DB-12-34-56-78-90-A2",
		MPxN: "1200023456789", Coverage: "yes", Devices: []commission.Device{
			{ID: "00-DB-12-34-56-78-90-A2", Type: "CHF", Status: "Pending", CPLStatus: "Active"},
			{ID: "00-DB-12-34-56-78-90-A0", Type: "ESME", Status: "Pending", CPLStatus: "Active", MPxN: "1200023456789"},
		},
		Answers: map[string]string{"CHFConnectionMethod": "Hot-shoe", "CHFLocation": "Deep indoors", "AerialInstall": "false", "WAN": "yes"}}
}

// noHub is a Hub func with nothing connected.
func noHub(context.Context) (commission.Hub, func(), error) { return nil, func() {}, nil }

// A code typed wrong is corrected on a stopped run: the wizard offers
// Change install code for the meter (its 8.11 Add is queued, it has not
// joined), takes the new code in a masked entry, refusing a bad one in
// words, and the engine re-opens the meter's device log steps; after a
// restart the change is still offered.
func TestCommissionChangesInstallCode(t *testing.T) {
	test.NewTempApp(t)
	e := tempEngine(t)
	plan := noHubPlan("J-CHANGE")
	loop := newEventLoop()
	opts := CommissionOptions{Engine: e, Plan: func() commission.Plan { return plan }, Hub: noHub}
	w := wizardOn(t, loop, opts)
	if w.changes.box.Visible() {
		t.Fatal("a code change is offered before the install starts")
	}
	submitCode(w.codes[0], "30313233343536373839414243444546")
	idle := w.Idle()
	test.Tap(w.run)
	loop.runUntil(t, idle, "the run up to the hub")
	if !strings.Contains(w.state.Text, "Device log on the hub") {
		t.Fatalf("state %q", w.state.Text)
	}
	if !w.changes.box.Visible() || len(w.changes.box.Objects) != 1 {
		t.Fatalf("change offered %v with %d objects", w.changes.box.Visible(), len(w.changes.box.Objects))
	}
	b := findButton(w.changes.box, "Change install code of the electricity meter 00-DB-12-34-56-78-90-A0")
	if b == nil {
		t.Fatal("no Change install code button for the meter")
	}
	test.Tap(b)
	f := w.changes.open
	if f == nil || !f.entry.Password || f.entry.ActionItem == nil {
		t.Fatalf("no masked entry for the new code: %+v", f)
	}
	submitCode(f, "3031")
	if !strings.HasPrefix(f.msg.Text, "Not accepted: ") {
		t.Errorf("short code: %q", f.msg.Text)
	}
	seen := w.Seen()
	submitCode(f, "83FE D340 7A93 9723 A5C6 39B2 6916 D505")
	loop.runUntil(t, seen, "the run after the change")
	if want := "The install code of the electricity meter 00-DB-12-34-56-78-90-A0 is changed (ends …D505). Press Resume install:"; !strings.HasPrefix(w.state.Text, want) {
		t.Errorf("state %q, want %q…", w.state.Text, want)
	}
	if strings.Contains(w.state.Text, "83FED340") {
		t.Errorf("the code is shown in full: %q", w.state.Text)
	}
	for _, st := range w.status.Steps {
		if st.ID == "whitelist" && (len(st.Items) != 1 || st.Items[0].State != commission.StatePending) {
			t.Errorf("the meter's 8.11 after the change: %+v", st.Items)
		}
	}
	if w.changes.open != nil || findButton(w.changes.box, "Change install code of the electricity meter 00-DB-12-34-56-78-90-A0") == nil {
		t.Errorf("after the change: entry open %v, button offered %v", w.changes.open != nil, w.changes.box.Visible())
	}
	w2 := wizardOn(t, loop, opts)
	if !w2.changes.box.Visible() || w2.codeBox.Visible() {
		t.Errorf("after a restart: change offered %v, start codes asked %v", w2.changes.box.Visible(), w2.codeBox.Visible())
	}
}

func TestCodeChangeWords(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"locked", fmt.Errorf("set install code of X: it has joined the hub with the code on record: %w", commission.ErrCodeLocked),
			"the code can no longer change (it has joined the hub with the code on record). If the device will not work, report it to the back office."},
		{"running", fmt.Errorf("set install code of X: %w", commission.ErrRunning), "the install is running: press Pause, then change the code."},
		{"bad code", fmt.Errorf("set install code of X: %w", commission.ErrInstallCode), "that is not an install code (6 to 16 bytes in hex)."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := codeChangeWords(c.err); got != c.want {
				t.Errorf("codeChangeWords = %q, want %q", got, c.want)
			}
		})
	}
}

// After a restart the wizard asks exactly the answers the engine stored
// with the stopped step, less those saved since (here by another client
// of the engine), for a flow it has never heard of; answering the rest
// completes the run.
func TestCommissionAsksStoredMissingAfterRestart(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "app.db"), store.Options{Modules: []store.Module{commission.Schema()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	flows := map[string]commission.Flow{"survey-only": {
		{ID: "survey", Kind: commission.KindAnswers, Title: "Survey of the meter cupboard", Requires: []string{"Colour", "Size", "Smell"}},
		{ID: "complete", Kind: commission.KindComplete, Title: "Done"},
	}}
	e, err := commission.New(db, commission.Options{Flows: flows})
	if err != nil {
		t.Fatal(err)
	}
	plan := commission.Plan{JobID: "J-SURVEY", Flow: "survey-only", Originator: demo.Supplier, CHF: "00-DB-12-34-56-78-90-A2"}
	if err := e.Start(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(ctx, plan.JobID, nil); err == nil {
		t.Fatal("the survey ran with no answers")
	}
	if err := e.Answer(ctx, plan.JobID, map[string]string{"Size": "large"}); err != nil {
		t.Fatal(err)
	}
	// Restart: a new engine and screen over the same store.
	e2, err := commission.New(db, commission.Options{Flows: flows})
	if err != nil {
		t.Fatal(err)
	}
	loop := newEventLoop()
	w := wizardOn(t, loop, CommissionOptions{Engine: e2, Plan: func() commission.Plan { return plan }, Hub: noHub})
	if got := formKeys(w); !slices.Equal(got, []string{"Colour", "Smell"}) {
		t.Fatalf("after a restart the form asks %v, want [Colour Smell]; state %q", got, w.state.Text)
	}
	answerAll(t, w, map[string]string{"Colour": "grey", "Smell": "none"})
	idle := w.Idle()
	test.Tap(w.save)
	loop.runUntil(t, idle, "the run after the answers")
	if !strings.Contains(w.state.Text, "Install complete") {
		t.Errorf("state %q", w.state.Text)
	}
}

// findButton finds a button by its text among o's objects, at any depth.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	switch v := o.(type) {
	case *widget.Button:
		if v.Text == text {
			return v
		}
	case *fyne.Container:
		for _, c := range v.Objects {
			if b := findButton(c, text); b != nil {
				return b
			}
		}
	}
	return nil
}

package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/demo"
	"github.com/smetskit/smetskit/app/store"
)

// noWANSite is the demo site with a hub that has no SM WAN (the
// simulator's no-wan quirk): the install goes the install-and-leave way
// (8.14.2, site survey, follow-up).
const noWANSite = `{"name": "no-wan", "description": "The demo site without SM WAN.",
  "hub": {"identity": {"flag": "SMK", "device_id": "00-DB-12-34-56-78-90-A2", "serial": "CH0000001", "firmware": "SIM-CH-2.1.0", "model": "SIM-CH1"},
    "status": "Pending", "quirks": ["no-wan"]},
  "meters": [{"identity": {"flag": "SMK", "model": "SIM-E1", "serial": "23110007", "device_id": "00-DB-12-34-56-78-90-A0",
    "firmware": "SIM-ESME-1.4.2", "comm_firmware": "SIM-ZB-3.0.1", "install_code": "30313233343536373839414243444546"},
    "status": "Pending", "daily_wh": 8500}]}`

// startSite starts the demo on a scenario given as JSON, with no
// inventory service (offline) and no pseudo-terminals.
func startSite(t *testing.T, scenario string) *demo.Demo {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "scenario.json")
	if err := os.WriteFile(path, []byte(scenario), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := demo.Start(context.Background(), demo.Options{Dir: dir, Scenario: path, NoServer: true, NoPTY: true})
	if err != nil {
		t.Fatalf("demo.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("demo Close: %v", err)
		}
	})
	return d
}

// oneAssociation opens the hub once and hands the same association to
// every run of the test: the demo's hub management association always
// starts its invocation counter at 1, so the simulated hub refuses a second
// association as a replay (reported to app/demo).
func oneAssociation(t *testing.T, open func(context.Context) (commission.Hub, func(), error)) func(context.Context) (commission.Hub, func(), error) {
	var hub commission.Hub
	return func(ctx context.Context) (commission.Hub, func(), error) {
		if hub == nil {
			h, hangUp, err := open(ctx)
			if err != nil {
				return nil, nil, err
			}
			t.Cleanup(hangUp)
			hub = h
		}
		return hub, func() {}, nil
	}
}

// wizardOn builds the wizard over opts in a test window and waits for the
// stored run (or none) to show.
func wizardOn(t *testing.T, loop *eventLoop, opts CommissionOptions) *CommissionScreen {
	t.Helper()
	w := newCommissionScreen(opts, loop.do)
	win := test.NewWindow(w.Object())
	win.Resize(fyne.NewSize(900, 700))
	t.Cleanup(win.Close)
	seen := w.Seen()
	w.Load()
	loop.runUntil(t, seen, "the stored run")
	return w
}

// formKeys lists the answer keys the wizard's form asks.
func formKeys(w *CommissionScreen) []string {
	if w.form == nil {
		return nil
	}
	var out []string
	for _, f := range w.form.fields {
		out = append(out, f.q.key)
	}
	return out
}

// answerAll picks an answer for each question of the form.
func answerAll(t *testing.T, w *CommissionScreen, answers map[string]string) {
	t.Helper()
	for _, f := range w.form.fields {
		v, ok := answers[f.q.key]
		if !ok {
			t.Fatalf("no answer for %s", f.q.key)
		}
		f.choose(v)
		if got := f.value(); got != v {
			t.Fatalf("%s: chose %q, form gives %q", f.q.key, v, got)
		}
	}
}

// submitCode types a code into a code field as a keyboard-wedge scanner
// does: the text, then Enter.
func submitCode(f *codeField, text string) {
	f.entry.SetText("")
	test.Type(f.entry, text)
	f.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

var surveyAnswers = map[string]string{
	"CHFConnectionMethod": "Hot-shoe", "CHFLocation": "Deep indoors", "AerialInstall": "false",
	"PremiseType": "High Rise Apartment (MDU > 5 floors)", "MetalObstructionCheck": "true",
	"ConnectivityObstructionCheck": "false", "SharedObstructionCheck": "true",
}

// An install with no answers and no install code on the job, on a hub with
// no WAN and no inventory service (install and leave, offline): the wizard
// asks for the meter's code (refusing bad ones in words), then for the hub
// answers, then for the site survey, and completes locally.
func TestCommissionFormsInstallAndLeave(t *testing.T) {
	test.NewTempApp(t)
	d := startSite(t, noWANSite)
	loop := newEventLoop()
	opts := DemoOptions(d).Commission
	opts.Plan = func() commission.Plan {
		p := d.InstallPlan()
		p.Answers = nil
		for i := range p.Devices {
			p.Devices[i].InstallCode = ""
		}
		return p
	}
	opts.Hub = oneAssociation(t, opts.Hub)
	w := wizardOn(t, loop, opts)
	job := opts.Plan().JobID

	if len(w.codes) != 1 || !w.codeBox.Visible() || w.steps.Visible() {
		t.Fatalf("code fields %d, shown %v", len(w.codes), w.codeBox.Visible())
	}
	f := w.codes[0]
	if !strings.Contains(f.box.Objects[0].(*widget.Label).Text, "00-DB-12-34-56-78-90-A0") {
		t.Errorf("code field does not show the meter's EUI-64")
	}
	if !f.entry.Password || f.entry.ActionItem == nil {
		t.Errorf("code entry not masked or has Fyne's reveal button")
	}

	// Start before the code is entered: refused, nothing stored.
	test.Tap(w.run)
	if w.running || !strings.Contains(w.state.Text, "Enter the install code of the electricity meter 00-DB-12-34-56-78-90-A0") {
		t.Fatalf("start without a code: running %v, state %q", w.running, w.state.Text)
	}
	if _, err := d.Commission.Status(context.Background(), job); err == nil {
		t.Fatalf("a run was stored without the install code")
	}

	for _, bad := range []struct{ text, says string }{
		{"3031 3233 3435 3637 3839 4142 4344 45OO", "not a hex digit"},
		{"303132333435363738394142434445", "2 missing"},
		{"3031323334353637383941424344454647", "2 too many"},
		{"30313233343536373839414243444546FFFF", "check digits"},
	} {
		submitCode(f, bad.text)
		if f.code != "" || !strings.Contains(f.msg.Text, "Not accepted") || !strings.Contains(f.msg.Text, bad.says) {
			t.Errorf("code %q: accepted %q, message %q (want %q)", bad.text, f.code, f.msg.Text, bad.says)
		}
	}
	full := "30313233343536373839414243444546"
	submitCode(f, "30313233-34353637-38394142-43444546")
	if f.code != full || f.entry.Text != "" || f.entry.Visible() {
		t.Fatalf("good code: kept %q, entry %q", f.code, f.entry.Text)
	}
	if c := fyne.CurrentApp().Driver().CanvasForObject(w.run); c == nil || c.Focused() != w.run {
		t.Errorf("after the last code the keyboard is not on Start install")
	}
	if !strings.Contains(f.msg.Text, "ends …4546") || strings.Contains(f.msg.Text, full) || strings.Contains(w.now.Text, full) || strings.Contains(w.state.Text, full) {
		t.Errorf("after entry: message %q, now %q", f.msg.Text, w.now.Text)
	}

	// Start: the hub step stops for its three answers, and asks exactly them.
	idle := w.Idle()
	test.Tap(w.run)
	loop.runUntil(t, idle, "the run up to the hub answers")
	if got := formKeys(w); !slices.Equal(got, []string{"CHFConnectionMethod", "CHFLocation", "AerialInstall"}) {
		t.Fatalf("form asks %v; state %q", got, w.state.Text)
	}
	if !strings.Contains(w.state.Text, "Stopped at “Fit the hub”: some questions are not answered yet") || !w.run.Disabled() || !w.askScroll.Visible() {
		t.Errorf("state %q, run disabled %v, form shown %v", w.state.Text, w.run.Disabled(), w.askScroll.Visible())
	}
	test.Tap(w.save)
	if w.running || !strings.Contains(w.formMsg.Text, "Still to answer: hub connection, hub location, aerial.") {
		t.Fatalf("save with nothing answered: running %v, message %q", w.running, w.formMsg.Text)
	}
	answerAll(t, w, surveyAnswers)
	idle = w.Idle()
	test.Tap(w.save)
	loop.runUntil(t, idle, "the run up to the site survey")

	// No WAN: the site survey's four answers.
	want := []string{"PremiseType", "MetalObstructionCheck", "ConnectivityObstructionCheck", "SharedObstructionCheck"}
	if got := formKeys(w); !slices.Equal(got, want) {
		t.Fatalf("second form asks %v, want %v; state %q", got, want, w.state.Text)
	}
	answerAll(t, w, surveyAnswers)
	idle = w.Idle()
	w.Start() // Ctrl+R: the form's Save and continue
	loop.runUntil(t, idle, "the rest of the install")
	if !strings.Contains(w.state.Text, "Install complete") || w.form != nil || !w.steps.Visible() {
		t.Fatalf("state %q, form %v", w.state.Text, formKeys(w))
	}
	st := w.status
	if st == nil || st.Status != "done" || st.Facts["wan"] != "no" {
		t.Fatalf("status %+v", st)
	}
	for _, step := range st.Steps {
		switch step.ID {
		case "ch-status-no-wan", "site-survey", "follow-up", "whitelist", "hub-whitelist", "join":
			if step.State != commission.StateDone {
				t.Errorf("step %s: %s", step.ID, step.State)
			}
		case "ch-status", "commission":
			if step.State != commission.StateSkipped {
				t.Errorf("step %s with no WAN: %s", step.ID, step.State)
			}
		}
		if line := stepLine(step); strings.Contains(line, full) {
			t.Errorf("step line shows the install code: %s", line)
		}
	}

	// Each step says what it did; picking one shows it in full.
	lines := map[string]string{}
	for _, step := range st.Steps {
		lines[step.ID] = stepLine(step)
	}
	for id, want := range map[string]string{
		"ch-install":  "Fit the hub — Hub connection: Hot-shoe; Hub location: Deep indoors; Aerial: No",
		"site-survey": "Premise type: Flat, block of more than 5 floors",
		"wan-check":   "the hub says no SM WAN: install and leave",
		"whitelist":   "1 request queued",
		"commission":  "– Commission meters",
	} {
		if !strings.HasPrefix(lines[id], "✓") && id != "commission" || !strings.Contains(lines[id], want) {
			t.Errorf("step %s: %q, want %q", id, lines[id], want)
		}
	}
	for i, step := range st.Steps {
		if step.ID != "whitelist" {
			continue
		}
		w.steps.Select(i)
		if d := w.detail.Text; !strings.Contains(d, "Add devices to the hub's device log: done (service request 8.11)") ||
			!strings.Contains(d, "00-DB-12-34-56-78-90-A0: done, request ") || strings.Contains(d, full) {
			t.Errorf("whitelist detail: %q", d)
		}
	}
}

// A run stopped for answers resumes after a restart: a new screen over the
// same store (and a new engine) shows where it stopped and asks only what
// the job's plan still lacks; answering it completes the install.
func TestCommissionResumesStoppedRunAfterRestart(t *testing.T) {
	test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	opts := DemoOptions(d).Commission
	opts.Plan = func() commission.Plan {
		p := d.InstallPlan()
		delete(p.Answers, "CHFLocation")
		delete(p.Answers, "AerialInstall")
		return p
	}
	opts.Hub = oneAssociation(t, opts.Hub)
	w := wizardOn(t, loop, opts)
	if w.codeBox.Visible() {
		t.Errorf("the job has its install codes, yet the wizard asks for them")
	}
	idle := w.Idle()
	test.Tap(w.run)
	loop.runUntil(t, idle, "the run up to the hub answers")
	if got := formKeys(w); !slices.Equal(got, []string{"CHFLocation", "AerialInstall"}) {
		t.Fatalf("form asks %v; state %q", got, w.state.Text)
	}

	// One answer chosen but not saved comes back after the restart.
	w.form.fields[0].choose("Basement or Cellar")

	// Restart: a new engine and screen over the same store.
	e2, err := commission.New(d.Store, commission.Options{JoinPoll: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	opts.Engine = e2
	w2 := wizardOn(t, loop, opts)
	if w2.status == nil || w2.status.Status != commission.StateFailed {
		t.Fatalf("after restart: status %+v", w2.status)
	}
	if got := formKeys(w2); !slices.Equal(got, []string{"CHFLocation", "AerialInstall"}) {
		t.Fatalf("after restart the form asks %v; state %q", got, w2.state.Text)
	}
	if got := w2.form.fields[0].value(); got != "Basement or Cellar" {
		t.Errorf("after restart the unsaved answer is %q", got)
	}
	if !strings.Contains(w2.state.Text, "Stopped at “Fit the hub”") || !strings.Contains(w2.now.Text, "Needs you: Fit the hub") || w2.codeBox.Visible() {
		t.Errorf("after restart: state %q, now %q", w2.state.Text, w2.now.Text)
	}
	done := 0
	for _, st := range w2.status.Steps {
		if st.State == commission.StateDone {
			done++
		}
	}
	if done != 1 { // the pre-checks
		t.Errorf("after restart %d steps done, want the pre-checks only", done)
	}
	answerAll(t, w2, surveyAnswers)
	idle = w2.Idle()
	test.Tap(w2.save)
	loop.runUntil(t, idle, "the install after the restart")
	if v := fyne.CurrentApp().Preferences().String(answerDraftKey(opts.Plan().JobID, "CHFLocation")); v != "" {
		t.Errorf("draft kept after saving: %q", v)
	}
	if !strings.Contains(w2.state.Text, "Install complete") || w2.status == nil || w2.status.Status != "done" || w2.status.Facts["wan"] != "yes" {
		t.Fatalf("state %q, status %+v", w2.state.Text, w2.status)
	}
}

// An exchange stopped for the old meter's final read asks for it in
// words, refuses a value that is not a number, and records a good one as
// the run's evidence. The run then stops, offline, at the first step that
// needs the hub, and says so.
func TestCommissionAsksForRegisterRead(t *testing.T) {
	test.NewTempApp(t)
	e := tempEngine(t)
	const oldMeter, newMeter = "00-DB-12-34-56-78-90-8F", "00-DB-12-34-56-78-90-A0"
	plan := commission.Plan{JobID: "J-EXCH", Flow: "exchange-meter", Originator: demo.Supplier, CHF: "00-DB-12-34-56-78-90-A2",
		MPxN: "1200023456789", Coverage: "yes", Devices: []commission.Device{
			{ID: "00-DB-12-34-56-78-90-A2", Type: "CHF", Status: "Commissioned", CPLStatus: "Active"},
			{ID: oldMeter, Type: "ESME", Role: "old", Status: "Commissioned", CPLStatus: "Active", MPxN: "1200023456789"},
			{ID: newMeter, Type: "ESME", Status: "Pending", CPLStatus: "Active", InstallCode: "30313233343536373839414243444546", MPxN: "1200023456789"},
		}}
	loop := newEventLoop()
	w := wizardOn(t, loop, CommissionOptions{Engine: e, Plan: func() commission.Plan { return plan },
		Hub: func(context.Context) (commission.Hub, func(), error) { return nil, func() {}, nil },
		Now: func() time.Time { return time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC) }})
	idle := w.Idle()
	test.Tap(w.run)
	loop.runUntil(t, idle, "the run up to the final read")
	if got := formKeys(w); !slices.Equal(got, []string{"read/final/" + oldMeter}) {
		t.Fatalf("form asks %v; state %q", got, w.state.Text)
	}
	f := w.form.fields[0]
	if !strings.Contains(f.box.Objects[1].(*widget.Label).Text, "1-0:1.8.0") || !strings.Contains(f.q.short, "Final read of the electricity meter") {
		t.Errorf("read field: %q / %q", f.q.short, f.box.Objects[1].(*widget.Label).Text)
	}
	f.entry.SetText("12 345,6 kWh")
	test.Tap(w.save)
	if w.running || !strings.Contains(w.formMsg.Text, "a number") {
		t.Fatalf("bad read: running %v, message %q", w.running, w.formMsg.Text)
	}
	f.entry.SetText("12345.6")
	idle = w.Idle()
	test.Tap(w.save)
	loop.runUntil(t, idle, "the run after the read")
	if !strings.Contains(w.state.Text, "Stopped at “Old meter off the hub's device log” for "+oldMeter+": no hub is connected. Try: Connect the hub") {
		t.Errorf("state %q", w.state.Text)
	}
	if w.form != nil {
		t.Errorf("a form for a step that needs the hub: %v", formKeys(w))
	}
	for i, st := range w.status.Steps {
		if st.ID == "hub-remove" {
			w.steps.Select(i)
		}
	}
	if d := w.detail.Text; !strings.Contains(d, "Old meter off the hub's device log: stopped.\n• "+oldMeter+": no hub is connected. Try: Connect the hub") ||
		!strings.Contains(d, "[commission: no hub connected]") {
		t.Errorf("hub-remove detail: %q", d)
	}
	for _, st := range w.status.Steps {
		if st.ID == "final-read" {
			if st.State != commission.StateDone || !strings.Contains(string(st.Items[0].Evidence), `"value":"12345.6"`) ||
				!strings.Contains(string(st.Items[0].Evidence), `"at":"2026-11-28T09:30:00Z"`) {
				t.Errorf("final read: %s %s", st.State, st.Items[0].Evidence)
			}
		}
	}
}

// On the faults site (a hub with no WAN and a full device log) the wizard
// stops at the device log step and says why and what to try, in the state
// line, the step's line and its detail; after a restart it says the same.
func TestCommissionSaysWhatFailedAndWhatToTry(t *testing.T) {
	test.NewTempApp(t)
	d, err := demo.Start(context.Background(), demo.Options{Dir: t.TempDir(), Scenario: "faults", NoServer: true, NoPTY: true})
	if err != nil {
		t.Fatalf("demo.Start: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("demo Close: %v", err)
		}
	})
	loop := newEventLoop()
	opts := DemoOptions(d).Commission
	opts.Hub = oneAssociation(t, opts.Hub)
	w := wizardOn(t, loop, opts)
	if len(w.codes) != 1 { // the faults meter's label is all there is
		t.Fatalf("%d code fields", len(w.codes))
	}
	submitCode(w.codes[0], "30313233343536373839414243444546")
	idle := w.Idle()
	test.Tap(w.run)
	loop.runUntil(t, idle, "the install on the faults site")
	// app/commission's hint for ReasonDeviceLogFull.
	hint := "The hub's device log is full: remove devices no longer on site and retry."
	want := "Stopped at “Device log on the hub, joining open” for 00-DB-12-34-56-78-92-A0: the hub's device log is full (join code 4: device log full). Try: " + hint
	if w.state.Text != want {
		t.Errorf("state:\n%s\nwant\n%s", w.state.Text, want)
	}
	if w.form != nil || w.run.Disabled() || w.run.Text != "Try again" {
		t.Errorf("form %v, run %q disabled %v", formKeys(w), w.run.Text, w.run.Disabled())
	}
	check := func(w *CommissionScreen, when string) {
		t.Helper()
		for i, st := range w.status.Steps {
			line := stepLine(st)
			switch st.ID {
			case "wan-check":
				if !strings.Contains(line, "no SM WAN") {
					t.Errorf("%s: %s", when, line)
				}
			case "hub-whitelist":
				if !strings.HasPrefix(line, "✗ Device log on the hub, joining open — "+hint) {
					t.Errorf("%s: %s", when, line)
				}
				w.steps.Select(i)
				if !strings.Contains(w.detail.Text, "00-DB-12-34-56-78-92-A0: the hub's device log is full (join code 4: device log full). Try: ") ||
					!strings.Contains(w.detail.Text, "hub device log full]") {
					t.Errorf("%s: detail %q", when, w.detail.Text)
				}
			case "join":
				if !strings.HasPrefix(line, "· ") {
					t.Errorf("%s: %s", when, line)
				}
			}
		}
	}
	check(w, "after the run")

	w2 := wizardOn(t, loop, opts)
	if w2.state.Text != want || !strings.HasPrefix(w2.now.Text, "Needs you: Device log on the hub, joining open — the hub's device log is full.") {
		t.Errorf("after a restart: state %q, now %q", w2.state.Text, w2.now.Text)
	}
	check(w2, "after a restart")
}

// tempEngine is a commissioning engine on a new store in t.TempDir().
func tempEngine(t *testing.T) *commission.Engine {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "app.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := commission.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	e, err := commission.New(db, commission.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// When the hub cannot be reached the wizard says so in words; the run is
// stored with the install codes all the same, so the code fields go and a
// restart resumes it.
func TestCommissionHubUnreachable(t *testing.T) {
	test.NewTempApp(t)
	e := tempEngine(t)
	plan := commission.Plan{JobID: "J-NOHUB", Flow: "install", Originator: demo.Supplier, CHF: "00-DB-12-34-56-78-90-A2",
		MPxN: "1200023456789", Coverage: "yes", Devices: []commission.Device{
			{ID: "00-DB-12-34-56-78-90-A2", Type: "CHF", Status: "Pending", CPLStatus: "Active"},
			{ID: "00-DB-12-34-56-78-90-A0", Type: "ESME", Status: "Pending", CPLStatus: "Active", MPxN: "1200023456789"},
		}}
	loop := newEventLoop()
	opts := CommissionOptions{Engine: e, Plan: func() commission.Plan { return plan },
		Hub: func(context.Context) (commission.Hub, func(), error) {
			return nil, nil, errors.New("open /dev/ttyUSB0: no such device")
		}}
	w := wizardOn(t, loop, opts)
	submitCode(w.codes[0], "30313233343536373839414243444546")
	idle := w.Idle()
	test.Tap(w.run)
	loop.runUntil(t, idle, "the attempt")
	if !strings.HasPrefix(w.state.Text, "Could not reach the hub: check the cable or probe") || w.run.Text != "Try again" || w.run.Disabled() {
		t.Errorf("state %q, button %q", w.state.Text, w.run.Text)
	}
	if w.status == nil || w.codeBox.Visible() || !w.steps.Visible() {
		t.Fatalf("the run is not shown: status %v, codes shown %v", w.status, w.codeBox.Visible())
	}
	w2 := wizardOn(t, loop, opts)
	if w2.status == nil || w2.codeBox.Visible() || w2.run.Text != "Resume install" {
		t.Errorf("after restart: status %v, codes shown %v, button %q", w2.status, w2.codeBox.Visible(), w2.run.Text)
	}

	// A Hub func that says why as a StepError (the live session's, when
	// Connect has found no hub) is shown with its hint.
	opts.Hub = func(context.Context) (commission.Hub, func(), error) {
		return nil, nil, &commission.StepError{Step: "connect", Item: "-", Reason: commission.ReasonNoHub, Hint: NoHubHint, Err: ErrNoHub}
	}
	w3 := wizardOn(t, loop, opts)
	idle = w3.Idle()
	test.Tap(w3.run)
	loop.runUntil(t, idle, "the attempt without a hub")
	if want := "Stopped at “Connect to the hub”: no hub is connected. Try: " + NoHubHint; w3.state.Text != want {
		t.Errorf("no hub: state %q, want %q", w3.state.Text, want)
	}
}

// The plan can change under the wizard (the live session's next job): the
// code fields follow the job, and with no job Start says what to do.
func TestCommissionCodesFollowTheJob(t *testing.T) {
	test.NewTempApp(t)
	e := tempEngine(t)
	dev := func(id string) commission.Device {
		return commission.Device{ID: id, Type: "ESME", Status: "Pending", CPLStatus: "Active", MPxN: "1200023456789"}
	}
	plan := commission.Plan{}
	loop := newEventLoop()
	w := wizardOn(t, loop, CommissionOptions{Engine: e, Plan: func() commission.Plan { return plan },
		Hub: func(context.Context) (commission.Hub, func(), error) {
			return nil, nil, errors.New("no hub in this test")
		}})
	test.Tap(w.run)
	if w.running || w.state.Text != "There is no job to install: get today's jobs on the Jobs screen first." || w.codeBox.Visible() {
		t.Fatalf("no job: running %v, state %q", w.running, w.state.Text)
	}

	plan = commission.Plan{JobID: "J-1", Flow: "install", Devices: []commission.Device{dev("00-DB-12-34-56-78-90-A0")}}
	test.Tap(w.run)
	if w.running || len(w.codes) != 1 || w.codes[0].dev.ID != "00-DB-12-34-56-78-90-A0" || !w.codeBox.Visible() ||
		!strings.Contains(w.state.Text, "00-DB-12-34-56-78-90-A0 first") {
		t.Fatalf("job 1: running %v, %d code fields, state %q", w.running, len(w.codes), w.state.Text)
	}
	submitCode(w.codes[0], "30313233343536373839414243444546")

	plan = commission.Plan{JobID: "J-2", Flow: "install", Devices: []commission.Device{dev("00-DB-12-34-56-78-90-B1"), dev("00-DB-12-34-56-78-90-B2")}}
	test.Tap(w.run)
	if w.running || len(w.codes) != 2 || w.codes[0].code != "" || !strings.Contains(w.state.Text, "00-DB-12-34-56-78-90-B1 and the electricity meter 00-DB-12-34-56-78-90-B2 first") {
		t.Fatalf("job 2: running %v, %d code fields, state %q", w.running, len(w.codes), w.state.Text)
	}

	plan = commission.Plan{JobID: "J-3", Flow: "install", Devices: []commission.Device{{ID: "00-DB-12-34-56-78-90-A2", Type: "CHF"}}}
	w.showCodes()
	if len(w.codes) != 0 || w.codeBox.Visible() || !w.steps.Visible() {
		t.Errorf("job 3 needs no code, yet %d code fields, box shown %v, steps shown %v", len(w.codes), w.codeBox.Visible(), w.steps.Visible())
	}
}

package ui

import (
	"context"
	"errors"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/probe"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/field"
	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/sync/outbox"
	"github.com/smetskit/smetskit/sync/server"
	"github.com/smetskit/smetskit/sync/server/servertest"
)

const liveInstaller = "E1234"

// liveInventory is a real sync/server on the loopback interface with one
// installer's token.
type liveInventory struct {
	*servertest.Inventory
	srv *server.Server
}

func startInventory(t *testing.T) *liveInventory {
	t.Helper()
	inv := servertest.Start(t, liveInstaller)
	return &liveInventory{Inventory: inv, srv: inv.Server}
}

func (l *liveInventory) job(t *testing.T, id, postcode string) {
	t.Helper()
	l.Job(t, id, postcode)
}

// openField opens a live session in a fresh folder (offline when inv is
// nil); Close runs at the end of the test.
func openField(t *testing.T, inv *liveInventory) *field.Field {
	t.Helper()
	cfg := field.Config{DataDir: t.TempDir(), Engineer: liveInstaller, Interval: time.Hour}
	if inv != nil {
		cfg.ServerURL, cfg.Token = inv.URL, inv.Token
	}
	f, err := field.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("field.Open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// waitJobs applies screen updates until ok holds, at most n redraws.
func waitJobs(t *testing.T, loop *eventLoop, j *JobsScreen, what string, ok func() bool) {
	t.Helper()
	for i := 0; !ok(); i++ {
		if i == 20 {
			t.Fatalf("%s: list %v, title %q, sync %q, pulled %q", what, j.ids, j.title.Text, j.syncState.Text, j.pulled.Text)
		}
		loop.runUntil(t, j.Loaded(), what)
	}
}

func TestJobsScreenGetsTodaysJobs(t *testing.T) {
	a := test.NewTempApp(t)
	inv := startInventory(t)
	inv.job(t, "J-1", "AB1 2CD")
	f := openField(t, inv)
	ctx := context.Background()
	q := f.Store.Outbox()
	if _, err := q.Send(ctx, outbox.Message{JobID: "J-1", Kind: "job-update", Payload: []byte(`{"note":"arrived"}`)}); err != nil {
		t.Fatal(err)
	}
	loop := newEventLoop()
	s := newShell(a, LiveOptions(f, liveInstaller), loop.do)
	defer s.Close()
	j := s.jobs
	if j == nil || j.pull.Disabled() {
		t.Fatalf("live Jobs screen without a working Get today's jobs button")
	}
	test.Tap(j.pull)
	loop.runUntil(t, j.Idle(), "the pull")
	if !strings.Contains(j.pulled.Text, "Jobs up to date") {
		t.Errorf("after the pull: %q", j.pulled.Text)
	}
	waitJobs(t, loop, j, "J-1 pulled and its message applied", func() bool {
		return len(j.ids) == 1 && strings.Contains(j.title.Text, "J-1") && strings.Contains(j.syncState.Text, "applied: safe to leave site")
	})
	if got := j.listLine("J-1"); got != "J-1 — applied: safe to leave site" {
		t.Errorf("list line = %q", got)
	}
	if !strings.Contains(j.site.Text, "AB1 2CD") {
		t.Errorf("site = %q", j.site.Text)
	}

	// A job assigned later arrives with the background sync, and the
	// list follows without a tap.
	inv.job(t, "J-2", "EF3 4GH")
	f.SyncNow()
	waitJobs(t, loop, j, "J-2 from the background sync", func() bool { return len(j.ids) == 2 })

}

func TestJobsScreenOfflineShowsQueueStates(t *testing.T) {
	a := test.NewTempApp(t)
	f := openField(t, nil)
	ctx := context.Background()
	if err := f.Jobs.Put(ctx, jobs.Job{ID: "J-9", Kind: "install", Status: "assigned", Site: jobs.Site{ID: "S-9", Postcode: "AB1 2CD"}}); err != nil {
		t.Fatal(err)
	}
	q := f.Store.Outbox()
	id, err := q.Send(ctx, outbox.Message{JobID: "J-9", Kind: "job-update", Payload: []byte(`{"note":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	loop := newEventLoop()
	opts := LiveOptions(f, "")
	if p := opts.Commission.Plan(); p.JobID != "J-9" || p.Flow != "install" {
		t.Errorf("the wizard's plan = %+v, want the next open job J-9", p)
	}
	s := newShell(a, opts, loop.do)
	defer s.Close()
	j := s.jobs
	if !j.pull.Disabled() || !strings.Contains(j.pulled.Text, "Settings") {
		t.Errorf("offline: pull disabled %v, text %q", j.pull.Disabled(), j.pulled.Text)
	}
	if s.sync == nil || !s.sync.syncNow.Disabled() {
		t.Errorf("offline Sync screen offers Sync now")
	}
	waitJobs(t, loop, j, "J-9 waiting", func() bool {
		return j.listLine("J-9") == "J-9 — 1 waiting" && j.syncState.Text == "Sync: 1 waiting"
	})

	// The service refused it: the line says why, in field words.
	if err := q.DeadLetter(ctx, id, "E5: device 00-DB-12-34-56-78-90-A1 is Commissioned"); err != nil {
		t.Fatal(err)
	}
	j.Load()
	waitJobs(t, loop, j, "J-9 needs attention", func() bool {
		return strings.Contains(j.listLine("J-9"), "needs attention: Authorisation failed: device SMI status incompatible") &&
			strings.Contains(j.syncState.Text, "(E5)")
	})
}

func TestLiveHubNeedsConnectFirst(t *testing.T) {
	set := NewDeviceSet()
	hub := HubFrom(set)
	_, _, err := hub(context.Background())
	var se *commission.StepError
	if !errors.Is(err, ErrNoHub) || !errors.As(err, &se) || se.Hint != NoHubHint || se.Reason != commission.ReasonNoHub {
		t.Fatalf("Hub without a detected hub = %v, want ErrNoHub with the hint", err)
	}

	// Once Connect found the (simulated) hub, the wizard opens it.
	d := startDemo(t)
	set.Add(Device{Name: "Hub (simulated)", Kind: KindHub, Connector: d.Hub(), Config: d.ReaderConfig()})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, hangUp, err := hub(ctx)
	if err != nil {
		t.Fatalf("Hub with a detected hub: %v", err)
	}
	defer hangUp()
	if _, ok := h.(*commission.DLMSHub); !ok {
		t.Errorf("hub = %T", h)
	}
}

func TestOpenErrorShowsInTheWindow(t *testing.T) {
	a := test.NewTempApp(t)
	s := NewShell(a, Options{Settings: SettingsInfo{DataDir: "/no/such/place"}})
	ShowOpenError(s.Window, "/no/such/place", errors.New("permission denied"))
	top := s.Window.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog for a data folder that cannot be opened")
	}
	var text string
	walk(top, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			text += l.Text
		}
	})
	if !strings.Contains(text, "/no/such/place") || !strings.Contains(text, "Settings") {
		t.Errorf("dialog says %q", text)
	}
}

func TestLiveSettingsSealTheToken(t *testing.T) {
	a := test.NewTempApp(t)
	inv := startInventory(t)
	dir := t.TempDir()
	f, err := field.Open(context.Background(), field.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	p := a.Preferences()
	// A token saved in clear before (an older version) is sealed at start.
	p.SetString(PrefToken, "old-token-in-clear-WXYZ")
	if err := SealSavedToken(p, f); err != nil {
		t.Fatalf("SealSavedToken: %v", err)
	}
	if got := p.String(PrefToken); !field.SealedToken(got) || strings.Contains(got, "in-clear") {
		t.Errorf("saved token after SealSavedToken = %q", got)
	}
	// Background updates queue on a loop this test never runs: only
	// Settings is looked at.
	s := newShell(a, LiveOptions(f, liveInstaller), newEventLoop().do)
	if !strings.Contains(s.prefs.tokenSet.Text, "WXYZ") {
		t.Errorf("token shown as %q, want its last four", s.prefs.tokenSet.Text)
	}
	test.Type(s.prefs.token, inv.Token)
	saved := p.String(PrefToken)
	if !field.SealedToken(saved) || strings.Contains(saved, inv.Token) {
		t.Fatalf("typed token saved as %q, want it sealed", saved)
	}
	if got := s.prefs.tokenSet.Text; strings.Contains(got, inv.Token) || !strings.Contains(got, inv.Token[len(inv.Token)-4:]) {
		t.Errorf("token shown as %q", got)
	}
	s.Close()
	f.Close()

	// The next start syncs with the sealed token.
	p.SetString(PrefServer, inv.URL)
	p.SetString(PrefEngineer, liveInstaller)
	cfg, _ := FieldConfig(p, dir, "")
	f, err = field.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.PullNow(context.Background()); err != nil {
		t.Errorf("PullNow with the token sealed in Settings: %v", err)
	}
}

// A live session keeps evidence and remembered probe settings in its data
// folder, as the demo does in its own, and compares device clocks with NTP
// time.
func TestLiveOptionsKeepEvidenceAndProbeSettingsInTheDataFolder(t *testing.T) {
	f := openField(t, nil)
	opts := LiveOptions(f, liveInstaller)
	att, ok := opts.Attach.(diagnose.StoreAttacher)
	if !ok || att.DB != f.Store || att.Dir != filepath.Join(f.Dir, "evidence") {
		t.Errorf("Attach = %#v, want the session store with evidence in its folder", opts.Attach)
	}
	if rc, ok := opts.Reference.(*diagnose.NTPClock); !ok || rc.Server != NTPServer {
		t.Errorf("Reference = %#v, want NTP time from %s", opts.Reference, NTPServer)
	}
	if opts.Connect == nil || opts.Connect.Probe.Store == nil {
		t.Fatal("Connect has no profile store: manual settings would be forgotten")
	}
	if err := opts.Connect.Probe.Store.Put(probe.Profile{Manufacturer: "ACME", Model: "E1"}); err != nil {
		t.Fatalf("remember a profile: %v", err)
	}
	if _, err := os.Stat(filepath.Join(f.Dir, "probe-profiles.json")); err != nil {
		t.Errorf("profile not kept in the data folder: %v", err)
	}
}

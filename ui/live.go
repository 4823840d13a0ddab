package ui

import (
	"context"
	"errors"
	"fmt"
	"github.com/smetskit/smetskit/app/probe"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/field"
	"github.com/smetskit/smetskit/app/visit"
)

// ErrNoHub is returned (inside a commission.StepError with ReasonNoHub and
// NoHubHint, so the wizard shows the hint) by the live Hub func while no
// hub has been detected on the Connect screen.
var ErrNoHub = errors.New("ui: no hub detected")

// NoHubHint is what the engineer is told to do when the install starts
// before a hub was found.
const NoHubHint = "Connect the hub's probe on the Connect screen first"

// NTPServer is the time reference of live readouts.
const NTPServer = "pool.ntp.org"

// LiveOptions are the shell's options for a live field session: the
// session's store on Jobs and Sync (with "Get today's jobs" and "Sync now"
// when a server is set), the install wizard on the day's next open job,
// real probes on Connect, and one device set shared by Connect, Readout and
// the wizard, whose hub the wizard drives. engineer names who collects
// evidence.
func LiveOptions(f *field.Field, engineer string) Options {
	q := f.Store.Outbox()
	set := NewDeviceSet()
	// What worked on an awkward meter is remembered per model in the data
	// folder; evidence bundles are kept there and queued with their job.
	opts := Options{Engineer: engineer, DeviceSet: set,
		Connect: &ConnectOptions{Probe: probe.Options{Store: probe.NewFileStore(filepath.Join(f.Dir, "probe-profiles.json"))}},
		Attach:  diagnose.StoreAttacher{DB: f.Store, Dir: filepath.Join(f.Dir, "evidence")},
		// Drift against NTP time when the laptop has a network; the
		// readout says "laptop clock only" when it has none.
		Reference: &diagnose.NTPClock{Server: NTPServer}}
	opts.Sync = SyncOptions{Queue: q, Server: f.ServerURL, Contact: f.Contact}
	opts.Jobs = JobsOptions{Jobs: f.Jobs, Queue: q, Changed: f.JobsChanged}
	if f.Sync != nil {
		opts.Sync.SyncNow = f.SyncNow
		opts.Jobs.Pull = f.PullNow
	}
	plan := &livePlan{f: f}
	plan.refresh()
	changed, _ := f.JobsChanged() // closed by f.Close, which ends the goroutine
	go func() {
		for range changed {
			plan.refresh()
		}
	}()
	opts.Commission = CommissionOptions{Engine: f.Commission, Plan: plan.get, Hub: HubFrom(set)}
	opts.Settings = SettingsInfo{DataDir: f.Dir, Keys: map[string]string{}, SealToken: f.SealToken}
	return opts
}

// SealSavedToken seals a token Settings saved in clear (before a data
// folder was open, or by an older version) with f's key, so it no longer
// sits in clear in the preferences file.
func SealSavedToken(p fyne.Preferences, f *field.Field) error {
	tok := strings.TrimSpace(p.String(PrefToken))
	if tok == "" || field.SealedToken(tok) {
		return nil
	}
	return saveToken(p, tok, f.SealToken)
}

// HubFrom returns a CommissionOptions.Hub that opens the hub found in set
// (the first device of KindHub, as the Connect screen added it) with its
// session configuration. Without one it fails with ErrNoHub in a
// commission.StepError whose hint is NoHubHint.
func HubFrom(set *DeviceSet) func(ctx context.Context) (commission.Hub, func(), error) {
	return func(ctx context.Context) (commission.Hub, func(), error) {
		dev, ok := set.Find(KindHub)
		if !ok || dev.Connector == nil {
			return nil, nil, &commission.StepError{Step: "connect", Item: "-", Reason: commission.ReasonNoHub, Hint: NoHubHint, Err: ErrNoHub}
		}
		s, err := diagnose.Open(ctx, dev.Connector, dev.Config)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s: %w", dev.Name, err)
		}
		hangUp := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = s.Close(ctx)
		}
		return &commission.DLMSHub{C: s.Client()}, hangUp, nil
	}
}

// DataDirEnv is the environment variable that chooses the data folder
// (below the --data flag, above Settings).
const DataDirEnv = "SMETSKIT_DATA"

// FieldConfig is the live session's configuration from the Settings
// preferences (server, token, engineer, data folder), with the data folder
// overridden by flagDir (--data) or else envDir (SMETSKIT_DATA). It also
// returns where the folder came from, for Settings to say: "--data",
// DataDirEnv, "Settings" or "" for the default.
func FieldConfig(p fyne.Preferences, flagDir, envDir string) (cfg field.Config, from string) {
	cfg = field.Config{
		ServerURL:  strings.TrimSpace(p.String(PrefServer)),
		Token:      strings.TrimSpace(p.String(PrefToken)),
		Engineer:   strings.TrimSpace(p.String(PrefEngineer)),
		Originator: strings.TrimSpace(p.String(PrefOriginator)),
	}
	switch {
	case strings.TrimSpace(flagDir) != "":
		cfg.DataDir, from = strings.TrimSpace(flagDir), "--data"
	case strings.TrimSpace(envDir) != "":
		cfg.DataDir, from = strings.TrimSpace(envDir), DataDirEnv
	case strings.TrimSpace(p.String(PrefDataDir)) != "":
		cfg.DataDir, from = strings.TrimSpace(p.String(PrefDataDir)), "Settings"
	}
	return cfg, from
}

// ShowOpenError tells the engineer, in the window, that the data folder
// could not be opened and what to do; the app keeps running with empty
// screens so Settings can choose another folder.
func ShowOpenError(w fyne.Window, dir string, err error) {
	if dir == "" {
		dir = "the default data folder"
	}
	msg := fmt.Sprintf("The jobs and the queue in %s could not be opened, so this session keeps nothing.\n\n"+
		"Choose another data folder in Settings and restart the app, or free space and check the folder can be written.\n\n(%v)", dir, err)
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Data folder not available", "OK", l, w)
	d.Resize(fyne.NewSize(560, 300))
	d.Show()
}

// livePlan keeps the plan of the day's next open job, rebuilt off the event
// goroutine whenever a pull changes the jobs, so the wizard's Plan call
// does no I/O.
type livePlan struct {
	f  *field.Field
	mu sync.Mutex
	p  commission.Plan
}

func (l *livePlan) get() commission.Plan {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.p
}

func (l *livePlan) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var p commission.Plan
	if j, err := l.f.NextJob(ctx); err == nil {
		// Install codes are entered on site; until then the plan names
		// the job, so its stored run shows and Start says what is missing.
		p, _ = l.f.Plan(ctx, j, visit.Inputs{})
	}
	l.mu.Lock()
	l.p = p
	l.mu.Unlock()
}

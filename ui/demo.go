package ui

import (
	"context"
	"path/filepath"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/demo"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/sync/outbox"
)

// DemoOptions are the shell's options for a running demo site: its hub and
// meters on the Readout screen, its store's queue on the Sync screen.
func DemoOptions(d *demo.Demo) Options {
	opts := Options{Demo: true, Engineer: demo.Installer}
	for i, m := range d.Site.Meters {
		id := m.Identity()
		opts.Devices = append(opts.Devices, Device{Name: "Meter " + id.Serial + " (simulated)", Kind: KindMeter, Connector: d.Meter(i), Config: d.ReaderConfig()})
	}
	if h := d.Site.Hub; h != nil {
		opts.Devices = append(opts.Devices, Device{Name: "Hub " + h.Identity().Serial + " (simulated)", Kind: KindHub, Connector: d.Hub(), Config: d.ReaderConfig()})
	}
	var q *outbox.Outbox
	if d.Store != nil {
		q = d.Store.Outbox()
	}
	opts.Sync = SyncOptions{Queue: q, Server: d.ServerURL}
	if d.Sync != nil {
		opts.Sync.SyncNow = d.Sync.SyncNow
		opts.Sync.Contact = func() string { return d.Sync.Progress().Summary() }
	}
	opts.Jobs = JobsOptions{Jobs: d.WorkOrders, Queue: q}
	if d.Store != nil {
		// Readout's evidence goes to a job's queue, its file beside the store.
		opts.Attach = diagnose.StoreAttacher{DB: d.Store, Dir: filepath.Join(d.Dir, "evidence")}
	}
	opts.Commission = CommissionOptions{Engine: d.Commission, Plan: d.InstallPlan,
		// The hub and a probe on each meter, so the post-checks read the
		// meters' firmware and clocks on site.
		Hub: func(ctx context.Context) (commission.Hub, func(), error) {
			site, hangUp, err := d.CommissionSite(ctx)
			if err != nil {
				return nil, nil, err
			}
			return site, hangUp, nil
		}}
	// Manual settings are remembered per meter model in the demo's folder.
	opts.Connect = &ConnectOptions{Probe: probe.Options{Store: probe.NewFileStore(filepath.Join(d.Dir, "probe-profiles.json"))}}
	for _, p := range d.PTYs {
		opts.Connect.Extra = append(opts.Connect.Extra, serial.PortInfo{Name: p.Path, Product: p.About, Optical: p.Name != "hub"})
	}
	opts.Settings = SettingsInfo{DataDir: d.Dir + " (temporary, removed on exit)", Keys: map[string]string{}}
	for _, m := range d.Site.Meters {
		if id := m.Identity(); id.InstallCode != "" {
			opts.Settings.Keys["Install code of meter "+id.Serial] = id.InstallCode
		}
	}
	return opts
}

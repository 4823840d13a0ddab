package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"github.com/smetskit/smetskit/protocol/duis"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
	"github.com/smetskit/smetskit/sync/client"
	"github.com/smetskit/smetskit/sync/outbox"
	"github.com/smetskit/smetskit/sync/server"
)

// ErrNoDevice is returned (through a Connector) for a device the site does
// not have.
var ErrNoDevice = errors.New("demo: no such device")

// ErrClosed is returned by a Connector after Close.
var ErrClosed = errors.New("demo: closed")

// Options configure Start. The zero value runs the embedded "demo" site in
// a fresh temporary folder with the inventory service and ptys.
type Options struct {
	// Scenario is a sim scenario name or file ("demo" when empty).
	Scenario string
	// Dir holds the store and the inventory database; a new temporary
	// folder (removed by Close) when empty.
	Dir string
	// Start is the devices' clock at start-up; the scenario's or now when zero.
	Start time.Time
	// NoServer skips the in-process inventory service (tests that only read).
	NoServer bool
	// NoPTY skips the pseudo-terminals.
	NoPTY bool
	// Logf receives engineer-level log lines; discarded when nil.
	Logf func(string, ...any)
}

// PTY is one simulated device on a pseudo-terminal.
type PTY struct {
	Name  string // "hub", "meter1"
	About string // what is on it, in words
	Path  string // the device path to open
}

// Installer is the demo engineer.
const Installer = "demo-installer"

// Demo is a running demo site. Its fields are read-only after Start.
type Demo struct {
	Site       *sim.Site
	Dir        string
	Store      *store.DB
	WorkOrders *jobs.Store // the day's jobs in Store
	Commission *commission.Engine
	Sync       *client.Client // pushes Store's outbox to ServerURL; nil when NoServer
	ServerURL  string         // "" when NoServer or the service did not start
	ServerErr  error          // why the in-process inventory service did not start
	Token      string         // the installer's bearer token for ServerURL
	Jobs       []server.Job
	PTYs       []PTY

	ownDir bool
	srvDB  *server.DB
	httpd  *http.Server
	ptys   []*sim.PTY
	icMu   sync.Mutex
	hubIC  uint32          // next invocation counter of the hub's management association
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Start brings the demo site to life. Close stops everything it started.
func Start(ctx context.Context, opts Options) (_ *Demo, err error) {
	name := opts.Scenario
	if name == "" {
		name = "demo"
	}
	sc, err := sim.LoadScenario(name)
	if err != nil {
		return nil, fmt.Errorf("start demo: %w", err)
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	site, err := sim.NewSite(sc, opts.Start, nil)
	if err != nil {
		return nil, fmt.Errorf("start demo site %s: %w", sc.Name, err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	d := &Demo{Site: site, Dir: opts.Dir, ctx: runCtx, cancel: cancel}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	if d.Dir == "" {
		d.Dir, err = os.MkdirTemp("", "smetskit-demo-")
		if err != nil {
			return nil, fmt.Errorf("start demo: %w", err)
		}
		d.ownDir = true
	}
	d.Store, err = store.Open(ctx, filepath.Join(d.Dir, "smetskit.db"),
		store.Options{Modules: []store.Module{jobs.Schema(), commission.Schema()}})
	if err != nil {
		return nil, fmt.Errorf("start demo store: %w", err)
	}
	d.Jobs = siteJobs(sc, site)
	if err := d.seedJobs(ctx); err != nil {
		return nil, err
	}
	if err := d.seedQueue(ctx); err != nil {
		return nil, err
	}
	// The simulated meters join at once: poll the device log often.
	d.Commission, err = commission.New(d.Store, commission.Options{JoinPoll: 200 * time.Millisecond})
	if err != nil {
		return nil, fmt.Errorf("start demo commissioning: %w", err)
	}
	if !opts.NoServer {
		// The app works offline: without the inventory service the demo
		// still runs, with everything staying queued.
		sctx, stop := context.WithTimeout(ctx, 10*time.Second)
		d.ServerErr = d.startServer(sctx, logf)
		stop()
		if d.ServerErr != nil {
			logf("demo: running without the inventory service: %v", d.ServerErr)
			d.ServerURL, d.Token = "", ""
		}
	}
	if d.ServerURL != "" {
		d.Sync, err = client.New(client.Config{BaseURL: d.ServerURL, Token: d.Token, InstallerID: Installer,
			Outbox: d.Store.Outbox(), Interval: 10 * time.Second})
		if err != nil {
			return nil, fmt.Errorf("start demo sync: %w", err)
		}
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			_ = d.Sync.Run(runCtx)
		}()
	}
	if !opts.NoPTY {
		// Pseudo-terminals are a bonus: without them (Windows) the
		// in-process connectors still work.
		if err := d.startPTYs(runCtx); err != nil {
			logf("demo: no pseudo-terminals: %v", err)
		}
	}
	return d, nil
}

// siteJobs is the day's work order for the site: one install job with
// every device of the scenario.
func siteJobs(sc *sim.Scenario, site *sim.Site) []server.Job {
	j := server.Job{ID: "J-DEMO-1", Installer: Installer, Site: "12 Example Street, Demo Town", Postcode: "DT1 1AA",
		Kind: "install", ScheduledFor: time.Now().UTC().Truncate(time.Hour)}
	if site.Hub != nil {
		j.Devices = append(j.Devices, site.Hub.Identity().DeviceID)
	}
	for _, m := range site.Meters {
		j.Devices = append(j.Devices, m.Identity().DeviceID)
	}
	for _, g := range site.GasMeters {
		j.Devices = append(j.Devices, g.Identity().DeviceID)
	}
	return []server.Job{j}
}

// seedJobs writes the day's work orders into the local store, as a pull
// from the inventory service would.
func (d *Demo) seedJobs(ctx context.Context) error {
	d.WorkOrders = jobs.New(d.Store, nil)
	for _, j := range d.Jobs {
		wo := jobs.Job{ID: j.ID, Kind: j.Kind, Status: "assigned", ScheduledFor: j.ScheduledFor,
			Site:      jobs.Site{ID: "S-DEMO-1", Address: j.Site, Postcode: j.Postcode, MPxN: []string{MPAN, MPRN}},
			Tasks:     []jobs.Task{{Kind: jobs.TaskInstall}},
			Checklist: jobs.DefaultChecklist(j.Kind)}
		if h := d.Site.Hub; h != nil {
			wo.Devices = append(wo.Devices, jobs.Device{ID: h.Identity().DeviceID, Type: "CHF", Manufacturer: h.Identity().Flag, Model: h.Identity().Model, Status: "Pending"})
		}
		for _, m := range d.Site.Meters {
			id := m.Identity()
			wo.Devices = append(wo.Devices, jobs.Device{ID: id.DeviceID, Type: "ESME", Manufacturer: id.Flag, Model: id.Model, Status: "Pending", ImportMPxN: MPAN})
		}
		for _, g := range d.Site.GasMeters {
			id := g.Identity()
			wo.Devices = append(wo.Devices, jobs.Device{ID: id.DeviceID, Type: "GSME", Manufacturer: id.Flag, Model: id.Model, Status: "Pending", ImportMPxN: MPRN})
		}
		if err := d.WorkOrders.Put(ctx, wo); err != nil {
			return fmt.Errorf("seed demo job %s: %w", j.ID, err)
		}
	}
	return nil
}

// seedQueue queues the notes an engineer would have typed on arrival, so
// the Sync screen has something to show.
func (d *Demo) seedQueue(ctx context.Context) error {
	ob := d.Store.Outbox()
	for _, note := range []string{"Arrived on site", "Meter cupboard photographed", "Old meter read: 41234 kWh"} {
		payload := fmt.Appendf(nil, `{"note":%q}`, note)
		if _, err := ob.Send(ctx, outbox.Message{JobID: d.Jobs[0].ID, Kind: "job-update", Payload: payload}); err != nil {
			return fmt.Errorf("seed demo queue: %w", err)
		}
	}
	return nil
}

// prenotify tells the demo's inventory service about the site's devices,
// as the supplier's back office does with 12.2 before the visit (DOMAIN.md
// §7 step 1), so the requests the install sends are applied, not refused
// for unknown devices.
func (d *Demo) prenotify(ctx context.Context, srv *server.Server) error {
	office := server.Principal{Name: "demo-office", Role: server.RoleBackOffice}
	counter := 0
	submit := func(f map[string]string) error {
		counter++
		f["originator"], f["counter"] = Supplier, strconv.Itoa(counter)
		req, err := duis.Build("12.2", f)
		if err != nil {
			return fmt.Errorf("pre-notify %s: %w", f["DeviceID"], err)
		}
		doc, err := req.Marshal()
		if err != nil {
			return fmt.Errorf("pre-notify %s: %w", f["DeviceID"], err)
		}
		out, err := srv.Submit(ctx, server.Submission{Document: doc, Principal: office})
		if err != nil {
			return fmt.Errorf("pre-notify %s: %w", f["DeviceID"], err)
		}
		if !out.OutcomeCode.IsSuccess() {
			return fmt.Errorf("pre-notify %s: answered %s", f["DeviceID"], out.OutcomeCode)
		}
		return nil
	}
	if h := d.Site.Hub; h != nil {
		id := h.Identity()
		if err := submit(map[string]string{"DeviceID": id.DeviceID, "DeviceType": "CHF", "AssociatedGPFDeviceID": h.GPFID().String(),
			"DeviceManufacturer": "AB01", "DeviceModel": "010A030B"}); err != nil {
			return err
		}
	}
	for _, m := range d.Site.Meters {
		if err := submit(map[string]string{"DeviceID": m.Identity().DeviceID, "DeviceType": "ESME",
			"DeviceManufacturer": "AB01", "DeviceModel": "010A030B", "FirmwareVersion": "0002012F"}); err != nil {
			return err
		}
	}
	for _, g := range d.Site.GasMeters {
		if err := submit(map[string]string{"DeviceID": g.Identity().DeviceID, "DeviceType": "GSME",
			"DeviceManufacturer": "AB01", "DeviceModel": "010A030B", "FirmwareVersion": "0002012F"}); err != nil {
			return err
		}
	}
	return nil
}

func (d *Demo) startServer(ctx context.Context, logf func(string, ...any)) error {
	db, err := server.OpenDB(ctx, filepath.Join(d.Dir, "inventory.db"))
	if err != nil {
		return fmt.Errorf("start demo inventory: %w", err)
	}
	d.srvDB = db
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("start demo inventory: %w", err)
	}
	sealer, err := inventory.NewSealer(key)
	if err != nil {
		return fmt.Errorf("start demo inventory: %w", err)
	}
	// The service's request log is for operators, not the app's console.
	srv, err := server.New(server.Config{DB: db, Sealer: sealer, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return fmt.Errorf("start demo inventory: %w", err)
	}
	d.Token, err = srv.CreateToken(ctx, "demo", Installer, server.RoleInstaller)
	if err != nil {
		return fmt.Errorf("create demo token: %w", err)
	}
	if err := d.prenotify(ctx, srv); err != nil {
		return fmt.Errorf("start demo inventory: %w", err)
	}
	for _, j := range d.Jobs {
		if err := srv.CreateJob(ctx, "demo", j); err != nil {
			// The SMI may not know the devices yet: the job still shows
			// locally, the inventory simply has no copy.
			logf("demo: create job %s in the inventory: %v", j.ID, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for demo inventory: %w", err)
	}
	d.ServerURL = "http://" + ln.Addr().String()
	d.httpd = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		_ = d.httpd.Serve(ln)
	}()
	return nil
}

func (d *Demo) startPTYs(ctx context.Context) error {
	type dev struct {
		name, about string
		serve       func(context.Context, sim.Port) error
	}
	var devs []dev
	if h := d.Site.Hub; h != nil {
		devs = append(devs, dev{"hub", "simulated hub " + h.Identity().Serial + " (HDLC at 8N1)", h.ServeSerial})
	}
	for i, m := range d.Site.Meters {
		devs = append(devs, dev{fmt.Sprintf("meter%d", i+1), "simulated meter " + m.Identity().Serial + " (optical port)", m.ServeOptical})
	}
	for _, v := range devs {
		p, err := sim.OpenPTY("")
		if err != nil {
			return err
		}
		d.ptys = append(d.ptys, p)
		d.PTYs = append(d.PTYs, PTY{Name: v.name, About: v.about, Path: p.DevicePath()})
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			_ = v.serve(ctx, p)
		}()
	}
	return nil
}

// Meter returns a connector to the i-th meter's reader association (SAP 17,
// LLS) through the IEC 62056-47 wrapper over an in-process pipe.
func (d *Demo) Meter(i int) diagnose.Connector {
	if i < 0 || i >= len(d.Site.Meters) {
		return noDevice(fmt.Sprintf("meter %d", i))
	}
	m := d.Site.Meters[i]
	return d.pipe("meter "+m.Identity().Serial, m.ServeWrapper)
}

// Hub returns a connector to the hub's reader association, like Meter.
func (d *Demo) Hub() diagnose.Connector {
	if d.Site.Hub == nil {
		return noDevice("hub")
	}
	return d.pipe("hub "+d.Site.Hub.Identity().Serial, d.Site.Hub.ServeWrapper)
}

func noDevice(what string) diagnose.Connector {
	return diagnose.ConnectorFunc(func(context.Context) (diagnose.Link, diagnose.Params, error) {
		return nil, nil, fmt.Errorf("connect to %s: %w", what, ErrNoDevice)
	})
}

// dial runs serve (a simulated device's wrapper server) on the far end of
// a new net.Pipe and returns the near end. The device side ends when the
// near end hangs up or the demo closes.
func (d *Demo) dial(serve func(context.Context, io.ReadWriter, func(string, []byte)) error) net.Conn {
	client, far := net.Pipe()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		stop := context.AfterFunc(d.ctx, func() { far.Close() })
		defer stop()
		_ = serve(d.ctx, far, nil)
		far.Close()
	}()
	return client
}

// pipe serves one association per Connect on the far end of a net.Pipe.
func (d *Demo) pipe(name string, serve func(context.Context, io.ReadWriter, func(string, []byte)) error) diagnose.Connector {
	return diagnose.ConnectorFunc(func(ctx context.Context) (diagnose.Link, diagnose.Params, error) {
		if d.ctx.Err() != nil {
			return nil, nil, fmt.Errorf("connect to %s: %w", name, ErrClosed)
		}
		client := d.dial(serve)
		return diagnose.ConnLink(client, sim.SAPReader, 1), diagnose.Params{"transport": "demo pipe (IEC 62056-47 wrapper)", "device": name}, nil
	})
}

// ReaderConfig is the session configuration for the demo devices' reader
// association (LLS with the simulator's default password).
func (d *Demo) ReaderConfig() diagnose.Config {
	return diagnose.Config{Client: dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword}}
}

// Close stops the devices, the inventory service and the store, and
// removes the temporary folder Start made.
func (d *Demo) Close() error {
	d.cancel()
	if d.httpd != nil {
		sctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
		_ = d.httpd.Shutdown(sctx)
		stop()
	}
	for _, p := range d.ptys {
		_ = p.Close()
	}
	d.wg.Wait()
	var errs []error
	if d.srvDB != nil {
		errs = append(errs, d.srvDB.Close())
	}
	if d.Store != nil {
		errs = append(errs, d.Store.Close())
	}
	if d.ownDir && d.Dir != "" {
		errs = append(errs, os.RemoveAll(d.Dir))
	}
	return errors.Join(errs...)
}

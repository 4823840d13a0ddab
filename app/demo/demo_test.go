package demo

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sync/outbox"
	"net/http"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/diagnose"
)

func TestDemoSiteReadsAndQueues(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := Start(ctx, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	if len(d.Site.Meters) == 0 || d.Site.Hub == nil {
		t.Fatalf("demo site has %d meters, hub %v", len(d.Site.Meters), d.Site.Hub != nil)
	}

	s, err := diagnose.Open(ctx, d.Meter(0), d.ReaderConfig())
	if err != nil {
		t.Fatalf("Open meter: %v", err)
	}
	r, err := s.Read(ctx, diagnose.Request{Sections: []diagnose.Section{diagnose.SectionIdentity, diagnose.SectionRegisters}})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	_ = s.Close(ctx)
	if want := d.Site.Meters[0].Identity().Serial; r.Device == nil || r.Device.Serial != want {
		t.Errorf("meter identity = %+v, want serial %s", r.Device, want)
	}
	if len(r.Registers) == 0 {
		t.Errorf("no registers read")
	}

	h, err := diagnose.Open(ctx, d.Hub(), d.ReaderConfig())
	if err != nil {
		t.Fatalf("Open hub: %v", err)
	}
	id, err := h.Identity(ctx)
	if err != nil || id.Kind != "hub" {
		t.Errorf("hub Identity = %+v, %v", id, err)
	}
	_ = h.Close(ctx)

	ids, err := d.WorkOrders.List(ctx)
	if err != nil || len(ids) != 1 {
		t.Errorf("work orders = %v, %v; want one", ids, err)
	} else if j, err := d.WorkOrders.Get(ctx, ids[0]); err != nil || len(j.Devices) != 3 || len(j.Checklist) == 0 {
		t.Errorf("work order %s = %+v, %v; want the hub, the electricity and the gas meter, and a checklist", ids[0], j, err)
	}

	jobs, err := d.Store.Outbox().Jobs(ctx)
	if err != nil || len(jobs) != 1 || jobs[0].Pending+jobs[0].InFlight+jobs[0].Applied != 3 {
		t.Errorf("queue jobs = %+v, %v; want one job with 3 messages", jobs, err)
	}

	if d.ServerErr != nil {
		t.Fatalf("in-process inventory service: %v", d.ServerErr)
	}
	// The sync client pushes the queued notes to the in-process service.
	d.Sync.SyncNow()
	deadline := time.After(20 * time.Second)
	for {
		p := d.Sync.Progress()
		if p.Waiting == 0 && !p.LastContact.IsZero() {
			t.Logf("sync: %s", p.Summary())
			break
		}
		wake, stop := d.Store.Outbox().Subscribe()
		select {
		case <-wake:
		case <-time.After(200 * time.Millisecond): // progress is polled, not pushed
		case <-deadline:
			t.Fatalf("queue not drained: %s", p.Summary())
		}
		stop()
	}

	if d.ServerURL == "" || d.Token == "" {
		t.Fatalf("no in-process inventory service: url %q", d.ServerURL)
	}
	resp, err := http.Get(d.ServerURL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics = %s", resp.Status)
	}
}

func TestDemoConnectorErrors(t *testing.T) {
	ctx := context.Background()
	d, err := Start(ctx, Options{Dir: t.TempDir(), NoServer: true, NoPTY: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if _, _, err := d.Meter(9).Connect(ctx); !errors.Is(err, ErrNoDevice) {
		t.Errorf("Meter(9).Connect = %v, want ErrNoDevice", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, _, err := d.Meter(0).Connect(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Connect after Close = %v, want ErrClosed", err)
	}
}

func TestDemoCommissionsTheSite(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d, err := Start(ctx, Options{Dir: t.TempDir(), NoServer: true, NoPTY: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer d.Close()
	e := d.Commission
	plan := d.InstallPlan()
	if err := e.Start(ctx, plan); err != nil {
		t.Fatalf("Start plan: %v", err)
	}
	site, closeSite, err := d.CommissionSite(ctx)
	if err != nil {
		t.Fatalf("CommissionSite: %v", err)
	}
	defer closeSite()
	runErr := e.Run(ctx, plan.JobID, site)
	st, err := e.Status(ctx, plan.JobID)
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	for _, s := range st.Steps {
		t.Logf("%-12s %-8s %s", s.ID, s.State, s.Title)
	}
	if runErr != nil {
		t.Fatalf("Run: %v", runErr)
	}
	// Dual fuel: the post-checks read the electricity meter's firmware and
	// clock on site, and find the gas meter in the GPF device log with its
	// volume.
	gas := d.Site.GasMeters[0].Identity().DeviceID
	for _, s := range st.Steps {
		if s.ID != "post-checks" {
			continue
		}
		if len(s.Items) != 2 {
			t.Errorf("post-checks items = %+v, want the electricity and the gas meter", s.Items)
		}
		for _, it := range s.Items {
			var ev struct {
				Firmware string `json:"meterFirmware"`
				Reliable bool   `json:"meterClockReliable"`
				Listed   bool   `json:"gpfListed"`
				Volume   string `json:"gasVolume"`
			}
			if err := json.Unmarshal(it.Evidence, &ev); err != nil {
				t.Fatal(err)
			}
			if it.Item == gas && (!ev.Listed || ev.Volume == "") || it.Item != gas && (ev.Firmware == "" || !ev.Reliable) {
				t.Errorf("post-check %s evidence = %s", it.Item, it.Evidence)
			}
		}
	}
}

// A paused install opens the hub's management association again when it
// resumes; the hub only takes invocation counters above the last it saw.
func TestDemoHubAssociationReopens(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d, err := Start(ctx, Options{Dir: t.TempDir(), NoServer: true, NoPTY: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer d.Close()
	clock := dlms.AttributeDescriptor{Class: 8, Instance: cosem.MustOBIS("0-0:1.0.0"), Attribute: 2}
	for i := range 3 {
		c, hangUp, err := d.HubManagement(ctx)
		if err != nil {
			t.Fatalf("association %d: %v", i+1, err)
		}
		if _, err := c.Get(ctx, clock, nil); err != nil {
			t.Fatalf("association %d: read the hub clock: %v", i+1, err)
		}
		hangUp()
	}
}

// The newcomer's install ends as it would in the field: everything the run
// queued goes through the real sync client to the demo's inventory
// service and is applied, none refused.
func TestDemoInstallSyncsThroughTheInventory(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := Start(ctx, Options{Dir: t.TempDir(), NoPTY: true})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer d.Close()
	if d.Sync == nil {
		t.Fatalf("no sync client: %v", d.ServerErr)
	}
	plan := d.InstallPlan()
	if err := d.Commission.Start(ctx, plan); err != nil {
		t.Fatalf("Start plan: %v", err)
	}
	site, closeSite, err := d.CommissionSite(ctx)
	if err != nil {
		t.Fatalf("CommissionSite: %v", err)
	}
	defer closeSite()
	if err := d.Commission.Run(ctx, plan.JobID, site); err != nil {
		t.Fatalf("Run: %v", err)
	}
	ob := d.Store.Outbox()
	for range 20 {
		if err := d.Sync.SyncOnce(ctx); err != nil {
			t.Fatalf("SyncOnce: %v", err)
		}
		left, err := ob.Messages(ctx, outbox.Filter{JobID: plan.JobID, States: []outbox.State{outbox.Pending, outbox.InFlight}})
		if err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			break
		}
	}
	msgs, err := ob.Messages(ctx, outbox.Filter{JobID: plan.JobID})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.State != outbox.Applied {
			t.Errorf("%s %s: %s (%s)", m.Kind, m.IdempotencyKey, m.State, m.LastError)
		}
	}
	st, err := d.Sync.ServerJobStatus(ctx, plan.JobID)
	if err != nil {
		t.Fatalf("ServerJobStatus: %v", err)
	}
	if !st.AllApplied || st.Rejected != 0 || st.Applied < 5 {
		t.Errorf("the service's view of the job = %+v, want everything applied", st)
	}
}

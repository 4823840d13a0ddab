package visit

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sim"
)

func openTemp(t *testing.T) *Visit {
	t.Helper()
	v, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

func TestOpenTwiceAndImport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	v, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	js, ds := demoPull()
	if err := v.ImportJobs(ctx, js, ds); err != nil {
		t.Fatal(err)
	}
	v.Close()
	// Migrations are idempotent and the data survives.
	v, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ids, err := v.Jobs.List(ctx)
	if err != nil || !slices.Equal(ids, []string{"J-DEMO-1"}) {
		t.Fatalf("List = %v, %v", ids, err)
	}
	p, err := v.Progress(ctx, "J-DEMO-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Run != nil || len(p.Job.Devices) != 2 {
		t.Errorf("Progress = run %v, devices %+v; want no run and the site's 2 devices", p.Run, p.Job.Devices)
	}
	if _, err := v.Progress(ctx, "nope"); !errors.Is(err, jobs.ErrNotFound) {
		t.Errorf("Progress(nope) = %v, want ErrNotFound", err)
	}
}

func TestPlanFor(t *testing.T) {
	codes := map[string]string{demoESME: strings.ToLower(demoCode), "00-DB-12-34-56-78-90-C0": demoCode}
	base := func() *jobs.Job {
		return &jobs.Job{ID: "J", Kind: "install", Site: jobs.Site{Postcode: "AB1 2CD", MPxN: []string{"1234567890", demoMPAN}},
			Devices: []jobs.Device{{ID: demoCHF, Type: "CHF", Status: "Pending"}, {ID: demoESME, Type: "ESME", Status: "Pending", CPLStatus: "Active", ImportMPxN: demoMPAN},
				{ID: "00-DB-12-34-56-78-90-C0", Type: "IHD"}}}
	}
	tests := []struct {
		name  string
		edit  func(*jobs.Job)
		codes map[string]string
		err   error
	}{
		{name: "install", codes: codes},
		{name: "a fault visit has no flow", edit: func(j *jobs.Job) { j.Kind = jobs.TaskFaultVisit }, codes: codes, err: ErrNoFlow},
		{name: "no hub", edit: func(j *jobs.Job) { j.Devices = j.Devices[1:] }, codes: codes, err: ErrNoHubDevice},
		{name: "missing install code", codes: map[string]string{demoESME: demoCode}, err: ErrInstallCode},
		{name: "short install code", codes: map[string]string{demoESME: "3031", "00-DB-12-34-56-78-90-C0": demoCode}, err: ErrInstallCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := base()
			if tt.edit != nil {
				tt.edit(j)
			}
			p, err := PlanFor(j, Inputs{Originator: demoSupplier, InstallCodes: tt.codes, Coverage: "yes", Answers: map[string]string{"AerialInstall": "false"}})
			if !errors.Is(err, tt.err) {
				t.Fatalf("PlanFor = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if p.Flow != "install" || p.CHF != demoCHF || p.MPxN != demoMPAN || p.Postcode != "AB1 2CD" || p.Coverage != "yes" || p.Answers["AerialInstall"] != "false" {
				t.Errorf("plan = %+v", p)
			}
			want := []commission.Device{
				{ID: demoCHF, Type: "CHF", Status: "Pending"},
				{ID: demoESME, Type: "ESME", Status: "Pending", CPLStatus: "Active", MPxN: demoMPAN, InstallCode: demoCode},
				{ID: "00-DB-12-34-56-78-90-C0", Type: "IHD", InstallCode: demoCode, JoinWith: demoESME},
			}
			if !slices.Equal(p.Devices, want) {
				t.Errorf("devices = %+v\nwant %+v", p.Devices, want)
			}
		})
	}
}

func TestPlanForExchange(t *testing.T) {
	const (
		oldCHF  = "00-DB-12-34-56-78-90-AF"
		oldESME = "00-DB-12-34-56-78-90-8F"
		gsme    = "00-DB-12-34-56-78-90-B0"
	)
	codes := map[string]string{demoESME: demoCode, gsme: demoCode}
	tests := []struct {
		name     string
		task     jobs.Task
		devices  []jobs.Device
		flow     string
		chf, old string
		want     []commission.Device
	}{
		{name: "hub exchange keeps the meters", task: jobs.Task{Kind: jobs.TaskExchange, Device: "CHF"},
			devices: []jobs.Device{{ID: oldCHF, Type: "CHF", Status: "Commissioned"}, {ID: demoCHF, Type: "CHF", Status: "Pending"},
				{ID: demoESME, Type: "ESME", Status: "Commissioned", ImportMPxN: demoMPAN}},
			flow: "exchange-ch", chf: demoCHF, old: oldCHF,
			want: []commission.Device{{ID: oldCHF, Type: "CHF", Role: "old", Status: "Commissioned"}, {ID: demoCHF, Type: "CHF", Status: "Pending"},
				{ID: demoESME, Type: "ESME", Status: "Commissioned", MPxN: demoMPAN, InstallCode: demoCode}}},
		{name: "meter exchange named by device ID plans only the meters", task: jobs.Task{Kind: jobs.TaskExchange, Device: oldESME},
			devices: []jobs.Device{{ID: demoCHF, Type: "CHF", Status: "Commissioned"}, {ID: oldESME, Type: "ESME", Status: "Commissioned"},
				{ID: demoESME, Type: "ESME", Status: "Pending", ImportMPxN: demoMPAN}, {ID: gsme, Type: "GSME", Status: "Commissioned"}},
			flow: "exchange-meter", chf: demoCHF,
			want: []commission.Device{{ID: oldESME, Type: "ESME", Role: "old", Status: "Commissioned"},
				{ID: demoESME, Type: "ESME", Status: "Pending", MPxN: demoMPAN, InstallCode: demoCode}}},
		{name: "meter exchange pulled from the inventory: the type with an old and a new device", task: jobs.Task{Kind: jobs.TaskExchange},
			devices: []jobs.Device{{ID: demoCHF, Type: "CHF", Status: "Commissioned"}, {ID: oldESME, Type: "ESME", Status: "Commissioned"},
				{ID: demoESME, Type: "ESME", Status: "Pending", ImportMPxN: demoMPAN}, {ID: gsme, Type: "GSME", Status: "Commissioned"}},
			flow: "exchange-meter", chf: demoCHF,
			want: []commission.Device{{ID: oldESME, Type: "ESME", Role: "old", Status: "Commissioned"},
				{ID: demoESME, Type: "ESME", Status: "Pending", MPxN: demoMPAN, InstallCode: demoCode}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := &jobs.Job{ID: "J-X", Kind: jobs.TaskExchange, Tasks: []jobs.Task{tt.task}, Devices: tt.devices, Site: jobs.Site{MPxN: []string{demoMPAN}}}
			p, err := PlanFor(j, Inputs{Originator: demoSupplier, InstallCodes: codes})
			if err != nil {
				t.Fatal(err)
			}
			need, err := InstallCodesNeeded(j)
			if err != nil {
				t.Fatal(err)
			}
			var withCode []string
			for _, d := range tt.want {
				if d.InstallCode != "" {
					withCode = append(withCode, d.ID)
				}
			}
			var needIDs []string
			for _, d := range need {
				needIDs = append(needIDs, d.ID)
			}
			if !slices.Equal(needIDs, withCode) {
				t.Errorf("InstallCodesNeeded = %v, want %v", needIDs, withCode)
			}
			if p.Flow != tt.flow || p.CHF != tt.chf || p.OldCHF != tt.old || !slices.Equal(p.Devices, tt.want) {
				t.Errorf("plan = %s chf %s old %s %+v\nwant %s chf %s old %s %+v", p.Flow, p.CHF, p.OldCHF, p.Devices, tt.flow, tt.chf, tt.old, tt.want)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		name, in string
		want     Target
		ok       bool
	}{
		{name: "tcp", in: "tcp:127.0.0.1:4059", want: Target{"tcp", "127.0.0.1:4059"}, ok: true},
		{name: "serial", in: "serial:/dev/ttyUSB0", want: Target{"serial", "/dev/ttyUSB0"}, ok: true},
		{name: "tcp without port", in: "tcp:localhost", ok: false},
		{name: "unknown kind", in: "udp:1.2.3.4:5", ok: false},
		{name: "empty", in: "", ok: false},
		{name: "no address", in: "serial:", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTarget(tt.in)
			if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
				t.Errorf("ParseTarget(%q) = %v, %v, want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrTarget) {
				t.Errorf("ParseTarget(%q) error %v is not ErrTarget", tt.in, err)
			}
		})
	}
}

// installAnswers answer every question of the install flow, both branches.
var installAnswers = map[string]string{"CHFConnectionMethod": "Hot-shoe", "CHFLocation": "Indoors on external wall", "AerialInstall": "false",
	"PremiseType": "Terraced", "MetalObstructionCheck": "false", "ConnectivityObstructionCheck": "true", "SharedObstructionCheck": "false"}

// TestCommissionDemoSiteOverTCP runs the install flow of an imported job
// against the simulated demo hub on loopback TCP: with WAN it queues 8.14.1,
// and without (NoWAN) 8.14.2 and a follow-up (a second job-update).
func TestCommissionDemoSiteOverTCP(t *testing.T) {
	tests := []struct {
		name    string
		offline bool
		want    []string
	}{
		{name: "wan", want: []string{"duis-request 8.14.1", "duis-request 8.11", "duis-request 8.1.1", "duis-request 8.9", "duis-request 8.9", "duis-request 11.2", "evidence", "job-update"}},
		{name: "install and leave", offline: true, want: []string{"duis-request 8.14.2", "duis-request 8.11", "duis-request 8.4", "evidence", "job-update", "job-update"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			addr := serveDemo(t, nil)
			v := openTemp(t)
			js, ds := demoPull()
			if err := v.ImportJobs(ctx, js, ds); err != nil {
				t.Fatal(err)
			}
			j, err := v.Jobs.Get(ctx, "J-DEMO-1")
			if err != nil {
				t.Fatal(err)
			}
			p, err := PlanFor(j, Inputs{Originator: demoSupplier, InstallCodes: map[string]string{demoESME: demoCode}, Answers: installAnswers})
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Engine.Start(ctx, p); err != nil {
				t.Fatal(err)
			}
			h, err := ConnectHub(ctx, TCP(addr), HubConfig{Keys: keys()})
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close(ctx)
			var hub commission.Hub = h
			if tt.offline {
				hub = NoWAN(h)
			}
			if err := v.Engine.Run(ctx, p.JobID, hub); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := queuedKinds(t, v.DB.Reader(), p.JobID); !slices.Equal(got, tt.want) {
				t.Errorf("queued %q, want %q", got, tt.want)
			}
			pr, err := v.Progress(ctx, p.JobID)
			if err != nil || pr.Run == nil || pr.Run.Status != commission.StateDone {
				t.Errorf("Progress = %+v, %v; want a done run", pr, err)
			}
		})
	}
}

func keys() dlms.Keys { return dlms.Keys{EK: sim.DefaultEK, AK: sim.DefaultAK} }

// queuedKinds lists the outbox messages of a job: kind, and the DUIS
// variant of service requests.
func queuedKinds(t *testing.T, db *sql.DB, job string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT kind, payload FROM outbox_messages WHERE job_id = ? ORDER BY id`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind string
		var payload []byte
		if err := rows.Scan(&kind, &payload); err != nil {
			t.Fatal(err)
		}
		if kind == "duis-request" {
			req, err := duis.Parse(payload)
			if err != nil {
				t.Fatal(err)
			}
			kind += " " + req.Header.ServiceReferenceVariant
		}
		out = append(out, kind)
	}
	return out
}

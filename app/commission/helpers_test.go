package commission

import (
	"context"
	"database/sql"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sim"
)

// Identifiers from the DUIS templates and the simulator's defaults
// (DOMAIN.md §2, sim/HUBPROFILE.md).
const (
	supplier = "90-B3-D5-1F-30-01-00-00"
	chfID    = "00-DB-12-34-56-78-90-A2"
	esmeID   = "00-DB-12-34-56-78-90-A0"
	gsmeID   = "00-DB-12-34-56-78-90-B0"
	ihdID    = "00-DB-12-34-56-78-90-C0"
	ppmidID  = "00-DB-12-34-56-78-90-D0"
	code     = "30313233343536373839414243444546" // the 8.11 template's install code
)

var testStart = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

func openDB(t *testing.T, path string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	return db
}

func tempDB(t *testing.T) *store.DB {
	db := openDB(t, filepath.Join(t.TempDir(), "app.db"))
	t.Cleanup(func() { db.Close() })
	return db
}

// stepClock is a clock that moves one second per reading from testStart.
func stepClock() func() time.Time {
	t := testStart
	return func() time.Time { t = t.Add(time.Second); return t }
}

func newEngine(t *testing.T, db *store.DB) *Engine {
	t.Helper()
	e, err := New(db, Options{Now: stepClock(), RecentWithin: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// dualFuelPlan is a dual-fuel install: hub, electricity and gas meters,
// PPMID and IHD, all Pending and Active on the CPL.
func dualFuelPlan(job string) Plan {
	return Plan{
		JobID: job, Flow: "install", Originator: supplier, CHF: chfID, MPxN: "1312345678111", Postcode: "AB1 2CD", Coverage: "yes",
		Devices: []Device{
			{ID: chfID, Type: "CHF", Status: "Pending", CPLStatus: "Active"},
			{ID: esmeID, Type: "ESME", Status: "Pending", CPLStatus: "Active", InstallCode: code, MPxN: "1312345678111"},
			{ID: gsmeID, Type: "GSME", Status: "Pending", CPLStatus: "Active", InstallCode: code, MPxN: "1234567890"},
			{ID: ppmidID, Type: "PPMID", Status: "Pending", CPLStatus: "Active", InstallCode: code, JoinWith: esmeID},
			{ID: ihdID, Type: "IHD", InstallCode: code, JoinWith: esmeID},
		},
		Answers: map[string]string{"CHFConnectionMethod": "Hot-shoe", "CHFLocation": "Indoors on external wall", "AerialInstall": "false",
			"PremiseType": "Terraced", "MetalObstructionCheck": "false", "ConnectivityObstructionCheck": "true", "SharedObstructionCheck": "false"},
	}
}

// simSite is a simulated hub with an electricity meter and a gas meter on
// its HAN (the gas meter joins through the CHF device log and is then listed
// in the GPF device log, sim/HUBPROFILE.md), and a management association to
// the hub over an emulated 9600 Bd line. Call inside a synctest bubble.
type simSite struct {
	hub    *sim.Hub
	meters []*sim.ESME
	gas    *sim.GSME
	c      *dlms.Client
}

func newSimSite(t *testing.T, hubQuirks, meterQuirks sim.Quirks) *simSite {
	t.Helper()
	return newSimSiteWith(t, hubQuirks, meterQuirks, nil)
}

// newSimSiteWith is newSimSite; the electricity meter is not on the hub's
// HAN at first when detached holds 0, so it joins only when the test
// presses Join HAN for it (sim.Hub.Join), not as soon as joining opens.
func newSimSiteWith(t *testing.T, hubQuirks, meterQuirks sim.Quirks, detached []int) *simSite {
	t.Helper()
	h, err := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: chfID}, Start: testStart, Quirks: hubQuirks,
		WAN: sim.WAN{Operator: "SIM", Signal: -70, MCC: 234, MNC: 30}})
	if err != nil {
		t.Fatal(err)
	}
	s := &simSite{hub: h}
	m, err := sim.NewESME(sim.ESMEConfig{Identity: sim.Identity{Flag: "SMK", Model: "SIM-E1", Serial: "23110001", DeviceID: esmeID},
		Start: testStart, Quirks: meterQuirks})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(detached, 0) {
		if err := h.AttachMeter(m); err != nil {
			t.Fatal(err)
		}
	}
	s.meters = append(s.meters, m)
	if s.gas, err = sim.NewGSME(sim.GSMEConfig{Identity: sim.Identity{Flag: "SMK", Model: "SIM-G1", DeviceID: gsmeID, InstallCode: code},
		Start: testStart, Quirks: meterQuirks}); err != nil {
		t.Fatal(err)
	}
	h.AttachGSME(s.gas)
	probe, port := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ServeSerial(ctx, port) }()
	link, err := hdlc.Dial(ctx, probe, hdlc.Config{ClientSAP: sim.SAPManagement, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical})
	if err != nil {
		t.Fatalf("hdlc.Dial: %v", err)
	}
	s.c, err = dlms.Associate(ctx, link, dlms.ClientConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
		Keys: dlms.Keys{EK: sim.DefaultEK, AK: sim.DefaultAK}, SystemTitle: []byte("SMKHHT01"), InvocationCounter: 1})
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	t.Cleanup(func() {
		_ = s.c.Release(ctx)
		_ = link.Close(ctx)
		cancel()
		probe.Close()
		<-done
	})
	return s
}

// withMeters is the site as the installer works it: the hub's management
// association plus a public association (SAP 16, IEC 62056-47 wrapper) to
// each meter, as a probe on the meter's optical port would give.
func (s *simSite) withMeters(t *testing.T) Site {
	t.Helper()
	site := Site{Hub: &DLMSHub{C: s.c}, Meters: map[string]*dlms.Client{}}
	for _, m := range s.meters {
		near, far := net.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = m.ServeWrapper(ctx, far, nil)
		}()
		c, err := dlms.Associate(ctx, dlms.NewWrapperConn(near, sim.SAPPublic, 1), dlms.ClientConfig{})
		if err != nil {
			t.Fatalf("associate with meter %s: %v", m.Identity().DeviceID, err)
		}
		t.Cleanup(func() {
			_ = c.Release(context.Background())
			cancel()
			near.Close()
			far.Close()
			<-done
		})
		site.Meters[m.Identity().DeviceID] = c
	}
	return site
}

// queued is one outbox message as the tests compare them.
type queued struct {
	Kind, Key, Variant, RequestID string
	Payload                       []byte
}

func outboxOf(t *testing.T, db *store.DB, job string) []queued {
	t.Helper()
	rows, err := db.Reader().Query(`SELECT kind, idempotency_key, payload FROM outbox_messages WHERE job_id = ? ORDER BY id`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []queued
	for rows.Next() {
		var q queued
		if err := rows.Scan(&q.Kind, &q.Key, &q.Payload); err != nil {
			t.Fatal(err)
		}
		if q.Kind == "duis-request" {
			req, err := duis.Parse(q.Payload)
			if err != nil {
				t.Fatalf("queued %s: %v", q.Key, err)
			}
			q.Variant, q.RequestID = req.Header.ServiceReferenceVariant, req.Header.RequestID.String()
			if ps := req.Validate(); hasError(ps) {
				t.Errorf("queued %s %s does not validate: %v", q.Key, q.Variant, ps)
			}
		}
		out = append(out, q)
	}
	return out
}

func hasError(ps duis.Problems) bool {
	for _, p := range ps {
		if strings.HasPrefix(p.String(), "error") {
			return true
		}
	}
	return false
}

// variants lists the DUIS variants queued, in order, with the key's item.
func variants(qs []queued) []string {
	var out []string
	for _, q := range qs {
		if q.Variant != "" {
			_, item, _ := strings.Cut(strings.TrimPrefix(q.Key, q.Key[:strings.Index(q.Key, "/")+1]), "/")
			out = append(out, q.Variant+" "+item)
		} else {
			out = append(out, q.Kind)
		}
	}
	return out
}

var _ = sql.ErrNoRows

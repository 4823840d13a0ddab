package commission

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sim"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/server"
)

const gpfID = "00-DB-12-34-56-78-90-A3"

// newInventoryService is the inventory service in process, empty, and a
// submit func through which the back office sends DUIS requests (with
// counters of its own, below the engine's time-based ones) that must
// succeed.
func newInventoryService(t *testing.T) (*server.Server, func(variant string, f map[string]string)) {
	t.Helper()
	ctx := context.Background()
	sdb, err := server.OpenDB(ctx, filepath.Join(t.TempDir(), "inventory.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sdb.Close() })
	sealer, err := inventory.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{DB: sdb, Sealer: sealer, Now: func() time.Time { return testStart.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	office := server.Principal{Name: "office", Role: server.RoleBackOffice}
	counter := 0
	submit := func(variant string, f map[string]string) {
		t.Helper()
		counter++
		f["originator"], f["counter"] = supplier, strconv.Itoa(counter)
		req, err := duis.Build(variant, f)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := req.Marshal()
		out, err := srv.Submit(ctx, server.Submission{Document: doc, Principal: office})
		if err != nil || !out.OutcomeCode.IsSuccess() {
			t.Fatalf("%s %v: %v %+v", variant, f, err, out)
		}
	}
	return srv, submit
}

// prenotify is the back office's 12.2 for one device (DOMAIN.md §7 step 1).
func prenotify(submit func(string, map[string]string), f map[string]string) {
	f["DeviceManufacturer"], f["DeviceModel"] = "AB01", "010A030B"
	submit("12.2", f)
}

// inventoryService is the inventory service in process, with the site's
// devices pre-notified (DOMAIN.md §7 step 1) and the job assigned to alice.
func inventoryService(t *testing.T, job string) *server.Server {
	t.Helper()
	srv, submit := newInventoryService(t)
	prenotify(submit, map[string]string{"DeviceID": chfID, "DeviceType": "CHF", "AssociatedGPFDeviceID": gpfID})
	for _, d := range []struct{ id, typ string }{{esmeID, "ESME"}, {gsmeID, "GSME"}, {ppmidID, "PPMID"}, {ihdID, "IHD"}} {
		prenotify(submit, map[string]string{"DeviceID": d.id, "DeviceType": d.typ, "FirmwareVersion": "0002012F"})
	}
	if err := srv.CreateJob(context.Background(), "office", server.Job{ID: job, Installer: "alice", Site: "site 1", Postcode: "AB1 2CD",
		Devices: []string{chfID, gpfID, esmeID, gsmeID, ppmidID, ihdID}}); err != nil {
		t.Fatal(err)
	}
	return srv
}

// serviceEngine is an engine on db running the built-in flows, every step
// of them (post-check reads included), with srv's sealing key as a pull
// brings it down.
func serviceEngine(t *testing.T, db *store.DB, srv *server.Server) *Engine {
	t.Helper()
	key, err := srv.SealKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Flows()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(db, Options{Flows: fs, Now: stepClock(), RecentWithin: 24 * time.Hour,
		ServerKey: func(context.Context) (*api.SealKey, error) { return &key, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// exchangeService is the inventory service of a CH exchange: the old hub
// (oldCHF) installed with the meters whitelisted on it and commissioned
// (DOMAIN.md §7 steps 3–6, sent by the back office here), the replacement
// hub and its GPF pre-notified, and an exchange job for alice listing both
// hubs, the GPF and the meters.
func exchangeService(t *testing.T, job string) *server.Server {
	t.Helper()
	srv, submit := newInventoryService(t)
	prenotify(submit, map[string]string{"DeviceID": oldCHF, "DeviceType": "CHF"})
	submit("8.14.1", map[string]string{"DeviceID": oldCHF, "CHFInstallType": "New CHF Install", "MPxN": "1312345678111",
		"AerialInstall": "false", "CHFLocation": "Indoors on external wall"})
	for _, d := range []struct{ id, typ string }{{esmeID, "ESME"}, {gsmeID, "GSME"}} {
		prenotify(submit, map[string]string{"DeviceID": d.id, "DeviceType": d.typ, "FirmwareVersion": "0002012F"})
		submit("8.11", map[string]string{"target": oldCHF, "DeviceID": d.id, "RequestType": "Add",
			"AddDeviceToCHFWhitelist/JoinTimePeriod": "90", "AddDeviceToCHFWhitelist/InstallCode": code})
		submit("8.1.1", map[string]string{"target": d.id, "CurrentDateTime": string(duis.NewDateTime(testStart)), "TolerancePeriod": "60"})
	}
	prenotify(submit, map[string]string{"DeviceID": chfID, "DeviceType": "CHF", "AssociatedGPFDeviceID": gpfID})
	if err := srv.CreateJob(context.Background(), "office", server.Job{ID: job, Installer: "alice", Site: "site 1", Postcode: "AB1 2CD",
		Kind: "exchange", Devices: []string{chfID, gpfID, oldCHF, esmeID, gsmeID}}); err != nil {
		t.Fatal(err)
	}
	return srv
}

// drain pushes the outbox to the service in batches, as sync/client does
// when coverage returns, and acknowledges what was applied.
func drain(t *testing.T, db *store.DB, srv *server.Server) {
	t.Helper()
	ctx := context.Background()
	ob := db.Outbox()
	alice := server.Principal{Name: "alice", Role: server.RoleInstaller}
	for range 100 {
		msgs, err := ob.Receive(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			return
		}
		req := &api.PushRequest{InstallerID: "alice"}
		for _, m := range msgs {
			pm := api.PushMessage{IdempotencyKey: m.IdempotencyKey, JobID: m.JobID, Kind: m.Kind, CreatedAt: m.CreatedAt.UTC()}
			if m.Kind == api.KindDUISRequest {
				r, err := duis.Parse(m.Payload)
				if err != nil {
					t.Fatal(err)
				}
				pm.ServiceRequest = &api.ServiceRequest{ServiceReferenceVariant: r.Header.ServiceReferenceVariant, XML: string(m.Payload)}
			} else {
				pm.Body = json.RawMessage(m.Payload)
			}
			req.Messages = append(req.Messages, pm)
		}
		// What travels must keep to the wire contract, as sync/client
		// checks before it sends.
		if err := req.Validate(); err != nil {
			t.Fatalf("push request breaks the wire contract: %v", err)
		}
		resp := srv.Push(ctx, alice, req)
		for i, res := range resp.Results {
			out, _ := json.Marshal(res)
			if res.Status != api.StatusApplied {
				t.Errorf("push %s: %s %s %s", msgs[i].IdempotencyKey, res.Status, res.ResponseCode, res.Reason)
				if err := ob.Reject(ctx, msgs[i].ID, out, res.Reason); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := ob.Ack(ctx, msgs[i].ID, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatal("outbox does not drain")
}

func smiStatus(t *testing.T, srv *server.Server, id string) duis.DeviceStatus {
	t.Helper()
	e, _ := duis.ParseEUI64(id)
	d, err := srv.Device(context.Background(), e)
	if err != nil {
		t.Fatalf("Device(%s): %v", id, err)
	}
	return d.Status
}

// Scenarios 1 and 2 end to end: the queue drains into the inventory
// service and the SMI shows the statuses of a commissioned install, or of
// install and leave.
func TestSMIAfterDrain(t *testing.T) {
	for _, tc := range []struct {
		name  string
		quirk sim.Quirks
		want  map[string]duis.DeviceStatus
	}{
		{"with WAN", nil, map[string]duis.DeviceStatus{chfID: "Commissioned", gpfID: "Commissioned", esmeID: "Commissioned",
			gsmeID: "Commissioned", ppmidID: "Commissioned"}},
		{"install and leave", sim.Quirks{sim.QuirkNoWAN: true}, map[string]duis.DeviceStatus{chfID: "InstalledNotCommissioned",
			gpfID: "InstalledNotCommissioned", esmeID: "InstalledNotCommissioned", gsmeID: "InstalledNotCommissioned", ppmidID: "Whitelisted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				srv := inventoryService(t, "J-E2E")
				db := tempDB(t)
				e := serviceEngine(t, db, srv)
				site := newSimSite(t, tc.quirk, nil)
				p := dualFuelPlan("J-E2E")
				if tc.quirk.Has(sim.QuirkNoWAN) {
					p = noWANPlanWithCommands(t, "J-E2E")
				}
				if err := e.Start(ctx, p); err != nil {
					t.Fatal(err)
				}
				// The app is offline on site: everything queues.
				if err := e.Run(ctx, p.JobID, site.withMeters(t)); err != nil {
					t.Fatalf("Run: %v", err)
				}
				// Coverage returns.
				drain(t, db, srv)
				for id, want := range tc.want {
					if got := smiStatus(t, srv, id); got != want {
						t.Errorf("SMI %s = %s, want %s", id, got, want)
					}
				}
				// The install codes reached the SMI sealed, and the back
				// office can read them (a new supplier can commission).
				office := server.Principal{Name: "office", Role: server.RoleBackOffice}
				for _, id := range []string{esmeID, gsmeID, ppmidID} {
					eui, _ := duis.ParseEUI64(id)
					if got, err := srv.InstallCode(ctx, office, eui); err != nil || !strings.EqualFold(hex.EncodeToString(got.Bytes()), code) {
						t.Errorf("SMI install code of %s = %X, %v", id, got.Bytes(), err)
					}
				}
				js, err := srv.JobStatus(ctx, server.Principal{Name: "alice", Role: server.RoleInstaller}, p.JobID)
				if err != nil || !js.AllApplied {
					t.Errorf("job status = %+v, %v", js, err)
				}
			})
		})
	}
}

// Scenario CH exchange end to end (DOMAIN.md §6.1, §9): offline on site the
// wizard returns the old hub (8.14.3), installs the new one (8.14.1,
// replacement; 8.14.2 without WAN), restores the old hub's device log onto
// it (8.12.1) and, with WAN, reads the hub and meters through the DCC;
// when coverage returns the whole flow drains applied. The old hub ends
// Decommissioned, the new one and its GPF installed, the meters stay
// Commissioned, and the job's status notes the restore and the reads the
// service relays toward the DCC.
func TestExchangeCHDrain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		quirk  sim.Quirks
		queued []string
		hub    duis.DeviceStatus
		reads  int
	}{
		{"with WAN", nil, []string{"8.14.3 -", "8.14.1 -", "8.12.1 -", "8.9 -", "8.9 " + esmeID, "8.9 " + gsmeID,
			"11.2 " + esmeID, "11.2 " + gsmeID, "evidence", "job-update"}, "Commissioned", 5},
		// Without WAN: no reads; a follow-up job update before "completed".
		{"no WAN", sim.Quirks{sim.QuirkNoWAN: true}, []string{"8.14.3 -", "8.14.2 -", "8.12.1 -", "evidence", "job-update", "job-update"},
			"InstalledNotCommissioned", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				const job = "J-XCH-E2E"
				srv := exchangeService(t, job)
				db := tempDB(t)
				e := serviceEngine(t, db, srv)
				site := newSimSite(t, tc.quirk, nil)
				p := dualFuelPlan(job)
				p.Flow, p.OldCHF = "exchange-ch", oldCHF
				p.Devices = append(p.Devices[:3:3], Device{ID: oldCHF, Type: "CHF", Role: "old", Status: "Commissioned"})
				p.Devices[1].Status, p.Devices[2].Status = "Commissioned", "Commissioned"
				p.Answers["ReturnKind"], p.Answers["CHFFaultReturnType"], p.Answers["CHFFaultReason"] = "fault", "Fault identified post installation", "SM WAN Fault"
				if err := e.Start(ctx, p); err != nil {
					t.Fatal(err)
				}
				// The app is offline on site: everything queues.
				if err := e.Run(ctx, p.JobID, site.withMeters(t)); err != nil {
					t.Fatalf("Run: %v", err)
				}
				if got := variants(outboxOf(t, db, p.JobID)); !slices.Equal(got, tc.queued) {
					t.Fatalf("queued:\n%q\nwant\n%q", got, tc.queued)
				}
				// Coverage returns.
				drain(t, db, srv)
				for id, want := range map[string]duis.DeviceStatus{oldCHF: "Decommissioned", chfID: tc.hub, gpfID: tc.hub,
					esmeID: "Commissioned", gsmeID: "Commissioned"} {
					if got := smiStatus(t, srv, id); got != want {
						t.Errorf("SMI %s = %s, want %s", id, got, want)
					}
				}
				js, err := srv.JobStatus(ctx, server.Principal{Name: "alice", Role: server.RoleInstaller}, p.JobID)
				if err != nil || !js.AllApplied || js.RestoresRequested != 1 || js.ReadsRequested != tc.reads || js.Rejected != 0 {
					t.Fatalf("job status = %+v, %v; want all applied, 1 restore and %d reads requested", js, err, tc.reads)
				}
				for _, m := range js.Messages {
					if m.Variant == "8.12.1" && (m.Note != api.NoteRestoreRequested || m.ResponseCode != "I99") {
						t.Errorf("8.12.1 in the job status: %+v", m)
					}
				}
			})
		})
	}
}

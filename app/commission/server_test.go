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

// inventoryService is the inventory service in process, with the site's
// devices pre-notified (DOMAIN.md §7 step 1) and the job assigned to alice.
func inventoryService(t *testing.T, job string) *server.Server {
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
	pre := func(f map[string]string) {
		counter++
		f["originator"], f["counter"] = supplier, strconv.Itoa(counter)
		f["DeviceManufacturer"], f["DeviceModel"] = "AB01", "010A030B"
		req, err := duis.Build("12.2", f)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := req.Marshal()
		out, err := srv.Submit(ctx, server.Submission{Document: doc, Principal: office})
		if err != nil || out.ResponseCode != "I0" {
			t.Fatalf("12.2 %s: %v %+v", f["DeviceID"], err, out)
		}
	}
	pre(map[string]string{"DeviceID": chfID, "DeviceType": "CHF", "AssociatedGPFDeviceID": gpfID})
	for _, d := range []struct{ id, typ string }{{esmeID, "ESME"}, {gsmeID, "GSME"}, {ppmidID, "PPMID"}, {ihdID, "IHD"}} {
		pre(map[string]string{"DeviceID": d.id, "DeviceType": d.typ, "FirmwareVersion": "0002012F"})
	}
	if err := srv.CreateJob(ctx, "office", server.Job{ID: job, Installer: "alice", Site: "site 1", Postcode: "AB1 2CD",
		Devices: []string{chfID, gpfID, esmeID, gsmeID, ppmidID, ihdID}}); err != nil {
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

// servedFlows are the built-in flows without the SR steps the inventory
// service does not process (server.Served; 8.12.1 of the CH exchange, which
// these scenarios do not run): with WAN and without, everything the install
// flow queues, the 8.9 and 11.2 post-check reads included, must drain
// applied. A step comes back here by itself once the service serves its
// variant.
func servedFlows(t *testing.T) map[string]Flow {
	t.Helper()
	fs, err := Flows()
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range fs {
		fs[name] = slices.DeleteFunc(slices.Clone(f), func(s StepDef) bool {
			if s.Kind == KindSR && !slices.Contains(server.Served, s.SR) {
				t.Logf("flow %s: step %s (%s) left out: the inventory service does not serve it", name, s.ID, s.SR)
				return true
			}
			return false
		})
	}
	return fs
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
				// The service's sealing key, as a pull brings it down.
				key, err := srv.SealKey(ctx)
				if err != nil {
					t.Fatal(err)
				}
				e, err := New(db, Options{Flows: servedFlows(t), Now: stepClock(), RecentWithin: 24 * time.Hour,
					ServerKey: func(context.Context) (*api.SealKey, error) { return &key, nil }})
				if err != nil {
					t.Fatal(err)
				}
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

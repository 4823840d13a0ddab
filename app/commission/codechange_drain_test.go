package commission

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sim"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/server"
)

// mistyped is the electricity meter's install code as the installer first
// typed it: the template's code (code) with its last digit wrong.
const mistyped = "30313233343536373839414243444547"

// Issue #9 end to end: a dual-fuel install (with WAN, and once without)
// where the electricity meter's install code was mistyped. The first run
// stops at the join; the code is corrected with SetInstallCode; the run
// completes and the queue drains into the inventory service with every
// message applied, the SMI ending as in TestSMIAfterDrain with the
// corrected code on record.
//
// When coverage came back between the two runs the first 8.11 Add reached
// the service (the meter is Whitelisted with the wrong code), so the
// correction queues an 8.11 Remove (DOMAIN.md §5 row L2: Whitelisted →
// Pending) before the new 8.11 Add (row T3: Pending → Whitelisted): the
// service, like the hub (CCS01, DOMAIN.md §9), would otherwise keep the
// code it already holds. When the first Add was still queued it is
// discarded on the device and only the new Add reaches the service. When
// the device gave the first Add up it may never have arrived: the Remove
// then finds the meter Pending and changes nothing (row L3, added for this
// case; without it the service answered E5 and the job stalled behind it).
func TestCodeChangeDrain(t *testing.T) {
	for _, tc := range []struct {
		name       string
		drainFirst bool     // coverage returns between the two runs
		giveUp     bool     // then the device gives the first 8.11 Add up (its answer never came)
		lostAnswer bool     // coverage goes as the first 8.11 Add is applied: its answer is lost, it stays in flight
		noWAN      bool     // install and leave (TestSMIAfterDrain's second scenario)
		esme811    []string // the meter's 8.11 messages the service sees, in order (item part of the key)
		oldState   string   // the first 8.11 Add's outbox state at the end
	}{
		{name: "old add applied", drainFirst: true, esme811: []string{esmeID, esmeID + "#remove1", esmeID + "#1"}, oldState: "applied"},
		{name: "old add still queued", esme811: []string{esmeID + "#1"}, oldState: "discarded"},
		// Given up, the old Add may or may not have reached the service:
		// the Remove is queued either way and must apply either way.
		{name: "old add given up after it reached the service", drainFirst: true, giveUp: true,
			esme811: []string{esmeID, esmeID + "#remove1", esmeID + "#1"}, oldState: "discarded"},
		{name: "old add given up before it reached the service", giveUp: true,
			esme811: []string{esmeID + "#remove1", esmeID + "#1"}, oldState: "discarded"},
		// In flight, the old Add is sent again once its lease ends, before
		// the Remove (a job's messages go in order): the service answers
		// it as the duplicate it is.
		{name: "old add in flight, its answer lost", lostAnswer: true,
			esme811: []string{esmeID, esmeID + "#remove1", esmeID + "#1"}, oldState: "applied"},
		{name: "install and leave, old add applied", drainFirst: true, noWAN: true,
			esme811: []string{esmeID, esmeID + "#remove1", esmeID + "#1"}, oldState: "applied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				const job = "J-CODE-E2E"
				srv := inventoryService(t, job)
				db := tempDB(t)
				e := serviceEngine(t, db, srv)
				// The meter is not on the HAN until the installer presses
				// Join HAN on it, which they do only once the code is right.
				var quirks sim.Quirks
				if tc.noWAN {
					quirks = sim.Quirks{sim.QuirkNoWAN: true}
				}
				sims := newSimSiteWith(t, quirks, nil, []int{0})
				site := sims.withMeters(t)
				hub := &pressingHub{DLMSHub: site.Hub.(*DLMSHub), site: sims, meter: sims.meters[0]}
				site.Hub = hub
				p := dualFuelPlan(job)
				if tc.noWAN {
					p = noWANPlanWithCommands(t, job)
				}
				p.Devices[1].InstallCode = mistyped
				if err := e.Start(ctx, p); err != nil {
					t.Fatal(err)
				}
				err := e.Run(ctx, job, site)
				var se *StepError
				if !errors.As(err, &se) || se.Step != "join" || se.Item != esmeID {
					t.Fatalf("first Run = %v, want a failed join of the meter", err)
				}
				oldKey := idempotencyKey(job, "whitelist", esmeID)
				if tc.drainFirst {
					drain(t, db, srv)
					if got := smiStatus(t, srv, esmeID); got != duis.StatusWhitelisted {
						t.Fatalf("SMI %s after the first drain = %s, want Whitelisted", esmeID, got)
					}
					if got := smiCode(t, srv, esmeID); got != mistyped {
						t.Fatalf("SMI install code of %s after the first drain = %s, want the mistyped %s", esmeID, got, mistyped)
					}
				}

				if tc.lostAnswer {
					drainUntil(t, db, srv, oldKey)
					if got := smiStatus(t, srv, esmeID); got != duis.StatusWhitelisted {
						t.Fatalf("SMI %s after the lost answer = %s, want Whitelisted", esmeID, got)
					}
				}
				if tc.giveUp {
					if err := db.InTx(ctx, func(tx *sql.Tx) error {
						_, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET state = 'dead' WHERE idempotency_key = ?`, oldKey)
						return err
					}); err != nil {
						t.Fatal(err)
					}
				}
				if err := e.SetInstallCode(ctx, job, esmeID, code); err != nil {
					t.Fatalf("SetInstallCode: %v", err)
				}
				hub.press = true
				if err := e.Run(ctx, job, site); err != nil {
					t.Fatalf("Run after the correction: %v", err)
				}
				if tc.lostAnswer {
					// Virtual time: the old Add's lease (2 minutes) ends.
					time.Sleep(10 * time.Minute)
				}
				drain(t, db, srv)

				want := map[string]duis.DeviceStatus{chfID: "Commissioned", gpfID: "Commissioned", esmeID: "Commissioned",
					gsmeID: "Commissioned", ppmidID: "Commissioned"}
				if tc.noWAN {
					want = map[string]duis.DeviceStatus{chfID: "InstalledNotCommissioned", gpfID: "InstalledNotCommissioned",
						esmeID: "InstalledNotCommissioned", gsmeID: "InstalledNotCommissioned", ppmidID: "Whitelisted"}
				}
				for id, want := range want {
					if got := smiStatus(t, srv, id); got != want {
						t.Errorf("SMI %s = %s, want %s", id, got, want)
					}
				}
				for _, id := range []string{esmeID, gsmeID, ppmidID} {
					if got := smiCode(t, srv, id); got != code {
						t.Errorf("SMI install code of %s = %s, want %s", id, got, code)
					}
				}
				js, err := srv.JobStatus(ctx, server.Principal{Name: "alice", Role: server.RoleInstaller}, job)
				if err != nil || !js.AllApplied || js.Rejected != 0 || js.Pending != 0 {
					t.Fatalf("job status = %+v, %v; want all applied", js, err)
				}
				// The service saw exactly the meter's 8.11 messages the case
				// expects, in order, all applied.
				keys := map[string]string{}
				for _, it := range []string{esmeID, esmeID + "#remove1", esmeID + "#1"} {
					keys[idempotencyKey(job, "whitelist", it)] = it
				}
				var seen []string
				for _, m := range js.Messages {
					if it, ok := keys[m.IdempotencyKey]; ok {
						seen = append(seen, it)
						if m.Status != api.StatusApplied || m.Variant != "8.11" {
							t.Errorf("8.11 %s in the job status: %+v", it, m)
						}
					}
				}
				if !slices.Equal(seen, tc.esme811) {
					t.Errorf("the service saw the meter's 8.11 messages %q, want %q", seen, tc.esme811)
				}
				// On the device nothing is left to send, refused or given up.
				for _, r := range outboxStates(t, db, job) {
					want := "applied"
					if r.Key == oldKey {
						want = tc.oldState
					}
					if r.State != want {
						t.Errorf("outbox %s is %s, want %s", r.Key, r.State, want)
					}
				}
				st, err := e.Status(ctx, job)
				if err != nil || st.Status != StateDone {
					t.Errorf("run status = %+v, %v; want done", st, err)
				}
			})
		})
	}
}

// smiCode is the install code the SMI holds for id, in upper-case hex, as
// the back office reads it.
func smiCode(t *testing.T, srv *server.Server, id string) string {
	t.Helper()
	eui, _ := duis.ParseEUI64(id)
	c, err := srv.InstallCode(context.Background(), server.Principal{Name: "office", Role: server.RoleBackOffice}, eui)
	if err != nil {
		t.Fatalf("SMI install code of %s: %v", id, err)
	}
	return strings.ToUpper(hex.EncodeToString(c.Bytes()))
}

// drainUntil is drain cut short: coverage goes just as the message of key
// is applied, so its answer never reaches the device, where it stays in
// flight until its lease ends. Messages before it are applied and
// acknowledged.
func drainUntil(t *testing.T, db *store.DB, srv *server.Server, key string) {
	t.Helper()
	ctx := context.Background()
	ob := db.Outbox()
	alice := server.Principal{Name: "alice", Role: server.RoleInstaller}
	for range 100 {
		msgs, err := ob.Receive(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			t.Fatalf("outbox drained without reaching %s", key)
		}
		m := msgs[0]
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
		resp := srv.Push(ctx, alice, &api.PushRequest{InstallerID: "alice", Messages: []api.PushMessage{pm}})
		if res := resp.Results[0]; res.Status != api.StatusApplied {
			t.Fatalf("push %s: %s %s %s", m.IdempotencyKey, res.Status, res.ResponseCode, res.Reason)
		}
		if m.IdempotencyKey == key {
			return
		}
		out, _ := json.Marshal(resp.Results[0])
		if err := ob.Ack(ctx, m.ID, out); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("outbox does not drain")
}

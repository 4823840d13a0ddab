package commission

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/app/store"
)

// newCode is a second install code for the tests: ZigBee's worked example
// (DOMAIN.md §10.1).
const newCode = "83FED3407A939723A5C639B26916D505"

// outboxRow is one stored outbox message with its state.
type outboxRow struct{ Key, State string }

func outboxStates(t *testing.T, db *store.DB, job string) []outboxRow {
	t.Helper()
	rows, err := db.Reader().Query(`SELECT idempotency_key, state FROM outbox_messages WHERE job_id = ? ORDER BY id`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxRow
	for rows.Next() {
		var r outboxRow
		if err := rows.Scan(&r.Key, &r.State); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// itemOf is one item of a run's status.
func itemOf(t *testing.T, st *RunStatus, step, item string) ItemStatus {
	t.Helper()
	for _, s := range st.Steps {
		if s.ID != step {
			continue
		}
		for _, it := range s.Items {
			if it.Item == item {
				return it
			}
		}
	}
	t.Fatalf("no item %s/%s", step, item)
	return ItemStatus{}
}

func TestSetInstallCodeRefuses(t *testing.T) {
	ctx := context.Background()
	e := newEngine(t, tempDB(t))
	p := dualFuelPlan("J-REF")
	if err := e.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, device, code string
		want               error
	}{
		{"not hex", esmeID, "30313233343536373839414243444G46", ErrInstallCode},
		{"too short", esmeID, "3031323334", ErrInstallCode},
		{"too long", esmeID, strings.Repeat("30", 17), ErrInstallCode},
		{"far too long", esmeID, strings.Repeat("3", 1000), ErrInstallCode},
		{"empty", esmeID, "", ErrInstallCode},
		{"not on the job", "00-DB-12-34-56-78-90-FF", newCode, ErrNoDevice},
		{"the hub", chfID, newCode, ErrCodeLocked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := e.SetInstallCode(ctx, p.JobID, c.device, c.code); !errors.Is(err, c.want) {
				t.Errorf("SetInstallCode = %v, want %v", err, c.want)
			}
		})
	}
	if err := e.SetInstallCode(ctx, "J-NONE", esmeID, newCode); !errors.Is(err, ErrNoRun) {
		t.Errorf("no run: %v", err)
	}
	// The same code, written differently, changes nothing.
	if err := e.SetInstallCode(ctx, p.JobID, esmeID, strings.ToLower(code[:8])+" "+code[8:]); err != nil {
		t.Errorf("same code: %v", err)
	}
	st, _ := e.Status(ctx, p.JobID)
	if want := []string{esmeID, gsmeID, ppmidID, ihdID}; !slices.Equal(st.ChangeableCodes, want) {
		t.Errorf("ChangeableCodes = %v, want %v", st.ChangeableCodes, want)
	}
}

// Before the 8.11 Add is queued only the plan changes, sealed at rest; the
// 8.11 queued later carries the new code.
func TestSetInstallCodeBeforeWhitelist(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t)
	s, err := inventory.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(db, Options{Now: stepClock(), Sealer: s})
	if err != nil {
		t.Fatal(err)
	}
	p := dualFuelPlan("J-EARLY")
	if err := e.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e.SetInstallCode(ctx, p.JobID, esmeID, strings.ToLower(newCode)); err != nil {
		t.Fatal(err)
	}
	var stored string
	db.Reader().QueryRow(`SELECT plan FROM commission_runs WHERE job_id = ?`, p.JobID).Scan(&stored)
	if strings.Contains(strings.ToUpper(stored), newCode) || strings.Contains(strings.ToUpper(stored), code) {
		t.Errorf("stored plan holds an install code in clear: %s", stored)
	}
	p.Answers["WAN"] = "yes"
	if err := e.Answer(ctx, p.JobID, map[string]string{"WAN": "yes"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(ctx, p.JobID, nil); err == nil {
		t.Fatal("Run without a hub succeeded")
	}
	for _, q := range outboxOf(t, db, p.JobID) {
		if q.Variant == "8.11" && strings.HasSuffix(q.Key, esmeID) && !strings.Contains(string(q.Payload), newCode) {
			t.Errorf("8.11 of the meter without the new code: %s", q.Payload)
		}
	}
}

// A meter that did not join because its code was mistyped: the code is
// corrected, the 8.11 Add, the add on the hub and the join run again. The
// old Add, still queued, is discarded; one that may have reached the DCC
// is followed by an 8.11 Remove. The hub drops the old entry before the
// new add (it would keep the old code, CCS01), and ends with the new code.
func TestSetInstallCodeReopens(t *testing.T) {
	cases := []struct {
		name       string
		oldState   string // what became of the first 8.11 Add
		wantStates []string
		wantRemove bool
	}{
		{"still queued", "pending", []string{"discarded"}, false},
		{"sent", "applied", []string{"applied"}, true},
		{"given up", "dead", []string{"discarded"}, true},
		{"refused by the service", "rejected", []string{"rejected"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				db := tempDB(t)
				e := newEngine(t, db)
				site := newSimSiteWith(t, nil, nil, []int{0})
				p := dualFuelPlan("J-FIX")
				if err := e.Start(ctx, p); err != nil {
					t.Fatal(err)
				}
				hub := &pressingHub{DLMSHub: &DLMSHub{C: site.c}, site: site, meter: site.meters[0]}
				err := e.Run(ctx, p.JobID, hub)
				var se *StepError
				if !errors.As(err, &se) || se.Step != "join" || se.Item != esmeID {
					t.Fatalf("first Run = %v, want a failed join of the meter", err)
				}
				oldKey := p.JobID + "/whitelist/" + esmeID
				if err := db.InTx(ctx, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET state = ? WHERE idempotency_key = ?`, c.oldState, oldKey)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				before := outboxOf(t, db, p.JobID)
				if err := e.SetInstallCode(ctx, p.JobID, esmeID, newCode); err != nil {
					t.Fatalf("SetInstallCode: %v", err)
				}
				st, err := e.Status(ctx, p.JobID)
				if err != nil {
					t.Fatal(err)
				}
				for _, step := range []string{"whitelist", "hub-whitelist", "join"} {
					if it := itemOf(t, st, step, esmeID); it.State != StatePending || it.Reason != "" {
						t.Errorf("%s/%s after the change = %+v, want pending", step, esmeID, it)
					}
				}
				if it := itemOf(t, st, "hub-whitelist", gsmeID); it.State != StateDone {
					t.Errorf("the gas meter's add was re-opened: %+v", it)
				}
				if !slices.Contains(st.ChangeableCodes, esmeID) {
					t.Errorf("ChangeableCodes = %v", st.ChangeableCodes)
				}
				// A second change before the run goes on only changes the
				// plan: nothing more is queued or discarded.
				n := len(outboxStates(t, db, p.JobID))
				if err := e.SetInstallCode(ctx, p.JobID, esmeID, strings.Repeat("AB", 16)); err != nil {
					t.Fatal(err)
				}
				if err := e.SetInstallCode(ctx, p.JobID, esmeID, newCode); err != nil {
					t.Fatal(err)
				}
				if got := len(outboxStates(t, db, p.JobID)); got != n {
					t.Errorf("a second change queued %d messages", got-n)
				}

				hub.press = true
				if err := e.Run(ctx, p.JobID, hub); err != nil {
					t.Fatalf("Run after the change = %v", err)
				}
				for _, d := range site.hub.DeviceLog() {
					if d.DeviceID.String() == esmeID && !bytes.Equal(d.InstallCode, must(hex.DecodeString(newCode))) {
						t.Errorf("hub holds code %X for the meter, want %s", d.InstallCode, newCode)
					}
				}
				st, _ = e.Status(ctx, p.JobID)
				if st.Status != StateDone || len(st.ChangeableCodes) != 0 {
					t.Errorf("after the run: status %s, changeable %v", st.Status, st.ChangeableCodes)
				}
				if ev := string(itemOf(t, st, "hub-whitelist", esmeID).Evidence); !strings.Contains(ev, `"removedFirst":true`) {
					t.Errorf("hub-whitelist evidence = %s, want the old entry removed first", ev)
				}

				var got []string
				var oldRID, newRID string
				for _, q := range outboxOf(t, db, p.JobID) {
					if q.Variant != "8.11" || !strings.Contains(q.Key, esmeID) {
						continue
					}
					got = append(got, strings.TrimPrefix(q.Key, p.JobID+"/whitelist/"))
					switch {
					case q.Key == oldKey:
						oldRID = q.RequestID
					case strings.HasSuffix(q.Key, "#1"):
						newRID = q.RequestID
						if !strings.Contains(string(q.Payload), newCode) || strings.Contains(string(q.Payload), code) {
							t.Errorf("new 8.11 Add does not carry just the new code: %s", q.Payload)
						}
					case strings.HasSuffix(q.Key, "#remove1"):
						if !strings.Contains(string(q.Payload), "Remove") {
							t.Errorf("remove message: %s", q.Payload)
						}
					}
				}
				want := []string{esmeID, esmeID + "#1"}
				if c.wantRemove {
					want = []string{esmeID, esmeID + "#remove1", esmeID + "#1"}
				}
				if !slices.Equal(got, want) {
					t.Errorf("8.11 of the meter queued %q, want %q", got, want)
				}
				if oldRID == "" || newRID == "" || oldRID == newRID {
					t.Errorf("request IDs old %q new %q, want two different", oldRID, newRID)
				}
				for _, r := range outboxStates(t, db, p.JobID) {
					if r.Key == oldKey && r.State != c.wantStates[0] {
						t.Errorf("old 8.11 Add is %s, want %s", r.State, c.wantStates[0])
					}
				}
				if len(before) == 0 {
					t.Fatal("nothing queued by the first run")
				}
				// Done: the code is locked.
				if err := e.SetInstallCode(ctx, p.JobID, esmeID, code); !errors.Is(err, ErrCodeLocked) {
					t.Errorf("change after the install = %v, want ErrCodeLocked", err)
				}
			})
		})
	}
}

// Once the meter has joined, its code is locked; the other devices'
// codes stay changeable until a later step acts on them.
func TestSetInstallCodeLockedAfterJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEngine(t, tempDB(t))
		site := newSimSiteWith(t, nil, nil, nil)
		p := dualFuelPlan("J-LOCK")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		stop := errors.New("stop")
		e.hook = func(point, step, item string) {
			if point == "committed" && step == "join" && item == gsmeID {
				panic(stop)
			}
		}
		func() {
			defer func() {
				if r := recover(); r != stop {
					panic(r)
				}
			}()
			e.Run(ctx, p.JobID, &DLMSHub{C: site.c})
		}()
		e.hook = nil
		e.mu.Lock()
		delete(e.running, p.JobID)
		e.mu.Unlock()
		if err := e.SetInstallCode(ctx, p.JobID, esmeID, newCode); !errors.Is(err, ErrCodeLocked) {
			t.Errorf("meter joined: %v, want ErrCodeLocked", err)
		}
		if err := e.SetInstallCode(ctx, p.JobID, ihdID, newCode); err != nil {
			t.Errorf("IHD before its 8.7.2: %v", err)
		}
		st, _ := e.Status(ctx, p.JobID)
		if want := []string{ppmidID, ihdID}; !slices.Equal(st.ChangeableCodes, want) {
			t.Errorf("ChangeableCodes = %v, want %v", st.ChangeableCodes, want)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// FuzzNormalCode: what SetInstallCode accepts is 6 to 16 bytes of
// upper-case hex and is accepted again unchanged; nothing panics.
func FuzzNormalCode(f *testing.F) {
	for _, s := range []string{code, newCode, strings.ToLower(code), "30 31-32:33 34 35", "3031323334", strings.Repeat("30", 17), "G0G0G0G0G0G0", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := normalCode(s)
		if err != nil {
			if !errors.Is(err, ErrInstallCode) {
				t.Fatalf("normalCode(%q) = %v", s, err)
			}
			return
		}
		b, err := hex.DecodeString(c)
		if err != nil || len(b) < 6 || len(b) > 16 || c != strings.ToUpper(c) {
			t.Fatalf("normalCode(%q) = %q", s, c)
		}
		if again, err := normalCode(c); err != nil || again != c {
			t.Fatalf("normalCode(%q) = %q, %v; want it unchanged", c, again, err)
		}
	})
}

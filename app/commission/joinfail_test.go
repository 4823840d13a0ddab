package commission

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/sim"
)

// joinEvent is one CHF event log row as sim/HUBPROFILE.md lays it out.
type joinEvent struct {
	code   uint16
	device []byte
	detail uint8
	at     time.Time // zero: the clock column is not specified
}

// encodeEventLog is the inverse of what ParseJoinFailure reads: rows of
// {clock, event code, device, detail} (sim/HUBPROFILE.md, CHF event log).
func encodeEventLog(t testing.TB, rows []joinEvent) []byte {
	vs := make([]axdr.Value, len(rows))
	for i, r := range rows {
		clock := bytes.Repeat([]byte{0xFF}, 12)
		if !r.at.IsZero() {
			clock = axdr.FromTime(r.at).AppendBody(nil)
		}
		vs[i] = axdr.Structure(axdr.OctetString(clock), axdr.Uint16(r.code),
			axdr.OctetString(r.device), axdr.Uint8(r.detail))
	}
	b, err := axdr.Encode(axdr.Array(vs...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	evDevA = []byte{0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x9A, 0x01}
	evDevB = []byte{0x00, 0xDB, 0x12, 0x34, 0x56, 0x78, 0x9A, 0x02}
)

// noTime is an unspecified clock column, or no join window.
var noTime time.Time

// Event times around a join window opened at windowFrom.
var (
	windowFrom = time.Date(2026, 11, 28, 9, 10, 0, 0, time.UTC)
	before     = windowFrom.Add(-time.Minute)
	after      = windowFrom.Add(20 * time.Second)
)

var joinFailureCases = []struct {
	name  string
	rows  []joinEvent
	since time.Time
	want  int
}{
	{"empty", nil, noTime, 0},
	{"one failure", []joinEvent{{0x8F48, evDevA, 10, noTime}}, noTime, 10},
	{"other device", []joinEvent{{0x8F48, evDevB, 4, noTime}}, noTime, 0},
	{"last failure wins", []joinEvent{{0x8F48, evDevA, 3, noTime}, {0x8F14, nil, 0, noTime}, {0x8F48, evDevA, 5, noTime}}, noTime, 5},
	{"success clears", []joinEvent{{0x8F48, evDevA, 3, noTime}, {0x8F49, evDevA, 0, noTime}}, noTime, 0},
	{"failure after success", []joinEvent{{0x8F49, evDevA, 0, noTime}, {0x8F48, evDevA, 12, noTime}}, noTime, 12},
	{"failure before the window", []joinEvent{{0x8F48, evDevA, 3, before}}, windowFrom, 0},
	{"failure in the window", []joinEvent{{0x8F48, evDevA, 3, before}, {0x8F48, evDevA, 10, after}}, windowFrom, 10},
	{"failure in the same second", []joinEvent{{0x8F48, evDevA, 5, windowFrom}}, windowFrom.Add(400 * time.Millisecond), 5},
	{"old success, new failure", []joinEvent{{0x8F49, evDevA, 0, before}, {0x8F48, evDevA, 13, after}}, windowFrom, 13},
	{"unstamped failure counts", []joinEvent{{0x8F48, evDevA, 7, noTime}}, windowFrom, 7},
	{"zero since takes all", []joinEvent{{0x8F48, evDevA, 3, before}}, time.Time{}, 3},
}

func TestParseJoinFailure(t *testing.T) {
	for _, c := range joinFailureCases {
		got, err := ParseJoinFailure(encodeEventLog(t, c.rows), evDevA, c.since)
		if err != nil || got != c.want {
			t.Errorf("%s: ParseJoinFailure = %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	// Two-column rows (a reader-only profile) are skipped, not refused.
	two, _ := axdr.Encode(axdr.Array(axdr.Structure(axdr.OctetString(nil), axdr.Uint16(0x8F48))))
	if got, err := ParseJoinFailure(two, evDevA, time.Time{}); err != nil || got != 0 {
		t.Errorf("two columns: %d, %v", got, err)
	}
	for _, bad := range [][]byte{nil, {0x09, 0x00}, {0x01, 0x01, 0x12, 0x00, 0x01}} {
		if _, err := ParseJoinFailure(bad, evDevA, windowFrom); err == nil {
			t.Errorf("ParseJoinFailure(% X) accepted", bad)
		}
	}
}

// FuzzParseJoinFailure: nothing from the wire panics, and a log that
// decodes re-encodes to a log with the same answer (round trip).
func FuzzParseJoinFailure(f *testing.F) {
	for _, c := range joinFailureCases {
		f.Add(encodeEventLog(f, c.rows))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		code, err := ParseJoinFailure(d, evDevA, time.Time{})
		if err != nil {
			return
		}
		// A window changes which rows count, never whether the log decodes.
		if _, err := ParseJoinFailure(d, evDevA, windowFrom); err != nil {
			t.Fatalf("with a window: %v; without one it decoded", err)
		}
		rows := []joinEvent{}
		if code != 0 {
			rows = append(rows, joinEvent{0x8F48, evDevA, uint8(code), noTime})
		}
		if again, err := ParseJoinFailure(encodeEventLog(t, rows), evDevA, time.Time{}); err != nil || again != code {
			t.Fatalf("round trip: %d, %v; want %d", again, err, code)
		}
	})
}

// Scenario 5: a meter that fails to join shows the GBCS join code, its
// meaning and the suggested action, read from the hub's CHF event log over
// the emulated line (never from sim in process).
func TestJoinFailureShowsReason(t *testing.T) {
	for _, code := range []int{3, 4, 10} {
		t.Run(string(sim.QuirkJoinFail(code)), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				e := newEngine(t, tempDB(t))
				site := newSimSite(t, nil, sim.Quirks{sim.QuirkJoinFail(code): true})
				p := dualFuelPlan("J-JOIN")
				if err := e.Start(ctx, p); err != nil {
					t.Fatal(err)
				}
				meaning, hint := JoinFailure(code)
				err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c})
				var se *StepError
				if !errors.As(err, &se) || se.Step != "join" || se.Item != esmeID || se.Reason != ReasonJoinFailed ||
					se.Code != code || se.Hint != hint || !strings.Contains(se.Error(), meaning) {
					t.Fatalf("Run = %v (%+v), want join-failed code %d at join/%s with hint %q", err, se, code, esmeID, hint)
				}
				st, _ := e.Status(ctx, p.JobID)
				if st.Status != StateFailed {
					t.Errorf("run status = %s", st.Status)
				}
				for _, s := range st.Steps {
					if s.ID == "join" && (s.State != StateFailed || s.Items[0].Reason != ReasonJoinFailed || s.Items[0].Hint != hint) {
						t.Errorf("join step = %+v", s)
					}
				}
			})
		})
	}
}

// pressingHub is the hub seen through the installer: once press is true,
// the second time a device log read shows meter listed but not joined, the
// installer presses Join HAN on it, so the join step has looked at the
// hub's event log once before the meter joins.
type pressingHub struct {
	*DLMSHub
	site   *simSite
	meter  *sim.ESME
	press  bool
	waited int
}

func (h *pressingHub) DeviceLog(ctx context.Context) ([]LogEntry, error) {
	log, err := h.DLMSHub.DeviceLog(ctx)
	if h.press {
		for _, e := range log {
			if e.DeviceID == esmeID && !e.Joined {
				if h.waited++; h.waited == 2 {
					h.site.hub.Join(h.meter)
				}
			}
		}
	}
	return log, err
}

// TestOldJoinFailureIgnored: a failure the hub logged for the meter before
// this visit's join window opened (it tried to join before it was on the
// device log, code 3) does not fail the join; the step waits and the meter
// joins when the installer presses Join HAN.
func TestOldJoinFailureIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEngine(t, tempDB(t))
		site := newSimSiteWith(t, nil, nil, []int{0})
		if rc := site.hub.Join(site.meters[0]); rc != 3 {
			t.Fatalf("join before the device log add = %d, want 3", rc)
		}
		site.hub.Clock.Shift(2 * time.Minute) // the installer fits the hub
		p := dualFuelPlan("J-OLD")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		hub := &pressingHub{DLMSHub: &DLMSHub{C: site.c}, site: site, meter: site.meters[0], press: true}
		if err := e.Run(ctx, p.JobID, hub); err != nil {
			t.Fatalf("Run = %v, want the join to wait past the old failure", err)
		}
		st, _ := e.Status(ctx, p.JobID)
		for _, s := range st.Steps {
			if s.ID == "join" && (s.State != StateDone || !strings.Contains(string(s.Items[0].Evidence), "joinWindowFrom")) {
				t.Errorf("join step = %+v", s)
			}
		}
	})
}

// TestJoinRetryOpensNewWindow: a join that failed is retried in a new join
// window: the step opens joining again, and the failure the hub logged for
// the earlier attempt (code 5, pressed after joining closed) no longer
// counts.
func TestJoinRetryOpensNewWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		e := newEngine(t, tempDB(t))
		site := newSimSiteWith(t, nil, nil, []int{0})
		p := dualFuelPlan("J-RETRY")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		hub := &pressingHub{DLMSHub: &DLMSHub{C: site.c}, site: site, meter: site.meters[0]}
		err := e.Run(ctx, p.JobID, hub)
		var se *StepError
		if !errors.As(err, &se) || se.Step != "join" || se.Reason != ReasonNotJoined {
			t.Fatalf("first Run = %v, want not-joined at the join step", err)
		}
		if rc := site.hub.Join(site.meters[0]); rc != 5 {
			t.Fatalf("join after the window = %d, want 5", rc)
		}
		site.hub.Clock.Shift(time.Minute) // the installer walks to the meter
		hub.press = true
		if err := e.Run(ctx, p.JobID, hub); err != nil {
			t.Fatalf("retry = %v, want the join to succeed in a new window", err)
		}
	})
}

// TestJoinCodeSurvivesRestart: the join failure code is stored in its own
// column and the run status shows it after the app restarts.
func TestJoinCodeSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "app.db")
		db := openDB(t, path)
		e := newEngine(t, db)
		site := newSimSite(t, nil, sim.Quirks{sim.QuirkJoinFail(10): true})
		p := dualFuelPlan("J-CODE")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err == nil {
			t.Fatal("Run succeeded, want join-failed")
		}
		db.Close()

		db = openDB(t, path)
		defer db.Close()
		st, err := newEngine(t, db).Status(ctx, p.JobID)
		if err != nil {
			t.Fatal(err)
		}
		var got []ItemStatus
		for _, s := range st.Steps {
			if s.ID == "join" {
				got = s.Items
			}
		}
		_, hint := JoinFailure(10)
		if len(got) == 0 || got[0].JoinCode != 10 || got[0].Reason != ReasonJoinFailed || got[0].Hint != hint {
			t.Errorf("join items after restart = %+v, want code 10", got)
		}
		var n int
		if err := db.Reader().QueryRow(`SELECT count(*) FROM commission_items WHERE job_id = ? AND join_code = 10`, p.JobID).Scan(&n); err != nil || n != 1 {
			t.Errorf("rows with join_code 10 = %d, %v", n, err)
		}
	})
}

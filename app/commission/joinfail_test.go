package commission

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/sim"
)

// joinEvent is one CHF event log row as sim/HUBPROFILE.md lays it out.
type joinEvent struct {
	code   uint16
	device []byte
	detail uint8
}

// encodeEventLog is the inverse of what ParseJoinFailure reads: rows of
// {clock, event code, device, detail} (sim/HUBPROFILE.md, CHF event log).
func encodeEventLog(t testing.TB, rows []joinEvent) []byte {
	vs := make([]axdr.Value, len(rows))
	for i, r := range rows {
		vs[i] = axdr.Structure(axdr.OctetString(bytes.Repeat([]byte{0xFF}, 12)), axdr.Uint16(r.code),
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

var joinFailureCases = []struct {
	name string
	rows []joinEvent
	want int
}{
	{"empty", nil, 0},
	{"one failure", []joinEvent{{0x8F48, evDevA, 10}}, 10},
	{"other device", []joinEvent{{0x8F48, evDevB, 4}}, 0},
	{"last failure wins", []joinEvent{{0x8F48, evDevA, 3}, {0x8F14, nil, 0}, {0x8F48, evDevA, 5}}, 5},
	{"success clears", []joinEvent{{0x8F48, evDevA, 3}, {0x8F49, evDevA, 0}}, 0},
	{"failure after success", []joinEvent{{0x8F49, evDevA, 0}, {0x8F48, evDevA, 12}}, 12},
}

func TestParseJoinFailure(t *testing.T) {
	for _, c := range joinFailureCases {
		got, err := ParseJoinFailure(encodeEventLog(t, c.rows), evDevA)
		if err != nil || got != c.want {
			t.Errorf("%s: ParseJoinFailure = %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	// Two-column rows (a reader-only profile) are skipped, not refused.
	two, _ := axdr.Encode(axdr.Array(axdr.Structure(axdr.OctetString(nil), axdr.Uint16(0x8F48))))
	if got, err := ParseJoinFailure(two, evDevA); err != nil || got != 0 {
		t.Errorf("two columns: %d, %v", got, err)
	}
	for _, bad := range [][]byte{nil, {0x09, 0x00}, {0x01, 0x01, 0x12, 0x00, 0x01}} {
		if _, err := ParseJoinFailure(bad, evDevA); err == nil {
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
		code, err := ParseJoinFailure(d, evDevA)
		if err != nil {
			return
		}
		rows := []joinEvent{}
		if code != 0 {
			rows = append(rows, joinEvent{0x8F48, evDevA, uint8(code)})
		}
		if again, err := ParseJoinFailure(encodeEventLog(t, rows), evDevA); err != nil || again != code {
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

package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/sync/api"
)

// TestInstallCodeCorrection: the 8.11 messages an installer's app pushes
// when a mistyped install code is corrected (issue #9,
// commission.Engine.SetInstallCode) all apply, on SQLite and PostgreSQL.
// The electricity meter's first Add reached the service: the Remove takes
// it off the log (L2) and the new Add lists it again (T3) with the new
// code, which is the one the SMI then holds. The gas meter's first Add was
// given up on the device and never arrived: the Remove that withdraws it
// finds the meter Pending and changes nothing (L3) instead of an E5 that
// would stall the install. A replayed Remove is a duplicate with the same
// answer; a Remove of a commissioned meter is still refused.
func TestInstallCodeCorrection(t *testing.T) {
	// The mistyped code is the 8.11 template's with its last digit wrong;
	// the corrected one is ZigBee's worked example (DOMAIN.md §10.1).
	const (
		mistyped = "30313233343536373839414243444547"
		fixed    = "83FED3407A939723A5C639B26916D505"
		job      = "fix-1"
	)
	backends(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.seed(chf, "CHF", "Commissioned", func(d *deviceRow) { d.GPF = eui(gpf) })
		e.seed(gpf, "GPF", "Commissioned", func(d *deviceRow) { d.CHF = eui(chf) })
		e.seed(esme, "ESME", "Pending", nil)
		e.seed(gsme, "GSME", "Pending", nil)
		e.job(job, "alice", chf, gpf, esme, gsme)
		hanLog := func(device, typ, installCode string) []byte {
			f := map[string]string{"target": chf, "DeviceID": device, "RequestType": typ}
			if typ == "Add" {
				f["JoinTimePeriod"], f["InstallCode"] = "90", installCode
			}
			return e.build("8.11", f)
		}
		// Counters rise in the order the app queued the messages.
		add := hanLog(esme, "Add", mistyped)
		remove := hanLog(esme, "Remove", "")
		for _, s := range []struct {
			key    string
			doc    []byte
			want   api.ResultStatus
			code   string // the push result's: I99 for a device SR the service accepted
			dup    bool
			device string
			status string
		}{
			{"fix-1:whitelist:" + esme, add, api.StatusApplied, "I99", false, esme, "Whitelisted"},
			{"fix-1:whitelist:" + esme + ".remove1", remove, api.StatusApplied, "I99", false, esme, "Pending"},
			{"fix-1:whitelist:" + esme + ".remove1", remove, api.StatusApplied, "I99", true, esme, "Pending"},
			{"fix-1:whitelist:" + gsme + ".remove1", hanLog(gsme, "Remove", ""), api.StatusApplied, "I99", false, gsme, "Pending"},
			{"fix-1:whitelist:" + esme + ".1", hanLog(esme, "Add", fixed), api.StatusApplied, "I99", false, esme, "Whitelisted"},
			{"fix-1:whitelist:" + gsme + ".1", hanLog(gsme, "Add", fixed), api.StatusApplied, "I99", false, gsme, "Whitelisted"},
			{"fix-1:commission:" + esme, e.build("8.1.1", map[string]string{"target": esme, "CurrentDateTime": "2026-11-28T10:00:00Z",
				"TolerancePeriod": "60"}), api.StatusApplied, "I99", false, esme, "Commissioned"},
			{"fix-1:late-remove:" + esme, hanLog(esme, "Remove", ""), api.StatusRejected, "E5", false, esme, "Commissioned"},
		} {
			r := e.push("alice", "alice", job, s.key, s.doc)
			var pr api.PushResponse
			if err := json.Unmarshal(r.body, &pr); err != nil || r.status != 200 || len(pr.Results) != 1 {
				t.Fatalf("push %s: %d %s (%v)", s.key, r.status, r.body, err)
			}
			if res := pr.Results[0]; res.Status != s.want || res.ResponseCode != s.code || res.Duplicate != s.dup {
				t.Errorf("push %s: %s %s duplicate %v (%s), want %s %s duplicate %v", s.key, res.Status, res.ResponseCode, res.Duplicate,
					res.Reason, s.want, s.code, s.dup)
			}
			if got := e.status(s.device); string(got) != s.status {
				t.Errorf("after %s: %s is %s, want %s", s.key, s.device, got, s.status)
			}
		}
		office := Principal{Name: "office", Role: RoleBackOffice}
		for _, id := range []string{esme, gsme} {
			c, err := e.srv.InstallCode(ctx, office, eui(id))
			if got := strings.ToUpper(hex.EncodeToString(c.Bytes())); err != nil || got != fixed {
				t.Errorf("SMI install code of %s = %s, %v; want the corrected %s", id, got, err, fixed)
			}
		}
		for id, want := range map[string][]string{esme: {"T3", "L2", "T3", "T9"}, gsme: {"L3", "T3"}} {
			hist, err := e.srv.History(ctx, eui(id))
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			for _, c := range hist {
				rules = append(rules, c.Rule)
			}
			if !slices.Equal(rules, want) {
				t.Errorf("history of %s = %v, want %v", id, rules, want)
			}
		}
		js, err := e.srv.JobStatus(ctx, Principal{Name: "alice", Role: RoleInstaller}, job)
		if err != nil || js.Applied != 6 || js.Rejected != 1 || js.Pending != 0 {
			t.Errorf("job status = %+v, %v; want 6 applied and the late Remove rejected", js, err)
		}
		e.checkInvariants()
	})
}

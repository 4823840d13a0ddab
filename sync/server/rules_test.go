package server

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/smetskit/smetskit/app/inventory"
)

// TestRulesAreConfiguration: the inferred rows are data; a deployment
// that whitelists on a CH still Pending (row P8.11.chf widened) gets I0
// where the defaults answer E5.
func TestRulesAreConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name     string
		override string
		want     string
	}{
		{"defaults", "", "E5"},
		{"widened", `{"permissions":[{"id":"P8.11.chf","variant":"8.11 Add","party":"target","devices":["CHF"],"statuses":["Pending","InstalledNotCommissioned","Commissioned"]}]}`, "I0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, filepath.Join(t.TempDir(), "inv.db"))
			if tc.override != "" {
				rules := inventory.DefaultRules()
				if err := rules.Override([]byte(tc.override)); err != nil {
					t.Fatal(err)
				}
				e.srv.rules = rules
			}
			e.seed(chf, "CHF", "Pending", nil)
			e.seed(esme, "ESME", "Pending", nil)
			out, err := e.srv.Submit(context.Background(), Submission{Principal: Principal{Name: "office", Role: RoleBackOffice},
				Document: e.build("8.11", map[string]string{"target": chf, "DeviceID": esme, "RequestType": "Add", "JoinTimePeriod": "90", "InstallCode": code})})
			if err != nil || string(out.OutcomeCode) != tc.want {
				t.Fatalf("8.11 on a Pending CHF: %v %v, want %s", out, err, tc.want)
			}
		})
	}
}

package visit_test

import (
	"fmt"

	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/app/visit"
)

// A synced install job becomes the install flow's plan: the hub, the meter
// with the install code read from its label, and the site's MPAN.
func ExamplePlanFor() {
	j := &jobs.Job{ID: "J-1", Kind: "install", Site: jobs.Site{Postcode: "AB1 2CD", MPxN: []string{"1200023456789"}},
		Devices: []jobs.Device{
			{ID: "00-DB-12-34-56-78-90-A2", Type: "CHF", Status: "Pending"},
			{ID: "00-DB-12-34-56-78-90-A0", Type: "ESME", Status: "Pending", ImportMPxN: "1200023456789"},
		}}
	p, err := visit.PlanFor(j, visit.Inputs{Originator: "90-B3-D5-1F-30-01-00-00",
		InstallCodes: map[string]string{"00-DB-12-34-56-78-90-A0": "30313233343536373839414243444546"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Flow, p.CHF, p.MPxN)
	for _, d := range p.Devices {
		if d.InstallCode == "" {
			fmt.Println(d.Type, d.ID, "(no install code needed)")
			continue
		}
		fmt.Println(d.Type, d.ID, d.InstallCode)
	}
	// Output:
	// install 00-DB-12-34-56-78-90-A2 1200023456789
	// CHF 00-DB-12-34-56-78-90-A2 (no install code needed)
	// ESME 00-DB-12-34-56-78-90-A0 30313233343536373839414243444546
}

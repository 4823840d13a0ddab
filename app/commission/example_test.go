package commission_test

import (
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/app/commission"
)

// The built-in install flow, as data: each step's kind, precondition and
// the service request it queues.
func ExampleFlows() {
	fs, err := commission.Flows()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range fs["install"] {
		fmt.Println(strings.TrimRight(fmt.Sprintf("%-16s %-13s %-7s %s", s.ID, s.Kind, s.When, s.SR), " "))
	}
	// Output:
	// pre-checks       precheck
	// ch-install       answers
	// wan-check        wan-check
	// ch-status        sr            wan=yes 8.14.1
	// site-survey      answers       wan=no
	// ch-status-no-wan sr            wan=no  8.14.2
	// whitelist        sr                    8.11
	// hub-whitelist    hub-whitelist
	// join             hub-join
	// commission       sr            wan=yes 8.1.1
	// join-type1       sr            wan=yes 8.7.1
	// join-type2       sr            wan=yes 8.7.2
	// installed-not-commissioned sr            wan=no  8.4
	// local-delivery   deliver-local wan=no
	// post-checks      post-check
	// device-log-read  sr            wan=yes 8.9
	// meter-log-read   sr            wan=yes 8.9
	// firmware-read    sr            wan=yes 11.2
	// evidence         evidence
	// follow-up        follow-up     wan=no
	// complete         complete
}

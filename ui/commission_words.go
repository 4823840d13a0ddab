package ui

import (
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/app/commission"
)

// reasonWords say why a step stopped, in field words (app/commission's
// Reason list; the hint that goes with each says what to try).
var reasonWords = map[commission.Reason]string{
	commission.ReasonMissingAnswer:   "some questions are not answered yet",
	commission.ReasonNotInSMI:        "a device is not in the inventory (SMI)",
	commission.ReasonStatus:          "a device's inventory status does not allow this step",
	commission.ReasonCPL:             "a device is not Active on the CPL",
	commission.ReasonNoHub:           "no hub is connected",
	commission.ReasonHubNotAnswering: "the hub is not answering",
	commission.ReasonDeviceLogFull:   "the hub's device log is full",
	commission.ReasonJoinFailed:      "the device failed to join the HAN",
	commission.ReasonNotJoined:       "the device has not joined the HAN yet",
	commission.ReasonNotSeen:         "the device has not talked to the hub recently",
	commission.ReasonRequest:         "the service request could not be made from the job's data",
	commission.ReasonDelivery:        "the hub refused a prepared command",
	commission.ReasonMissingRead:     "a register read is needed",
	commission.ReasonNoWAN:           "the hub has no SM WAN",
	commission.ReasonDeliveryLost:    "the hub's answer to a prepared command was lost",
}

// reasonText is a Reason in field words.
func reasonText(r commission.Reason) string {
	if w, ok := reasonWords[r]; ok {
		return w
	}
	return strings.ReplaceAll(string(r), "-", " ")
}

// failureText says where a run stopped, why and what to try: for a failed
// join, the GBCS join code and its meaning too (DOMAIN.md §10.3).
func failureText(title, item string, reason commission.Reason, code int, hint string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Stopped at “%s”", title)
	if item != "" && item != "-" {
		fmt.Fprintf(&b, " for %s", item)
	}
	b.WriteString(": " + reasonText(reason))
	if code != 0 {
		meaning, _ := commission.JoinFailure(code)
		fmt.Fprintf(&b, " (join code %d: %s)", code, meaning)
	}
	b.WriteString(".")
	if hint != "" {
		b.WriteString(" Try: " + hint)
	}
	return b.String()
}

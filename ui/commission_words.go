package ui

import (
	"encoding/json"
	"fmt"
	"image/color"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

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

// doneText says in a few words what a done step did, from its items'
// evidence: the answers given, the WAN found, the requests queued, how
// many devices. It never shows an install code (8.11's evidence holds one).
func doneText(st commission.StepStatus) string {
	n, queued := 0, 0
	for _, it := range st.Items {
		if it.State == commission.StateDone {
			n++
			if it.RequestID != "" {
				queued++
			}
		}
	}
	if n == 0 {
		return ""
	}
	switch st.Kind {
	case commission.KindAnswers:
		var ans map[string]string
		if json.Unmarshal(st.Items[0].Evidence, &ans) != nil {
			return ""
		}
		keys := slices.SortedFunc(maps.Keys(ans), byQuestionOrder)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, answerWords(k, ans[k]))
		}
		return strings.Join(parts, "; ")
	case commission.KindWANCheck:
		var ev struct {
			Source string `json:"source"`
			WAN    string `json:"wan"`
			Status struct {
				Registered bool `json:"registered"`
			} `json:"status"`
		}
		if json.Unmarshal(st.Items[0].Evidence, &ev) != nil {
			return ""
		}
		has := ev.WAN == "yes" || (ev.Source == "hub" && ev.Status.Registered)
		by := map[string]string{"hub": "the hub says", "engineer": "you said"}[ev.Source]
		if has {
			return strings.TrimSpace(by + " it has SM WAN")
		}
		return strings.TrimSpace(by + " no SM WAN: install and leave")
	case commission.KindSR:
		if queued == 1 {
			return "1 request queued"
		}
		return fmt.Sprintf("%d requests queued", queued)
	}
	if n > 1 {
		return fmt.Sprintf("%d devices", n)
	}
	return ""
}

// answerWords is an answer as the engineer chose it: "Hub location:
// Deep indoors".
func answerWords(key, value string) string {
	q := questionFor(key)
	for _, c := range q.choices {
		if c.value == value {
			return q.short + ": " + c.label
		}
	}
	return q.short + ": " + value
}

// stepDetail is everything about one step: each item's state, for a done
// item its request, for a failed one why, the join code if any, what to
// try and the engine's own words.
func stepDetail(st commission.StepStatus) string {
	var b strings.Builder
	state := map[string]string{commission.StateDone: "done", commission.StateSkipped: "not needed on this job",
		commission.StateFailed: "stopped", commission.StatePending: "to do"}[st.State]
	if state == "" {
		state = st.State
	}
	fmt.Fprintf(&b, "%s: %s", st.Title, state)
	if st.SR != "" {
		fmt.Fprintf(&b, " (service request %s)", st.SR)
	}
	if done := doneText(st); done != "" && st.State == commission.StateDone {
		b.WriteString(". " + done)
	}
	b.WriteString(".")
	for _, it := range st.Items {
		if it.Item == "-" && it.State != commission.StateFailed {
			continue
		}
		b.WriteString("\n• ")
		if it.Item != "-" {
			b.WriteString(it.Item + ": ")
		}
		switch it.State {
		case commission.StateDone:
			b.WriteString("done")
			if it.RequestID != "" {
				b.WriteString(", request " + it.RequestID + " queued")
			}
		case commission.StateFailed:
			b.WriteString(reasonText(it.Reason))
			if it.JoinCode != 0 {
				meaning, _ := commission.JoinFailure(it.JoinCode)
				fmt.Fprintf(&b, " (join code %d: %s)", it.JoinCode, meaning)
			}
			if it.Hint != "" {
				b.WriteString(". Try: " + it.Hint)
			}
			if it.Error != "" {
				b.WriteString(" [" + it.Error + "]")
			}
		default:
			b.WriteString(map[string]string{commission.StatePending: "to do"}[it.State])
		}
		if it.Attempts > 1 {
			fmt.Fprintf(&b, " (%d tries)", it.Attempts)
		}
	}
	return b.String()
}

// touchHeight is the least height of what the engineer taps or types into
// in the wizard: a gloved finger's worth.
const touchHeight = 48

// touch gives obj at least touchHeight.
func touch(obj fyne.CanvasObject) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, touchHeight))
	return container.NewStack(r, obj)
}

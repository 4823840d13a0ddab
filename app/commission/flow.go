package commission

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// Step kinds the engine knows how to run.
const (
	KindPrecheck     = "precheck"      // SMI status, CPL and WAN coverage of the plan's devices
	KindAnswers      = "answers"       // the engineer's answers named in Requires are present
	KindWANCheck     = "wan-check"     // ask the hub (or the engineer) whether it has SM WAN; sets fact wan
	KindSR           = "sr"            // one DUIS request per item into the outbox
	KindHubWhitelist = "hub-whitelist" // device log add on the hub, then joining opened
	KindHubRemove    = "hub-remove"    // device log removal on the hub
	KindHubJoin      = "hub-join"      // each device shows joined in the hub's device log
	KindDeliverLocal = "deliver-local" // prepared commands delivered to the hub, responses queued as 8.13
	KindPostCheck    = "post-check"    // device log: listed, joined, seen recently; hub clock
	KindReads        = "reads"         // register reads recorded as evidence
	KindEvidence     = "evidence"      // everything the back office needs, one message
	KindFollowUp     = "follow-up"     // a follow-up task (install and leave)
	KindComplete     = "complete"      // the job is complete on site
)

// StepDef is one step of a flow, as data (flows.json).
type StepDef struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Title string `json:"title"`
	// When is a precondition "fact=value" on the run's facts and the
	// engineer's answers (wan=yes, ReturnKind=fault); empty means always.
	When string `json:"when,omitempty"`
	// SR is the DUIS Service Reference Variant a KindSR step produces.
	SR string `json:"sr,omitempty"`
	// ForEach lists device types: the step has one item per device of the
	// plan of those types (and of Role); empty means one item.
	ForEach []string `json:"forEach,omitempty"`
	// Role selects devices by their role on the job ("" new or kept, "old"
	// coming out).
	Role string `json:"role,omitempty"`
	// Device names the device a single-item SR is about: "" the CHF,
	// "old-chf" the hub being replaced.
	Device string `json:"device,omitempty"`
	// Requires names answers that must be present before the step runs.
	Requires []string `json:"requires,omitempty"`
	// Fields are fixed DUIS body fields (or, for reads, options).
	Fields map[string]string `json:"fields,omitempty"`
}

// Flow is an ordered list of steps.
type Flow []StepDef

//go:embed flows.json
var flowsJSON []byte

// Flows returns the built-in flows by name: "install", "exchange-ch",
// "exchange-meter".
func Flows() (map[string]Flow, error) {
	return ParseFlows(flowsJSON)
}

// ParseFlows reads flows from JSON (an object of name → array of steps) and
// checks each step: known kind, unique ID, SR set exactly for KindSR, When
// of the form fact=value.
func ParseFlows(b []byte) (map[string]Flow, error) {
	var fs map[string]Flow
	if err := json.Unmarshal(b, &fs); err != nil {
		return nil, fmt.Errorf("commission: read flows: %w", err)
	}
	for name, f := range fs {
		seen := map[string]bool{}
		for i, s := range f {
			where := fmt.Sprintf("commission: flow %s step %d (%s)", name, i, s.ID)
			if s.ID == "" || seen[s.ID] {
				return nil, fmt.Errorf("%s: missing or repeated id: %w", where, ErrBadFlow)
			}
			seen[s.ID] = true
			switch s.Kind {
			case KindPrecheck, KindAnswers, KindWANCheck, KindSR, KindHubWhitelist, KindHubRemove, KindHubJoin, KindDeliverLocal,
				KindPostCheck, KindReads, KindEvidence, KindFollowUp, KindComplete:
			default:
				return nil, fmt.Errorf("%s: kind %q: %w", where, s.Kind, ErrBadFlow)
			}
			if (s.Kind == KindSR) != (s.SR != "") {
				return nil, fmt.Errorf("%s: sr %q with kind %s: %w", where, s.SR, s.Kind, ErrBadFlow)
			}
			if s.When != "" && !strings.Contains(s.When, "=") {
				return nil, fmt.Errorf("%s: when %q is not fact=value: %w", where, s.When, ErrBadFlow)
			}
		}
	}
	return fs, nil
}

// mayApply is applies, except that a precondition on a fact no step has
// found yet counts as met.
func (s StepDef) mayApply(facts, answers map[string]string) bool {
	k, _, _ := strings.Cut(s.When, "=")
	if _, ok := facts[k]; !ok && answers[k] == "" && s.When != "" {
		return true
	}
	return s.applies(facts, answers)
}

// applies reports whether the step's precondition holds.
func (s StepDef) applies(facts, answers map[string]string) bool {
	if s.When == "" {
		return true
	}
	k, v, _ := strings.Cut(s.When, "=")
	if f, ok := facts[k]; ok {
		return f == v
	}
	return answers[k] == v
}

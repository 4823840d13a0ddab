package ui

import (
	"slices"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/app/commission"
)

func TestFailureText(t *testing.T) {
	_, hint := commission.JoinFailure(10)
	got := failureText("Meters join the HAN", "00-DB-12-34-56-78-90-A0", commission.ReasonJoinFailed, 10, hint)
	want := "Stopped at “Meters join the HAN” for 00-DB-12-34-56-78-90-A0: the device failed to join the HAN (join code 10: key agreement: bad key confirm). Try: " + hint
	if got != want {
		t.Errorf("failureText =\n%s\nwant\n%s", got, want)
	}
	if got := failureText("Fit the hub", "-", commission.ReasonMissingAnswer, 0, ""); got != "Stopped at “Fit the hub”: some questions are not answered yet." {
		t.Errorf("failureText = %q", got)
	}
	if got := reasonText("some-new-reason"); got != "some new reason" {
		t.Errorf("reasonText of an unknown reason = %q", got)
	}
}

// Every answer a built-in flow requires is asked in field words, with its
// value set where the DUIS XSD has one; every reason has words.
func TestCommissionQuestionsCoverFlows(t *testing.T) {
	fs, err := commission.Flows()
	if err != nil {
		t.Fatal(err)
	}
	for name, flow := range fs {
		for _, step := range flow {
			for _, k := range step.Requires {
				q, ok := questions[k]
				if !ok || q.short == "" || q.ask == "" || len(q.choices) == 0 {
					t.Errorf("flow %s step %s: answer %s has no question with choices", name, step.ID, k)
				}
			}
		}
	}
	for k, q := range questions {
		seen := map[string]bool{}
		for _, c := range q.choices {
			if seen[c.label] || c.label == "" || c.value == "" {
				t.Errorf("%s: choice %+v empty or repeated", k, c)
			}
			seen[c.label] = true
		}
		f := newAnswerField(questionFor(k))
		for _, c := range q.choices {
			f.choose(c.value)
			if f.value() != c.value {
				t.Errorf("%s: chose %q, got %q", k, c.value, f.value())
			}
		}
	}
	for k := range questions {
		if !slices.Contains(questionOrder, k) {
			t.Errorf("question %s has no place in questionOrder", k)
		}
	}
	if q := questionFor("SomethingNew"); q.key != "SomethingNew" || len(q.choices) != 0 || !strings.Contains(q.ask, "SomethingNew") {
		t.Errorf("unknown key: %+v", q)
	}
	for _, r := range []commission.Reason{commission.ReasonMissingAnswer, commission.ReasonNotInSMI, commission.ReasonStatus,
		commission.ReasonCPL, commission.ReasonNoHub, commission.ReasonHubNotAnswering, commission.ReasonDeviceLogFull,
		commission.ReasonJoinFailed, commission.ReasonNotJoined, commission.ReasonNotSeen, commission.ReasonRequest,
		commission.ReasonDelivery, commission.ReasonMissingRead, commission.ReasonNoWAN, commission.ReasonDeliveryLost} {
		if _, ok := reasonWords[r]; !ok {
			t.Errorf("reason %s has no words", r)
		}
	}
}

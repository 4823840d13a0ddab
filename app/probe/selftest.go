package probe

import (
	"context"
	"fmt"

	"github.com/smetskit/smetskit/protocol/iec62056"
)

// Report is the outcome of SelfTest: a verdict for the field engineer and
// the checks behind it.
type Report struct {
	Passed bool `json:"passed"`
	// Kind is the failure; KindOther when Passed.
	Kind Kind `json:"kind,omitempty"`
	// Title and Action are Advice for the failure, or a confirmation.
	Title  string `json:"title"`
	Action string `json:"action,omitempty"`
	// Echo is set when the probe hears its own transmissions.
	Echo           bool                     `json:"echo"`
	Identification *iec62056.Identification `json:"identification,omitempty"`
	// Result is what answered, when something did.
	Result   *Result   `json:"result,omitempty"`
	Checks   []Check   `json:"checks"`
	Attempts []Attempt `json:"attempts"`
}

// Check is one line of the report.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail,omitempty"`
}

// SelfTest checks the probe and the meter's optical port the way a field
// engineer would by hand, and says what to do when something is wrong:
// it sets the line to 300 Bd 7E1, signs on (IEC 62056-21 §6.4.2) while
// watching for the probe's own echo (PROTOCOLS.md §11.1), then asks for
// mode E and HDLC at the proposed speed, at 300 Bd when the meter ignores
// its proposal (§11.2), and for the mode C readout. It tells apart
// nothing answering at 300 Bd, only the echo coming back, a garbled answer,
// and a meter that answered and then stopped.
//
// The Report is never nil. err is nil when the test passed, and otherwise
// the *Error whose Kind the report carries (Advice gives the same words as
// Report.Title and Report.Action).
func SelfTest(ctx context.Context, p Port, opt Options) (*Report, error) {
	opt.Protocols = nil
	d := newDetector(p, opt, "self-test")
	rep := &Report{}
	if err := d.port.SetLine(300, iec62056.Format7E1); err != nil {
		err = &Error{Op: d.op, Kind: KindPort, Err: fmt.Errorf("%w: set line to 300 Bd 7E1: %w", ErrPort, err)}
		rep.Checks = append(rep.Checks, Check{Name: "port", Detail: err.Error()})
		return rep.fail(err), err
	}
	rep.Checks = append(rep.Checks, Check{Name: "port", Passed: true, Detail: "300 Bd 7E1"})
	res, err := d.run(ctx, []step{{proto: ModeE}, {proto: ModeE, baud: 300}, {proto: ModeC}})
	rep.Echo = d.echo()
	rep.Attempts = d.attempts
	if res != nil {
		rep.Attempts = res.Attempts
	}
	echo := Check{Name: "echo", Passed: true, Detail: "the probe does not hear itself"}
	if rep.Echo {
		echo.Detail = "the probe hears its own transmissions (IR echo); they are dropped"
	}
	if k := KindOf(err); k == KindEchoOnly {
		echo = Check{Name: "echo", Detail: "only our own transmissions came back"}
	}
	rep.Checks = append(rep.Checks, echo)
	rep.Identification = d.ident
	signOn := Check{Name: "sign on at 300 Bd", Passed: d.ident != nil}
	if d.ident != nil {
		signOn.Detail = iec62056.ASCII(d.ident.Bytes())
	} else if err != nil {
		signOn.Detail = KindOf(err).String()
	}
	rep.Checks = append(rep.Checks, signOn)
	if err != nil {
		if d.ident != nil {
			rep.Checks = append(rep.Checks, Check{Name: "after the sign-on", Detail: lastError(d.attempts)})
		}
		return rep.fail(err), err
	}
	rep.Result = res
	c := Check{Name: string(res.Protocol), Passed: true, Detail: fmt.Sprintf("%d Bd", res.Baud)}
	if res.Address != nil {
		c.Detail += ", HDLC address " + res.Address.String()
	}
	if res.StayedAtOldSpeed {
		c.Detail += fmt.Sprintf("; the meter ignores the %d Bd it proposes", d.ident.BaudRate())
	}
	rep.Checks = append(rep.Checks, c)
	rep.Passed = true
	rep.Title = "Probe and optical port work"
	return rep, nil
}

func (r *Report) fail(err error) *Report {
	r.Kind = KindOf(err)
	r.Title, r.Action = Advice(err)
	return r
}

func lastError(as []Attempt) string {
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].Err != "" {
			return as[i].Err
		}
	}
	return ""
}

package commission

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/smetskit/smetskit/protocol/gbcs"
)

// deliver hands a prepared command to the hub, or returns the response
// kept from an earlier delivery. The hub accepts a command once (GBCS
// anti-replay, the originator counter must grow), and a response cannot be
// asked for again, so the response is stored (state "delivered") the moment
// it arrives, before the 8.13 is built. A crash between the hub's answer and
// that write loses the response: the attempt is marked (state "delivering")
// before the command goes out, so a retry the hub refuses after such a
// crash fails with ReasonDeliveryLost (fetch a fresh command) rather than
// a plain refusal.
func (e *Engine) deliver(ctx context.Context, r *run, s StepDef, it item, hub Hub) ([]byte, error) {
	if row := r.items[itemKey(s.ID, it.key)]; row.Status == stateDelivered {
		var ev struct {
			Response string `json:"response"`
		}
		if err := json.Unmarshal(row.Evidence, &ev); err == nil {
			if b, err := hex.DecodeString(ev.Response); err == nil && len(b) > 0 {
				return b, nil
			}
		}
	}
	seq := slices.IndexFunc(r.flow, func(d StepDef) bool { return d.ID == s.ID })
	tried := r.items[itemKey(s.ID, it.key)].Status == stateDelivering
	if !tried {
		if err := e.commit(ctx, r, seq, s, it.key, stateDelivering, outcome{evidence: map[string]string{}}, nil); err != nil {
			return nil, err
		}
	}
	resp, err := hub.Deliver(ctx, it.cmd.GBCS)
	if err != nil {
		if tried {
			return nil, &lostError{err}
		}
		return nil, err
	}
	if err := e.commit(ctx, r, seq, s, it.key, stateDelivered, outcome{evidence: map[string]string{"response": hex.EncodeToString(resp)}}, nil); err != nil {
		return nil, err
	}
	return resp, nil
}

// lostError is a refused redelivery of a command that may have reached the
// hub before a crash.
type lostError struct{ err error }

func (e *lostError) Error() string { return e.err.Error() }

// deliveryEvidence describes a local-delivery response; for a join it
// names the join response code with its meaning and the suggested action
// (DOMAIN.md §10.3), so a failed join delivered locally shows why at once
// while its 8.13 still goes to the back office.
func deliveryEvidence(resp []byte) map[string]any {
	ev := map[string]any{"response": hex.EncodeToString(resp)}
	m, err := gbcs.Parse(resp)
	if err != nil {
		ev["parseError"] = err.Error()
		return ev
	}
	ev["messageCode"] = fmt.Sprintf("0x%04X", uint16(m.MessageCode()))
	switch m.MessageCode() {
	case 0x000D, 0x000E, 0x00AB, 0x00AF: // CS03A1, CS03B, CS03A2, CS03C
		if rc, err := gbcs.ParseIntegerPayload(m.Payload); err == nil {
			ev["joinCode"] = rc
			if rc != 0 {
				ev["joinMeaning"], ev["joinHint"] = JoinFailure(int(rc))
			}
		}
	}
	return ev
}

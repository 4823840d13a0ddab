package commission

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/protocol/gbcs"
	"github.com/smetskit/smetskit/sim"
)

// joinCommand is a CS03B-shaped join (message code 0x000E) from the ACB to
// a meter, as the back office prepares it for local delivery: General-
// Signing frame, payload the JoinDevice SEQUENCE {joinMethodAndRole 2}
// (DOMAIN.md §10.2; the shape the simulator's local-delivery test uses).
func joinCommand(t *testing.T, to string, counter uint64) []byte {
	t.Helper()
	id, err := duis.ParseEUI64(to)
	if err != nil {
		t.Fatal(err)
	}
	m := &gbcs.Message{Kind: gbcs.FrameGeneralSigning, TransactionID: gbcs.TransactionID{CRA: gbcs.CRACommand, Counter: counter},
		OtherInfo: gbcs.OtherInfo{MessageCode: 0x000E}, Payload: []byte{0x30, 0x03, 0x02, 0x01, 0x02}, Signature: gbcs.Hex{}}
	copy(m.Originator[:], []byte{0x90, 0xB3, 0xD5, 0x1F, 0x30, 0x00, 0x00, 0x02})
	copy(m.Recipient[:], id[:])
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func noWANPlanWithCommands(t *testing.T, job string) Plan {
	p := dualFuelPlan(job)
	p.Coverage = "no"
	p.LocalCommands = []LocalCommand{
		{OriginalRequestID: supplier + ":" + esmeID + ":1001", GBCS: joinCommand(t, esmeID, 1400)},
		{OriginalRequestID: supplier + ":" + gsmeID + ":1002", GBCS: joinCommand(t, gsmeID, 1401)},
	}
	return p
}

// Scenario 2, local delivery: the prepared commands go to the hub and their
// GBCS responses are queued as 8.13 naming the original request.
func TestLocalDeliveryReturns813(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db := tempDB(t)
		e := newEngine(t, db)
		site := newSimSite(t, sim.Quirks{sim.QuirkNoWAN: true}, nil)
		p := noWANPlanWithCommands(t, "J-LD")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		var n813 int
		for _, q := range outboxOf(t, db, p.JobID) {
			if q.Variant != "8.13" {
				continue
			}
			req, _ := duis.Parse(q.Payload)
			body, ok := req.Body.(*duis.ReturnLocalCommandResponse)
			if !ok {
				t.Fatalf("8.13 body = %T", req.Body)
			}
			want := p.LocalCommands[n813]
			if body.OriginalRequestID == nil || body.OriginalRequestID.String() != want.OriginalRequestID {
				t.Errorf("8.13 OriginalRequestID = %v, want %s", body.OriginalRequestID, want.OriginalRequestID)
			}
			resp, err := gbcs.Parse(body.DeviceGBCSResponse)
			if err != nil || resp.CRA != gbcs.CRAResponse || resp.MessageCode() != 0x000E {
				t.Errorf("8.13 response = %+v, %v", resp, err)
			}
			n813++
		}
		if n813 != 2 {
			t.Errorf("%d 8.13 requests, want 2", n813)
		}
	})
}

// Scenario 5 through local delivery: the join command's response code is
// shown with its meaning and the suggested action.
func TestLocalJoinFailureCode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db := tempDB(t)
		e := newEngine(t, db)
		site := newSimSite(t, sim.Quirks{sim.QuirkNoWAN: true}, nil)
		bad, err := sim.NewESME(sim.ESMEConfig{Identity: sim.Identity{Flag: "SMK", Model: "SIM-E1", Serial: "23110099", DeviceID: "00-DB-12-34-56-78-90-E0"},
			Start: testStart, Quirks: sim.Quirks{sim.QuirkJoinFail(12): true}})
		if err != nil {
			t.Fatal(err)
		}
		if err := site.hub.AttachMeter(bad); err != nil {
			t.Fatal(err)
		}
		p := noWANPlanWithCommands(t, "J-LDF")
		p.LocalCommands = []LocalCommand{{OriginalRequestID: supplier + ":00-DB-12-34-56-78-90-E0:1003", GBCS: joinCommand(t, "00-DB-12-34-56-78-90-E0", 1500)}}
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		st, _ := e.Status(ctx, p.JobID)
		i := slices.IndexFunc(st.Steps, func(s StepStatus) bool { return s.ID == "local-delivery" })
		var ev struct {
			JoinCode    int    `json:"joinCode"`
			JoinMeaning string `json:"joinMeaning"`
			JoinHint    string `json:"joinHint"`
		}
		if err := json.Unmarshal(st.Steps[i].Items[0].Evidence, &ev); err != nil {
			t.Fatal(err)
		}
		meaning, hint := JoinFailure(12)
		if ev.JoinCode != 12 || ev.JoinMeaning != meaning || ev.JoinHint != hint {
			t.Errorf("evidence = %+v, want code 12 %q", ev, meaning)
		}
	})
}

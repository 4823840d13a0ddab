package sim_test

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/gbcs"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sim"
)

const hubID = "00-DB-12-34-56-78-90-A2"

func newHub(t *testing.T, q sim.Quirks, cfg sim.HubConfig) *sim.Hub {
	t.Helper()
	cfg.Identity = sim.Identity{Flag: "SMK", DeviceID: hubID}
	cfg.Start, cfg.Quirks = testStart, q
	h, err := sim.NewHub(cfg)
	if err != nil {
		t.Fatalf("NewHub: %v", err)
	}
	return h
}

// serial starts the hub on a 9600 Bd 8N1 line and returns a management
// association to it.
func hubSession(t *testing.T, h *sim.Hub) (context.Context, *dlms.Client) {
	t.Helper()
	probe, port := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.ServeSerial(ctx, port) }()
	link, err := hdlc.Dial(ctx, probe, hdlc.Config{ClientSAP: sim.SAPManagement, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical})
	if err != nil {
		t.Fatalf("hdlc.Dial: %v", err)
	}
	c, err := dlms.Associate(ctx, link, dlms.ClientConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
		Keys: dlms.Keys{EK: sim.DefaultEK, AK: sim.DefaultAK}, SystemTitle: []byte("SMKHHT01"), InvocationCounter: 1})
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	t.Cleanup(func() {
		_ = c.Release(ctx)
		_ = link.Close(ctx)
		cancel()
		probe.Close()
		if err := <-done; err != nil {
			t.Errorf("ServeSerial: %v", err)
		}
	})
	return ctx, c
}

func eui(t *testing.T, s string) []byte {
	e, err := sim.ParseEUI64(s)
	if err != nil {
		t.Fatal(err)
	}
	return e[:]
}

func TestHubWhitelistAndJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, nil, sim.HubConfig{})
		m := newMeter(t, nil)
		ctx, c := hubSession(t, h)
		nc := sim.NetworkControlOBIS
		code := []byte("0123456789ABCDEF")
		reg := axdr.Structure(axdr.OctetString(eui(t, m.Identity().DeviceID)), axdr.Enum(1), axdr.OctetString(code), axdr.Enum(0))
		if _, err := c.Action(ctx, dlms.MethodDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: nc, Method: 1}, mustEncode(t, reg)); err != nil {
			t.Fatalf("register_device: %v", err)
		}
		if rc := h.Join(m); rc != 5 {
			t.Errorf("Join before joining is enabled = %d, want 5", rc)
		}
		if err := c.Set(ctx, dlms.AttributeDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: nc, Attribute: 3}, nil, mustEncode(t, axdr.Uint16(90))); err != nil {
			t.Fatalf("set join_timeout: %v", err)
		}
		if err := c.Set(ctx, dlms.AttributeDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: nc, Attribute: 2}, nil, mustEncode(t, axdr.Bool(true))); err != nil {
			t.Fatalf("enable joining: %v", err)
		}
		if rc := h.Join(m); rc != 0 {
			t.Errorf("Join = %d, want 0", rc)
		}
		devs := get(t, ctx, c, cosem.ClassZigBeeNetworkControl, nc, 4)
		if devs.Len() != 1 || devs.Index(0).Len() != 14 {
			t.Fatalf("active_devices = %v", devs)
		}
		gsm := get(t, ctx, c, cosem.ClassGSMDiagnostic, sim.GSMDiagnosticOBIS, 6)
		cell, err := cosem.ParseGSMCellInfo(gsm)
		if err != nil || cell.MCC != 234 {
			t.Errorf("cell_info = %+v, %v", cell, err)
		}
	})
}

func TestHubQuirks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, sim.Quirks{sim.QuirkNoWAN: true, sim.QuirkFullDeviceLog: true}, sim.HubConfig{})
		ctx, c := hubSession(t, h)
		if st := get(t, ctx, c, cosem.ClassGSMDiagnostic, sim.GSMDiagnosticOBIS, 3); st.Uint() != 0 {
			t.Errorf("registration status = %d, want 0 (not registered)", st.Uint())
		}
		reg := axdr.Structure(axdr.OctetString(eui(t, "00-DB-12-34-56-78-90-A0")), axdr.Enum(1), axdr.OctetString([]byte("0123456789ABCDEF")), axdr.Enum(0))
		if _, err := c.Action(ctx, dlms.MethodDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: sim.NetworkControlOBIS, Method: 1}, mustEncode(t, reg)); err == nil {
			t.Errorf("register_device on a full log succeeded")
		}
		m := newMeter(t, nil)
		if rc := h.Join(m); rc != 4 {
			t.Errorf("Join with a full log = %d, want 4 (Device Log Full)", rc)
		}
	})
}

func TestMeterJoinFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for code := 1; code <= 13; code++ {
			h := newHub(t, nil, sim.HubConfig{})
			m := newMeter(t, sim.Quirks{sim.QuirkJoinFail(code): true})
			if rc := h.Join(m); rc != code {
				t.Errorf("join-fail-%d: Join = %d", code, rc)
			}
		}
	})
}

// command builds a GBCS command from the ACB to recipient.
func command(to []byte, code gbcs.MessageCode, counter uint64, payload []byte, kind gbcs.FrameKind) *gbcs.Message {
	m := &gbcs.Message{Kind: kind, TransactionID: gbcs.TransactionID{CRA: gbcs.CRACommand, Counter: counter},
		OtherInfo: gbcs.OtherInfo{MessageCode: code}, Payload: payload, Signature: gbcs.Hex{}}
	copy(m.Originator[:], []byte{0x90, 0xB3, 0xD5, 0x1F, 0x30, 0x00, 0x00, 0x02})
	copy(m.Recipient[:], to)
	if kind == gbcs.FrameGeneralCiphering {
		m.SecurityControl = 0x11
		m.MAC = make(gbcs.Hex, gbcs.MACSize)
	}
	return m
}

func TestLocalDelivery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hubKA, _ := ecdh.P256().GenerateKey(rand.Reader)
		acbKA, _ := ecdh.P256().GenerateKey(rand.Reader)
		signKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		h := newHub(t, nil, sim.HubConfig{KeyAgreement: hubKA, ACB: acbKA.PublicKey(), Secrets: sim.Secrets{SigningKey: signKey}})
		m := newMeter(t, nil)
		if err := h.AttachMeter(m); err != nil {
			t.Fatal(err)
		}
		ctx, c := hubSession(t, h)

		// CCS01-shaped: register the meter, set join_timeout, enable joining.
		nc := sim.NetworkControlOBIS
		req := &dlms.AccessRequest{LongInvokeID: 1,
			Specs: []dlms.AccessRequestSpec{
				{Kind: dlms.AccessAction, Method: dlms.MethodDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: nc, Method: 1}},
				{Kind: dlms.AccessSet, Attribute: dlms.AttributeDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: nc, Attribute: 3}},
				{Kind: dlms.AccessSet, Attribute: dlms.AttributeDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: nc, Attribute: 2}},
			},
			Data: []dlms.Data{
				mustEncode(t, axdr.Structure(axdr.OctetString(eui(t, m.Identity().DeviceID)), axdr.Enum(1), axdr.OctetString([]byte("0123456789ABCDEF")), axdr.Enum(0))),
				mustEncode(t, axdr.Uint16(90)), mustEncode(t, axdr.Bool(true)),
			}}
		payload, err := dlms.Encode(req)
		if err != nil {
			t.Fatal(err)
		}
		cmd := command(eui(t, hubID), gbcs.CodeCCS01, 1302, payload, gbcs.FrameGeneralCiphering)
		key, _ := gbcs.MACKey(acbKA, hubKA.PublicKey(), cmd)
		if err := gbcs.Seal(key[:], cmd); err != nil {
			t.Fatal(err)
		}
		wire, _ := cmd.MarshalBinary()
		deliver := func(wire []byte) (*gbcs.Message, error) {
			d, err := c.Action(ctx, dlms.MethodDescriptor{Class: sim.LocalDeliveryClass, Instance: sim.LocalDeliveryOBIS, Method: 1}, mustEncode(t, axdr.OctetString(wire)))
			if err != nil {
				return nil, err
			}
			v, _, err := axdr.Decode(d)
			if err != nil {
				return nil, err
			}
			return gbcs.Parse(v.Bytes())
		}
		resp, err := deliver(wire)
		if err != nil {
			t.Fatalf("deliver CCS01: %v", err)
		}
		if resp.CRA != gbcs.CRAResponse || resp.Counter != 1302 || resp.MessageCode() != gbcs.CodeCCS01 {
			t.Errorf("response header = %+v", resp.TransactionID)
		}
		if err := gbcs.VerifySignature(&signKey.PublicKey, resp); err != nil {
			t.Errorf("response signature: %v", err)
		}
		rkey, _ := gbcs.MACKey(acbKA, hubKA.PublicKey(), resp)
		if err := gbcs.VerifyMAC(rkey[:], resp); err != nil {
			t.Errorf("response MAC: %v", err)
		}
		ar, err := dlms.Decode(resp.Payload)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range ar.(*dlms.AccessResponse).Results {
			if r.Result != 0 {
				t.Errorf("CCS01 item %d result %d", i, r.Result)
			}
		}
		if log := h.DeviceLog(); len(log) != 1 {
			t.Errorf("device log = %v", log)
		}
		// The same counter again is a replay.
		if _, err := deliver(wire); err == nil {
			t.Errorf("replayed command accepted")
		}
		// A join delivered to the meter through the hub (CS03B shape).
		join := command(eui(t, m.Identity().DeviceID), 0x000E, 1400, []byte{0x30, 0x03, 0x02, 0x01, 0x02}, gbcs.FrameGeneralSigning)
		jw, _ := join.MarshalBinary()
		jr, err := deliver(jw)
		if err != nil {
			t.Fatalf("deliver join: %v", err)
		}
		if rc, err := gbcs.ParseIntegerPayload(jr.Payload); err != nil || rc != 0 {
			t.Errorf("join response = %d, %v", rc, err)
		}
		// Direct API: a bad MAC is refused.
		bad := append([]byte(nil), wire...)
		bad[len(bad)-1] ^= 1
		if _, err := h.Deliver(bad); err == nil {
			t.Errorf("command with a bad MAC accepted")
		}
		if _, err := h.Deliver([]byte{0xDD}); err == nil {
			t.Errorf("truncated command accepted")
		}
		var target error = sim.ErrUnknownTarget
		other := command(eui(t, "00-DB-12-34-56-78-90-FF"), 0x000E, 1500, []byte{0x02, 0x01, 0x00}, gbcs.FrameGeneralSigning)
		ow, _ := other.MarshalBinary()
		if _, err := h.Deliver(ow); !errors.Is(err, target) {
			t.Errorf("join for a device off the HAN = %v", err)
		}
	})
}

// TestLocalDeliveryCommission delivers an ECS70-shaped clock set to a
// meter on the HAN: preset the time with its validity window, adjust to
// it, read the clock back.
func TestLocalDeliveryCommission(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(t, nil, sim.HubConfig{})
		m := newMeter(t, nil)
		if err := h.AttachMeter(m); err != nil {
			t.Fatal(err)
		}
		target := testStart.Add(3 * time.Hour)
		ts := func(t time.Time) axdr.Value { return axdr.OctetString(axdr.FromTime(t).AppendBody(nil)) }
		clk := func(method int8) dlms.MethodDescriptor {
			return dlms.MethodDescriptor{Class: cosem.ClassClock, Instance: sim.ClockOBIS, Method: method}
		}
		req := &dlms.AccessRequest{LongInvokeID: 7,
			Specs: []dlms.AccessRequestSpec{
				{Kind: dlms.AccessAction, Method: clk(5)},
				{Kind: dlms.AccessAction, Method: clk(4)},
				{Kind: dlms.AccessGet, Attribute: dlms.AttributeDescriptor{Class: cosem.ClassClock, Instance: sim.ClockOBIS, Attribute: 2}},
			},
			Data: []dlms.Data{
				mustEncode(t, axdr.Structure(ts(target), ts(testStart.Add(-time.Hour)), ts(testStart.Add(time.Hour)))),
				mustEncode(t, axdr.Int8(0)), {0},
			}}
		payload, err := dlms.Encode(req)
		if err != nil {
			t.Fatal(err)
		}
		cmd := command(eui(t, m.Identity().DeviceID), 0x0062, 1000, payload, gbcs.FrameGeneralSigning)
		wire, _ := cmd.MarshalBinary()
		out, err := h.Deliver(wire)
		if err != nil {
			t.Fatalf("Deliver: %v", err)
		}
		resp, err := gbcs.Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		a, err := dlms.Decode(resp.Payload)
		if err != nil {
			t.Fatal(err)
		}
		ar := a.(*dlms.AccessResponse)
		for i, r := range ar.Results {
			if r.Result != 0 {
				t.Errorf("item %d: result %d", i, r.Result)
			}
		}
		if d := m.Clock.Now().Sub(target); d < 0 || d > time.Second {
			t.Errorf("meter clock %v, want %v", m.Clock.Now(), target)
		}
	})
}

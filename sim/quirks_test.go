package sim_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/sim"
)

// readAll reads what a field engineer reads from a meter: the mode C
// readout, then over mode E the identity, clock, object list, registers,
// a day of load profile and the event logs. It reports the clock's raw
// date-time and the trailing bytes seen after it.
type readResult struct {
	readout  *iec62056.Readout
	clock    axdr.DateTime
	trailing int
	objects  int
	rows     int
	events   [4]int
}

var eventLogs = [4]cosem.OBIS{{0, 0, 99, 98, 0, 255}, {0, 0, 99, 98, 1, 255}, {0, 0, 99, 98, 4, 255}, {0, 0, 99, 98, 5, 255}}

func readAll(ctx context.Context, port iec62056.Port, opt iec62056.Options) (*readResult, error) {
	r := &readResult{}
	cl, err := iec62056.SignOn(ctx, port, opt)
	if err != nil {
		return nil, err
	}
	if r.readout, err = cl.ReadOut(ctx); err != nil {
		return nil, err
	}
	mode, err := cl.EnterModeE(ctx)
	if err != nil {
		return nil, err
	}
	link, err := hdlc.Dial(ctx, mode, hdlc.Config{ClientSAP: sim.SAPReader, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical,
		Params: hdlc.Params{MaxInfoTx: 512, MaxInfoRx: 512, WindowTx: 1, WindowRx: 1},
		Trace: func(dir hdlc.Direction, frame []byte) {
			// The clock's GET response: C4 01 iid 00 09 0C <12 bytes> then
			// whatever the meter adds.
			if i := bytes.Index(frame, []byte{0xC4, 0x01}); dir == hdlc.Rx && i > 0 && len(frame) > i+4 && frame[i+4] == 0x09 && frame[i+5] == 0x0C {
				r.trailing = len(frame) - (i + 6 + 12) - 3 // FCS and flag
			}
		}})
	if err != nil {
		return nil, err
	}
	defer link.Close(ctx)
	c, err := dlms.Associate(ctx, link, dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword})
	if err != nil {
		return nil, err
	}
	d, err := c.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassClock, Instance: sim.ClockOBIS, Attribute: 2}, nil)
	if err != nil {
		return nil, err
	}
	v, _, err := axdr.Decode(d)
	if err != nil {
		return nil, err
	}
	if r.clock, err = axdr.ParseDateTime(v.Bytes()); err != nil {
		return nil, err
	}
	list, err := c.ReadObjectList(ctx)
	if err != nil {
		return nil, err
	}
	r.objects = len(list)
	p, err := c.ReadProfile(ctx, sim.LoadProfileOBIS, testStart.Add(-24*time.Hour), testStart)
	if err != nil {
		return nil, err
	}
	r.rows = len(p.Rows)
	for i, ln := range eventLogs {
		p, err := c.ReadProfileEntries(ctx, ln, 1, 0)
		if err != nil {
			return nil, err
		}
		r.events[i] = len(p.Rows)
	}
	return r, c.Release(ctx)
}

func TestQuirksOneByOne(t *testing.T) {
	tests := []struct {
		name  string
		quirk sim.Quirk
		opt   iec62056.Options
		check func(t *testing.T, r *readResult)
	}{
		{name: "none"},
		{name: "ignore baud", quirk: sim.QuirkIgnoreBaud, opt: iec62056.Options{MaxBaud: 300}, check: func(t *testing.T, r *readResult) {
			if r.readout.Baud != 300 {
				t.Errorf("readout at %d Bd, want 300", r.readout.Baud)
			}
		}},
		{name: "inverted deviation", quirk: sim.QuirkInvertedDeviation, check: func(t *testing.T, r *readResult) {
			if r.clock.Deviation != 60 {
				t.Errorf("deviation = %d, want +60 (reversed BST)", r.clock.Deviation)
			}
		}},
		{name: "trailing bytes", quirk: sim.QuirkTrailingBytes, check: func(t *testing.T, r *readResult) {
			if r.trailing == 0 {
				t.Errorf("no trailing bytes after the clock value")
			}
		}},
		{name: "AARE without user-information", quirk: sim.QuirkAARENoUserInfo},
		{name: "slow reaction", quirk: sim.QuirkSlowReaction},
		{name: "IR echo", quirk: sim.QuirkIREcho, opt: iec62056.Options{Echo: true}},
		{name: "corrupt event log", quirk: sim.QuirkCorruptEventLog, check: func(t *testing.T, r *readResult) {
			if r.events[0] == 0 {
				t.Errorf("standard event log empty")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				q := sim.Quirks{}
				if tt.quirk != "" {
					q[tt.quirk] = true
				}
				m := newMeter(t, q)
				probe := optical(t, m, sim.LineConfig{Turnaround: 20 * time.Millisecond})
				r, err := readAll(context.Background(), probe, tt.opt)
				if err != nil {
					t.Fatalf("readAll with %s: %v", tt.quirk, err)
				}
				if r.objects < 25 || r.rows < 48 || len(r.readout.Records) < 10 {
					t.Errorf("read %d objects, %d rows, %d readout records", r.objects, r.rows, len(r.readout.Records))
				}
				if tt.check != nil {
					tt.check(t, r)
				}
			})
		})
	}
}

func TestQuirkAAREWithoutUserInfoOnWrongPassword(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, sim.Quirks{sim.QuirkAARENoUserInfo: true})
		probe := optical(t, m, sim.LineConfig{})
		ctx := context.Background()
		cl, err := iec62056.SignOn(ctx, probe, iec62056.Options{})
		if err != nil {
			t.Fatal(err)
		}
		port, err := cl.EnterModeE(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var aare []byte
		link, err := hdlc.Dial(ctx, port, hdlc.Config{ClientSAP: sim.SAPReader, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical,
			Trace: func(dir hdlc.Direction, frame []byte) {
				if f, err := hdlc.DecodeFrame(frame); err == nil && dir == hdlc.Rx && len(f.Info) > 3 && f.Info[3] == dlms.TagAARE {
					aare = append([]byte(nil), f.Info[3:]...)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = dlms.Associate(ctx, link, dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: []byte("wrong")})
		if !errors.Is(err, dlms.ErrAuthentication) {
			t.Errorf("Associate with a wrong password = %v, want ErrAuthentication", err)
		}
		a, derr := dlms.Decode(aare)
		if derr != nil {
			t.Fatalf("decode AARE %x: %v", aare, derr)
		}
		if r := a.(*dlms.AARE); r.UserInformation != nil || r.Result == 0 {
			t.Errorf("AARE = %+v, want a rejection without user-information", r)
		}
		_ = link.Close(ctx)
	})
}

func TestQuirkReboot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, sim.Quirks{sim.QuirkReboot: true})
		probe := optical(t, m, sim.LineConfig{})
		ctx := context.Background()
		if _, err := readAll(ctx, probe, iec62056.Options{}); err == nil {
			t.Fatalf("first session survived the reboot")
		}
		time.Sleep(5 * time.Second) // virtual: the meter boots
		r, err := readAll(ctx, probe, iec62056.Options{})
		if err != nil {
			t.Fatalf("after the reboot: %v", err)
		}
		if r.events[0] == 0 {
			t.Errorf("no standard events after a reboot")
		}
	})
}

func TestQuirksCombined(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q, err := sim.ParseQuirks("ir-echo,trailing-bytes,inverted-deviation,slow-reaction,corrupt-event-log")
		if err != nil {
			t.Fatal(err)
		}
		m := newMeter(t, q)
		probe := optical(t, m, sim.LineConfig{Turnaround: 20 * time.Millisecond})
		r, err := readAll(context.Background(), probe, iec62056.Options{Echo: true})
		if err != nil {
			t.Fatalf("readAll with %s: %v", q, err)
		}
		if r.trailing == 0 || r.clock.Deviation != 60 {
			t.Errorf("trailing %d, deviation %d", r.trailing, r.clock.Deviation)
		}
	})
}

func TestParseQuirks(t *testing.T) {
	q, err := sim.ParseQuirks("ir-echo, join-fail-4")
	if err != nil || !q.Has(sim.QuirkIREcho) || q.JoinFailure() != 4 {
		t.Errorf("ParseQuirks = %v, %v", q, err)
	}
	if _, err := sim.ParseQuirks("teleport"); !errors.Is(err, sim.ErrUnknownQuirk) {
		t.Errorf("ParseQuirks(teleport) = %v, want ErrUnknownQuirk", err)
	}
	if _, err := sim.ParseQuirks("join-fail-14"); err == nil {
		t.Errorf("join-fail-14 accepted")
	}
}

// TestQuirkNoModeE: a mode-C-only meter announces no "\2", still gives its
// readout, and does not answer an HDLC hand-over; it signs on again after.
func TestQuirkNoModeE(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, sim.Quirks{sim.QuirkNoModeE: true})
		probe := optical(t, m, sim.LineConfig{})
		ctx := context.Background()
		cl, err := iec62056.SignOn(ctx, probe, iec62056.Options{})
		if err != nil {
			t.Fatalf("SignOn: %v", err)
		}
		if id := cl.Identification(); id.ModeE() || id.Enhanced != "" {
			t.Errorf("identification = %+v, want no mode E capability", id)
		}
		if ro, err := cl.ReadOut(ctx); err != nil || len(ro.Records) < 10 {
			t.Fatalf("ReadOut: %v", err)
		}
		cl, err = iec62056.SignOn(ctx, probe, iec62056.Options{})
		if err != nil {
			t.Fatalf("second SignOn: %v", err)
		}
		port, err := cl.EnterModeE(ctx)
		if err != nil {
			t.Fatalf("EnterModeE: %v", err) // no confirmation is the common case: the failure shows in HDLC
		}
		dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if _, err := hdlc.Dial(dctx, port, hdlc.Config{ClientSAP: sim.SAPPublic, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical}); err == nil {
			t.Fatalf("HDLC answered a mode-C-only meter")
		}
		if _, err := iec62056.SignOn(ctx, probe, iec62056.Options{}); err != nil {
			t.Errorf("SignOn after the refused hand-over: %v", err)
		}
	})
}

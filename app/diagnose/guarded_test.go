package diagnose

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
)

func managementConfig(clock *sim.Clock) Config {
	return Config{Client: dlms.ClientConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
		Keys: dlms.Keys{EK: sim.DefaultEK, AK: sim.DefaultAK}, SystemTitle: []byte("SMKHHT01"), InvocationCounter: 1},
		Now: clock.Now}
}

func TestGuardedOperations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newMeter(t, nil)
		m.Clock.Shift(-3 * time.Minute) // the meter lost three minutes
		t0 := time.Now()
		laptop := func() time.Time { return testStart.Add(time.Since(t0)) }
		cfg := managementConfig(m.Clock)
		cfg.Now = laptop
		ctx, s := open(t, pipeConnector(t, m.Server(sim.SAPManagement)), cfg)

		p, err := s.PlanClockSet(ctx, laptop())
		if err != nil {
			t.Fatalf("PlanClockSet: %v", err)
		}
		if p.Before == p.After {
			t.Errorf("plan shows no change: %s", p.Summary())
		}
		if _, err := s.Execute(ctx, RoleViewer, nil, p); !errors.Is(err, ErrNotPermitted) {
			t.Errorf("Execute as viewer = %v, want ErrNotPermitted", err)
		}
		time.Sleep(10 * time.Second) // the engineer reads the plan; virtual time
		o, err := s.Execute(ctx, RoleInstaller, nil, p)
		if err != nil || !o.Verified {
			t.Fatalf("clock set: %+v, %v", o, err)
		}
		if d := m.Clock.Now().Sub(laptop()); d > time.Second || d < -time.Second {
			t.Errorf("meter clock off by %s after clock set", d)
		}

		p, err = s.PlanDisconnect(ctx)
		if err != nil {
			t.Fatalf("PlanDisconnect: %v", err)
		}
		var pe *PermissionError
		if _, err := s.Execute(ctx, RoleInstaller, nil, p); !errors.As(err, &pe) || pe.Op != OpDisconnect {
			t.Errorf("disconnect as installer = %v, want PermissionError", err)
		}
		if o, err := s.Execute(ctx, RoleSenior, nil, p); err != nil || !o.Verified || m.Connected() {
			t.Fatalf("disconnect: %+v, %v (meter connected %v)", o, err, m.Connected())
		}
		p, _ = s.PlanReconnect(ctx)
		if p.Before == "connected" {
			t.Errorf("reconnect plan before = %q", p.Before)
		}
		if o, err := s.Execute(ctx, RoleInstaller, nil, p); err != nil || !o.Verified || !m.Connected() {
			t.Fatalf("reconnect: %+v, %v", o, err)
		}
		if _, err := s.PlanFirmwareActivate(ctx); !errors.Is(err, ErrNotOffered) {
			t.Errorf("PlanFirmwareActivate on a meter without image transfer = %v, want ErrNotOffered", err)
		}
		// A bundle records the operations after the readout.
		b, err := NewBundle(Header{JobID: "J-1"}, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Append(KindOperation, o); err != nil || b.Verify() != nil {
			t.Errorf("operation entry: %v", err)
		}
	})
}

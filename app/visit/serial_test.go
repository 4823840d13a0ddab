package visit

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/sim"
)

// TestConnectHubSerial reaches the demo hub through its serial port on the
// line emulator at 9600 Bd (virtual time): WAN, whitelisting the meter,
// joining, and the device log showing it joined.
func TestConnectHubSerial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sc, err := sim.LoadScenario("demo")
		if err != nil {
			t.Fatal(err)
		}
		site, err := sim.NewSite(sc, time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), nil)
		if err != nil {
			t.Fatal(err)
		}
		probe, port := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
		done := make(chan error, 1)
		go func() { done <- site.Hub.ServeSerial(ctx, port) }()
		defer func() {
			cancel()
			probe.Close()
			<-done
		}()

		h, err := ConnectHub(ctx, Serial(probe, "line", 9600), HubConfig{Keys: keys()})
		if err != nil {
			t.Fatal(err)
		}
		wan, err := h.WAN(ctx)
		if err != nil || !wan.Registered {
			t.Errorf("WAN = %+v, %v; want registered", wan, err)
		}
		code := []byte("0123456789ABCDEF") // the 8.11 template's install code as bytes
		if err := h.WhitelistAdd(ctx, demoESME, code); err != nil {
			t.Fatal(err)
		}
		if err := h.EnableJoin(ctx, 90*time.Second); err != nil {
			t.Fatal(err)
		}
		log, err := h.DeviceLog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var joined bool
		for _, e := range log {
			joined = joined || (e.DeviceID == demoESME && e.Joined)
		}
		if !joined {
			t.Errorf("device log = %+v, want %s joined", log, demoESME)
		}
		off := NoWAN(h)
		if wan, err := off.WAN(ctx); err != nil || wan.Registered {
			t.Errorf("NoWAN(h).WAN = %+v, %v; want not registered", wan, err)
		}
		if h.InvocationCounter() <= 1 {
			t.Errorf("InvocationCounter = %d after ciphered requests, want above 1", h.InvocationCounter())
		}
		if err := h.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

func TestHubCounter(t *testing.T) {
	ctx := context.Background()
	v := openTemp(t)
	if n, err := v.HubCounter(ctx, "tcp:h:1"); err != nil || n != 1 {
		t.Fatalf("HubCounter before any = %d, %v; want 1", n, err)
	}
	if err := v.SaveHubCounter(ctx, "tcp:h:1", 42); err != nil {
		t.Fatal(err)
	}
	if n, err := v.HubCounter(ctx, "tcp:h:1"); err != nil || n != 42 {
		t.Errorf("HubCounter = %d, %v; want 42", n, err)
	}
	if n, _ := v.HubCounter(ctx, "tcp:other:1"); n != 1 {
		t.Errorf("HubCounter of another hub = %d, want 1", n)
	}
}

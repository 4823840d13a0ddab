package visit

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sim"
	"github.com/smetskit/smetskit/sync/api"
)

// Identities of the embedded "demo" scenario (sim/scenarios/demo.json): a
// hub with WAN and one electricity meter with the 8.11 template's install
// code.
const (
	demoCHF      = "00-DB-12-34-56-78-90-A2"
	demoESME     = "00-DB-12-34-56-78-90-A0"
	demoCode     = "30313233343536373839414243444546"
	demoMPAN     = "1200023456789"
	demoSupplier = "90-B3-D5-1F-30-01-00-00" // the DUIS templates' supplier
)

// serveDemo runs the demo site's hub on a loopback TCP port with the IEC
// 62056-47 wrapper and returns its address; quirks are added to the hub's.
func serveDemo(t *testing.T, quirks sim.Quirks) string {
	t.Helper()
	sc, err := sim.LoadScenario("demo")
	if err != nil {
		t.Fatal(err)
	}
	for q := range quirks {
		sc.Hub.Quirks = append(sc.Hub.Quirks, q)
	}
	site, err := sim.NewSite(sc, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				stop := context.AfterFunc(ctx, func() { c.Close() })
				defer stop()
				_ = site.Hub.ServeWrapper(ctx, c, nil)
			}()
		}
	}()
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// demoPull is what the inventory would send for an install at the demo site.
func demoPull() ([]api.Job, []api.Device) {
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	js := []api.Job{{JobID: "J-DEMO-1", SiteID: "S-DEMO-1", Kind: "install", Status: "assigned", Postcode: "AB1 2CD",
		Address: "1 Demo Street", MPxN: []string{demoMPAN}, ScheduledFor: at, UpdatedAt: at}}
	ds := []api.Device{
		{DeviceID: demoCHF, DeviceType: "CHF", DeviceStatus: "Pending", Manufacturer: "SMK", Model: "SIM-CH1", CPLStatus: "Active", SiteID: "S-DEMO-1", UpdatedAt: at},
		{DeviceID: demoESME, DeviceType: "ESME", DeviceStatus: "Pending", Manufacturer: "SMk", Model: "SIM-E1", CPLStatus: "Active", ImportMPxN: demoMPAN, SiteID: "S-DEMO-1", UpdatedAt: at},
		{DeviceID: "00-DB-12-34-56-78-90-FF", DeviceType: "ESME", DeviceStatus: "Commissioned", SiteID: "S-OTHER", UpdatedAt: at},
	}
	return js, ds
}

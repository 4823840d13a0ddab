package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
)

// serveReaderTCP serves a simulated device's LLS reader association over TCP
// with the IEC 62056-47 wrapper, one association per connection, and
// returns the address.
func serveReaderTCP(t *testing.T, model dlms.ObjectModel) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := dlms.NewServer(model, dlms.ServerConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword})
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
				_ = srv.Serve(ctx, dlms.NewWrapperConn(c, 1, 17))
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

// faultSite is the fault visit: a meter with a corrupted event log and a
// hub with a full device log (and no WAN), as the "faults" scenario has.
func faultSite(t *testing.T) (*sim.ESME, *sim.Hub) {
	t.Helper()
	sc, err := sim.LoadScenario("faults")
	if err != nil {
		t.Fatalf("LoadScenario: %v", err)
	}
	site, err := sim.NewSite(sc, time.Now(), nil)
	if err != nil {
		t.Fatalf("NewSite: %v", err)
	}
	if site.Hub == nil || len(site.Meters) == 0 {
		t.Fatalf("faults scenario has no hub or meter")
	}
	return site.Meters[0], site.Hub
}

func TestReadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"read"},
		{"read", "--tcp", "x:1", "--port", "/dev/null"},
		{"read", "--tcp", "x:1", "nonsense"},
		{"read", "--tcp", "x:1", "--format", "xml"},
		{"report"},
	} {
		if code, _, _ := smetsctl(t, args...); code != 2 {
			t.Errorf("smetsctl %v = %d, want 2", args, code)
		}
	}
}

// TestFaultVisit is the done-when scenario of issue 9: a meter with a
// corrupted event log and a hub with a full device log are diagnosed; the
// bundle, CSV and PDF are produced and the PDF renders.
func TestFaultVisit(t *testing.T) {
	m, h := faultSite(t)
	dir := t.TempDir()
	meterAddr := serveReaderTCP(t, m.Model(sim.LevelReader))
	hubAddr := serveReaderTCP(t, h.Model(sim.LevelReader))

	// Meter: table output, and an evidence bundle.
	mb := filepath.Join(dir, "meter.json")
	code, out, errOut := smetsctl(t, "read", "--tcp", meterAddr, "--password", "00000000", "--reversed-deviation",
		"--from", "6h", "--bundle", mb, "--engineer", "E-17", "--job", "J-2026-0042")
	if code != 0 {
		t.Fatalf("read meter = %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"== identity ==", "23110201", "== registers ==", "Wh", "== events ==", "corrupted", "== profile =="} {
		if !strings.Contains(out, want) {
			t.Errorf("meter readout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "profile 1-0:99.1.0*255") {
		t.Errorf("no progress on stderr: %q", errOut)
	}

	// Meter events as CSV.
	code, csvOut, errOut := smetsctl(t, "read", "--tcp", meterAddr, "--password", "00000000", "--format", "csv", "events")
	if code != 0 || !strings.HasPrefix(csvOut, "log,time,raw_time,code,name,corrupt,problem\n") || !strings.Contains(csvOut, ",65535,") {
		t.Errorf("events CSV = %d\n%s\n%s", code, csvOut, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "events.csv"), []byte(csvOut), 0o600); err != nil {
		t.Fatal(err)
	}

	// Hub: JSON with the full device log and no WAN.
	hb := filepath.Join(dir, "hub.json")
	code, jsonOut, errOut := smetsctl(t, "read", "--tcp", hubAddr, "--password", "00000000", "--format", "json", "--ntp", "127.0.0.1:1",
		"--bundle", hb, "--job", "J-2026-0042", "identity", "hub-log", "wan", "clock")
	if code != 0 {
		t.Fatalf("read hub = %d\n%s", code, errOut)
	}
	var r diagnose.Readout
	if err := json.Unmarshal([]byte(jsonOut), &r); err != nil {
		t.Fatalf("hub JSON: %v", err)
	}
	if !strings.Contains(errOut, "no NTP reference") {
		t.Errorf("unreachable NTP server not reported: %q", errOut)
	}
	if r.HubLog == nil || !r.HubLog.Full || r.WAN == nil || r.Device.Kind != "hub" {
		t.Errorf("hub readout = %+v", r)
	}

	// Reports: both bundles render; pdftoppm checks the meter's.
	for _, b := range []string{mb, hb} {
		pdf := strings.TrimSuffix(b, ".json") + ".pdf"
		code, out, errOut := smetsctl(t, "report", "--bundle", b, "--pdf", pdf)
		if code != 0 || !strings.Contains(out, "evidence ") {
			t.Fatalf("report %s = %d\n%s%s", b, code, out, errOut)
		}
	}
	renders(t, filepath.Join(dir, "meter.pdf"))

	// Tampering shows: the report exits 1 and says so.
	data, _ := os.ReadFile(mb)
	tampered := filepath.Join(dir, "tampered.json")
	if err := os.WriteFile(tampered, []byte(strings.Replace(string(data), "E-17", "E-18", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = smetsctl(t, "report", "--bundle", tampered, "--pdf", filepath.Join(dir, "tampered.pdf"))
	if code != 1 || !strings.Contains(errOut, "evidence entry 0") {
		t.Errorf("report of a tampered bundle = %d, %q; want 1 and the broken entry", code, errOut)
	}
}

// renders checks the PDF with pdftoppm (poppler-utils): skipped with a
// message where it is absent, a failure when CI=true.
func renders(t *testing.T, pdf string) {
	t.Helper()
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pdftoppm not found: CI must install poppler-utils")
		}
		t.Logf("pdftoppm not found (install poppler-utils): render check of %s skipped", pdf)
		return
	}
	out := strings.TrimSuffix(pdf, ".pdf")
	if msg, err := exec.Command(bin, "-png", "-r", "30", "-f", "1", "-l", "1", pdf, out).CombinedOutput(); err != nil || len(strings.TrimSpace(string(msg))) > 0 {
		t.Fatalf("pdftoppm: %v\n%s", err, msg)
	}
	if m, _ := filepath.Glob(out + "*.png"); len(m) == 0 {
		t.Fatalf("pdftoppm wrote no page")
	}
}

// TestReadOpticalPort runs 'smetsctl read --port' through the line
// emulator in virtual time: sign-on at 300 Bd with the IR echo, mode E,
// HDLC, LLS.
func TestReadOpticalPort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, err := sim.NewESME(sim.ESMEConfig{Identity: sim.Identity{Flag: "SMK", Serial: "23110201", DeviceID: "00-DB-12-34-56-78-92-A0"},
			Quirks: sim.Quirks{sim.QuirkIREcho: true, sim.QuirkCorruptEventLog: true}})
		if err != nil {
			t.Fatal(err)
		}
		probe, port := sim.NewLine(sim.LineConfig{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.ServeOptical(ctx, port) }()
		defer func() {
			cancel()
			probe.Close()
			<-done
		}()
		old := openSerial
		openSerial = func(name string, _ serialMode) (serialPort, error) {
			if name != "/dev/ttySIM" {
				return nil, errors.New("no such port")
			}
			return probe, nil
		}
		defer func() { openSerial = old }()
		code, out, errOut := smetsctl(t, "read", "--port", "/dev/ttySIM", "--echo", "--password", "00000000", "identity", "events")
		if code != 0 || !strings.Contains(out, "23110201") || !strings.Contains(out, "corrupted") {
			t.Errorf("read --port = %d\n%s\n%s", code, out, errOut)
		}
	})
}

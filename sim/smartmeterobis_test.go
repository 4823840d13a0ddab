//go:build linux || darwin

package sim_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sim"
)

// smoScript reads one mode C readout with the npm package smartmeter-obis
// (D0Protocol over SerialRequestResponseTransport, which opens the port
// with the serialport package) and prints the OBIS values as JSON.
const smoScript = `const SmartmeterObis = require('smartmeter-obis');
const opts = {
  protocol: 'D0Protocol', transport: 'SerialRequestResponseTransport',
  transportSerialPort: process.argv[2], transportSerialBaudrate: 300,
  protocolD0WakeupCharacters: 0, protocolD0DeviceAddress: '', requestInterval: 0,
  obisNameLanguage: 'en', obisFallbackMedium: 1,
};
let transport;
function done(err, obisResult) {
  if (err) { console.error('ERROR ' + err.message); process.exit(2); }
  const out = {};
  for (const id in obisResult) {
    out[id] = obisResult[id].values.map(v => ({ value: String(v.value), unit: v.unit }));
  }
  console.log(JSON.stringify(out));
  transport.stop(() => process.exit(0));
}
transport = SmartmeterObis.init(opts, done);
transport.process();
setTimeout(() => { console.error('ERROR no readout within 60 s'); process.exit(3); }, 60000);
`

// smartmeterObis installs smartmeter-obis and serialport once into the
// user's cache folder and returns the folder holding the read script.
func smartmeterObis(t *testing.T) string {
	t.Helper()
	npm, err := exec.LookPath("npm")
	if err == nil {
		_, err = exec.LookPath("node")
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs node and npm for the smartmeter-obis interoperability test: %v", err)
		}
		t.Skipf("skipping the smartmeter-obis interoperability test: node/npm not found (%v); CI runs it", err)
	}
	if testing.Short() {
		t.Skip("skipping the smartmeter-obis interoperability test in -short mode")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "smetskit", "npm-smartmeter-obis")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "smartmeter-obis", "package.json")); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--prefix", dir, "smartmeter-obis@4.0.0", "serialport").CombinedOutput()
		if err != nil {
			t.Fatalf("npm install smartmeter-obis serialport: %v\n%s", err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "read.js"), []byte(smoScript), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSmartmeterObisReadsModeC has a public IEC 62056-21 client, the npm
// package smartmeter-obis, read the simulated meter's mode C readout over
// a pseudo-terminal, in real time.
func TestSmartmeterObisReadsModeC(t *testing.T) {
	dir := smartmeterObis(t)
	p, err := sim.OpenPTY("")
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer p.Close()
	m, err := sim.NewESME(sim.ESMEConfig{Identity: sim.Identity{Flag: "SMk", Model: "SIM-E1", Serial: "23110007", DeviceID: "00-DB-12-34-56-78-90-A0"}, SolarWh: 6000})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- m.ServeOptical(ctx, p) }()

	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "read.js"), p.SlavePath())
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("smartmeter-obis: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("run node: %v", err)
	}
	var got map[string][]struct{ Value, Unit string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("smartmeter-obis output %q: %v", out, err)
	}
	imp := got["1-0:1.8.0"]
	if len(imp) != 1 || imp[0].Unit != "kWh" {
		t.Fatalf("1-0:1.8.0 = %+v in %s", imp, out)
	}
	kwh, err := strconv.ParseFloat(imp[0].Value, 64)
	want := float64(m.Totals().Import) / 1000
	if err != nil || kwh > want || want-kwh > 0.5 {
		t.Errorf("smartmeter-obis read %v kWh, register now %.3f kWh", imp[0].Value, want)
	}
	if s := got["1-0:0.0.0"]; len(s) != 1 || s[0].Value != "23110007" {
		t.Errorf("1-0:0.0.0 = %+v", s)
	}
	if len(got) < 12 {
		t.Errorf("smartmeter-obis read %d values, want the whole readout: %s", len(got), out)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("ServeOptical: %v", err)
	}
}

package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/sim"
)

// startSim runs `smetsctl sim args...` in the background and returns the
// lines it prints as they come, and a stop function that cancels it and
// returns its exit code.
func startSim(t *testing.T, args ...string) (<-chan string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errb strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: pw, stderr: &errb}, append([]string{"sim"}, args...))
		pw.Close()
	}()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // a test that stopped reading: drop
			}
		}
		close(lines)
	}()
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Logf("stderr: %s", errb.String())
			}
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("smetsctl sim did not stop")
			return -1
		}
	}
	return lines, stop
}

// waitLine returns the first line matching re, within 10 s.
func waitLine(t *testing.T, lines <-chan string, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before a line matching %s", re)
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("no line matching %s", re)
		}
	}
}

func TestSimMeterTCP(t *testing.T) {
	lines, stop := startSim(t, "meter", "--tcp", "127.0.0.1:0", "--quirks", "trailing-bytes", "--trace")
	m := waitLine(t, lines, regexp.MustCompile(`^meter .* listening on tcp (\S+)$`))
	c, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatalf("dial %s: %v", m[1], err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := iec62056.SignOn(ctx, sim.ConnPort{Conn: c}, iec62056.Options{})
	if err != nil {
		t.Fatalf("SignOn over TCP: %v", err)
	}
	ro, err := cl.ReadOut(ctx)
	if err != nil {
		t.Fatalf("ReadOut over TCP: %v", err)
	}
	if _, ok := ro.Lookup("1.8.0"); !ok {
		t.Errorf("readout without 1.8.0: %+v", ro.Records)
	}
	waitLine(t, lines, regexp.MustCompile(`meter1 rx 2f3f210d0a  "/\?!\\r\\n"`))
	c.Close()
	if code := stop(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

func TestSimSitePTY(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no pseudo-terminals")
	}
	base := filepath.Join(t.TempDir(), "site")
	lines, stop := startSim(t, "site", "--pty", base, "--scenario", "training")
	waitLine(t, lines, regexp.MustCompile(`^hub .* listening on `))
	waitLine(t, lines, regexp.MustCompile(`^meter .*23110101.* listening on /dev/\S+ \(link (\S+)\)$`))
	port, err := serial.Open(base+"-meter1", serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity})
	if err != nil {
		t.Fatalf("open %s-meter1: %v", base, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := iec62056.SignOn(ctx, port, iec62056.Options{})
	if err != nil {
		t.Fatalf("SignOn over the pty: %v", err)
	}
	if _, err := cl.ReadOut(ctx); err != nil {
		t.Fatalf("ReadOut over the pty: %v", err)
	}
	port.Close()
	if code := stop(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

func TestSimUsage(t *testing.T) {
	for _, args := range [][]string{{"sim"}, {"sim", "toaster"}, {"sim", "meter", "--quirks", "teleport"}, {"sim", "meter", "--pty", "x", "--tcp", ":0"}} {
		if code, _, _ := smetsctl(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, _ := smetsctl(t, "sim", "meter", "--scenario", filepath.Join(t.TempDir(), "none.json")); code != 1 {
		t.Errorf("missing scenario: exit %d, want 1", code)
	}
}

func TestSimHubWrapper(t *testing.T) {
	lines, stop := startSim(t, "hub", "--tcp", ":0", "--wrapper", "--trace")
	m := waitLine(t, lines, regexp.MustCompile(`^hub .*wrapper frames listening on tcp (\S+)$`))
	c, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := dlms.Associate(ctx, dlms.NewWrapperConn(c, sim.SAPPublic, 1), dlms.ClientConfig{})
	if err != nil {
		t.Fatalf("Associate over the wrapper: %v", err)
	}
	if _, err := cl.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassData, Instance: cosem.OBIS{0, 0, 42, 0, 0, 255}, Attribute: 2}, nil); err != nil {
		t.Errorf("GET LDN: %v", err)
	}
	waitLine(t, lines, regexp.MustCompile(`hub +tx 0001000100100.* wrapper AARE`))
	_ = cl.Release(ctx)
	c.Close()
	if code := stop(); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

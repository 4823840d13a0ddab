package commission

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sim"
)

// tcpPort is a TCP connection as the simulator's serial port: line speed
// changes mean nothing on TCP.
type tcpPort struct{ net.Conn }

func (tcpPort) SetLine(int, string) error { return nil }

// serveHub runs a simulated hub without WAN, with its two meters, on a TCP
// listener in this process until the test ends, so it outlives the child
// processes that talk to it, as a real hub outlives a crashed app. Each
// connection is one HDLC session.
func serveHub(t *testing.T) string {
	t.Helper()
	h, err := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: chfID}, Start: testStart, Quirks: sim.Quirks{sim.QuirkNoWAN: true}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := sim.NewESME(sim.ESMEConfig{Identity: sim.Identity{Flag: "SMK", Model: "SIM-E1", Serial: "23110000", DeviceID: esmeID}, Start: testStart})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AttachMeter(m); err != nil {
		t.Fatal(err)
	}
	g, err := sim.NewGSME(sim.GSMEConfig{Identity: sim.Identity{Flag: "SMK", Model: "SIM-G1", DeviceID: gsmeID, InstallCode: code}, Start: testStart})
	if err != nil {
		t.Fatal(err)
	}
	h.AttachGSME(g)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = h.ServeSerial(ctx, tcpPort{c})
			}()
		}
	}()
	t.Cleanup(func() {
		cancel()
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// runCrashable runs the crash plan (scenario 2 with local delivery) on the
// database at path against the hub at addr. With killAt > 0 the process
// kills itself with SIGKILL at the killAt-th commit point (inside an item's
// transaction just before it commits, or just after). ic is the DLMS
// invocation counter to start the association with (it must grow from one
// association to the next).
func runCrashable(t *testing.T, path, addr string, ic uint32, killAt int) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := openDB(t, path)
	defer db.Close()
	e := newEngine(t, db)
	n := 0
	e.hook = func(point, step, item string) {
		n++
		if n == killAt {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	link, err := hdlc.Dial(ctx, conn, hdlc.Config{ClientSAP: sim.SAPManagement, ServerLogical: 1, ServerPhysical: sim.HDLCPhysical})
	if err != nil {
		return fmt.Errorf("hdlc dial: %w", err)
	}
	defer link.Close(ctx)
	c, err := dlms.Associate(ctx, link, dlms.ClientConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
		Keys: dlms.Keys{EK: sim.DefaultEK, AK: sim.DefaultAK}, SystemTitle: []byte("SMKHHT01"), InvocationCounter: ic})
	if err != nil {
		return fmt.Errorf("associate: %w", err)
	}
	defer c.Release(ctx)
	p := noWANPlanWithCommands(t, "J-CRASH")
	if err := e.Start(ctx, p); err != nil {
		return err
	}
	return e.Run(ctx, p.JobID, &DLMSHub{C: c})
}

// TestCrashChild is the child of TestCrashResume; it does nothing in a
// normal test run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv("SMETSKIT_COMMISSION_CRASH_DB")
	if path == "" {
		t.Skip("child of TestCrashResume")
	}
	at, _ := strconv.Atoi(os.Getenv("SMETSKIT_COMMISSION_CRASH_AT"))
	if err := runCrashable(t, path, os.Getenv("SMETSKIT_COMMISSION_CRASH_HUB"), 1, at); err != nil {
		t.Fatal(err)
	}
}

// Scenario 3: a process SIGKILLed at a random commit point of scenario 2,
// then resumed against the same hub, ends with the same queue as an
// uninterrupted run: the same requests in the same order, none twice,
// Request ID counters strictly increasing, and the run done.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ref := filepath.Join(t.TempDir(), "ref.db")
	if err := runCrashable(t, ref, serveHub(t), 1, 0); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, ref)
	want := variants(outboxOf(t, db, "J-CRASH"))
	var points int
	db.Reader().QueryRow(`SELECT sum(attempts) FROM commission_items WHERE job_id = 'J-CRASH'`).Scan(&points)
	points *= 2 // a kill point before and after each commit
	db.Close()
	trials := 4
	if os.Getenv("SMETSKIT_MEASURE") == "1" {
		trials = 40
	}
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 1))
	for trial := range trials {
		killAt := 1 + r.IntN(points)
		t.Run(fmt.Sprintf("kill-at-%d", killAt), func(t *testing.T) {
			t.Parallel()
			addr := serveHub(t)
			path := filepath.Join(t.TempDir(), "app.db")
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "SMETSKIT_COMMISSION_CRASH_DB="+path, "SMETSKIT_COMMISSION_CRASH_AT="+strconv.Itoa(killAt),
				"SMETSKIT_COMMISSION_CRASH_HUB="+addr)
			out, err := cmd.CombinedOutput()
			killed := false
			if ee, ok := err.(*exec.ExitError); ok {
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
					killed = true
				}
			}
			if err != nil && !killed {
				t.Fatalf("child (seed %d, trial %d): %v\n%s", seed, trial, err, out)
			}
			if !killed {
				t.Errorf("child finished before commit point %d of %d", killAt, points)
			}
			err = runCrashable(t, path, addr, 1<<20, 0)
			var se *StepError
			lost := errors.As(err, &se) && se.Reason == ReasonDeliveryLost
			if err != nil && !lost {
				t.Fatalf("resume after kill at %d (seed %d): %v", killAt, seed, err)
			}
			db := openDB(t, path)
			defer db.Close()
			qs := outboxOf(t, db, "J-CRASH")
			got := variants(qs)
			if lost {
				// Killed after the hub answered a local command and before
				// its answer was stored: the one window that cannot be
				// closed. The run stops there, with what came before queued
				// once.
				t.Logf("kill at %d lost a local-delivery response: %v", killAt, err)
				if !slices.Equal(got, want[:len(got)]) {
					t.Errorf("after kill at %d (seed %d) queued:\n%q\nwant a prefix of\n%q", killAt, seed, got, want)
				}
				return
			}
			if !slices.Equal(got, want) {
				t.Errorf("after kill at %d (seed %d) queued:\n%q\nwant\n%q", killAt, seed, got, want)
			}
			var last uint64
			for _, q := range qs {
				if q.RequestID == "" {
					continue
				}
				c, err := strconv.ParseUint(q.RequestID[strings.LastIndex(q.RequestID, ":")+1:], 10, 64)
				if err != nil {
					t.Fatalf("request ID %s: %v", q.RequestID, err)
				}
				if c <= last {
					t.Errorf("counter %d after %d: not increasing", c, last)
				}
				last = c
			}
			e := newEngine(t, db)
			st, err := e.Status(context.Background(), "J-CRASH")
			if err != nil || st.Status != StateDone {
				t.Errorf("status = %+v, %v", st, err)
			}
		})
	}
}

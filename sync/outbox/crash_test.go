package outbox_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/outbox"
)

// The crash test re-runs this test binary as a child that queues and
// "pushes" in a loop, kills it with SIGKILL at random instants, and checks
// after every kill that nothing the child reported as committed was lost or
// duplicated, that domain rows and messages committed together, and that the
// per-job order held. The child reports on stdout, one line per fact, after
// the fact is durable:
//
//	C <key> $   message and domain row committed
//	A <key> $   message acknowledged
const (
	crashDBEnv  = "SMETSKIT_OUTBOX_CRASH_DB"
	crashRunEnv = "SMETSKIT_OUTBOX_CRASH_RUN"
	crashVis    = 100 * time.Millisecond
)

func crashOptions(clock outbox.Clock) store.Options {
	return store.Options{Outbox: outbox.Options{
		Clock:       clock,
		Visibility:  crashVis,
		Backoff:     outbox.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond},
		MaxAttempts: 1 << 20,
	}}
}

// crashChild is the body of the child process. It never returns: the parent
// kills it.
func crashChild(dbPath, run string) {
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath, crashOptions(nil))
	if err != nil {
		fmt.Fprintf(os.Stderr, "child: %v\n", err)
		os.Exit(3)
	}
	ob := db.Outbox()
	if err := db.InTx(ctx, func(tx *sql.Tx) error { return createCrashDomain(ctx, tx) }); err != nil {
		fmt.Fprintf(os.Stderr, "child: %v\n", err)
		os.Exit(3)
	}
	report := func(kind, key string) { os.Stdout.WriteString(kind + " " + key + " $\n") }
	report("R", run)
	for i := 0; ; i++ {
		key := "r" + run + "-" + strconv.Itoa(i)
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO crash_domain(key) VALUES (?)`, key); err != nil {
				return err
			}
			_, err := ob.SendTx(ctx, tx, outbox.Message{JobID: "job-" + strconv.Itoa(rand.IntN(4)), Kind: "job-update",
				IdempotencyKey: key, Payload: []byte(key)})
			return err
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "child: send %s: %v\n", key, err)
			os.Exit(4)
		}
		report("C", key)
		ms, err := ob.Receive(ctx, 3)
		if err != nil {
			fmt.Fprintf(os.Stderr, "child: receive: %v\n", err)
			os.Exit(5)
		}
		for _, m := range ms {
			switch rand.IntN(4) {
			case 0: // the "server" is unreachable
				err = ob.Nack(ctx, m.ID, errors.New("no coverage"), true)
			case 1: // the push hangs: leave the lease to expire
			default:
				if err = ob.Ack(ctx, m.ID, nil); err == nil {
					report("A", m.IdempotencyKey)
				}
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "child: settle %d: %v\n", m.ID, err)
				os.Exit(6)
			}
		}
	}
}

func TestCrashRecovery(t *testing.T) {
	if p := os.Getenv(crashDBEnv); p != "" {
		crashChild(p, os.Getenv(crashRunEnv))
		return
	}
	t.Parallel()
	// Up to 200 kills in 15 s. Under -race every child start costs about a
	// second, so CI's race run kills fewer; the plain run does the full
	// count (go test -run TestCrashRecovery ./sync/outbox).
	kills, budget, least := 200, 15*time.Second, 10
	if raceEnabled || testing.Short() {
		kills, budget, least = 200, 4*time.Second, 3
	}
	ctx := context.Background()
	// The first child creates the file, so early kills can land inside the
	// migrations too.
	dbPath := filepath.Join(t.TempDir(), "crash.db")

	committed := map[string]bool{}
	acked := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	runs := 0
	// Past the budget, keep going (up to three budgets) until the children
	// have acknowledged something: on a loaded machine a child may be
	// killed before it gets going.
	for runs < kills && (time.Since(start) < budget || len(acked) < 3 && time.Since(start) < 3*budget) {
		runs++
		// Every third kill counts from the process start (it may land in
		// start-up, Open or the migrations); the others from the moment
		// the child reports it is queueing.
		fromStart := runs%3 == 1
		delay := time.Duration(rng.IntN(40)) * time.Millisecond
		if raceEnabled {
			delay *= 3
		}
		crashOnce(t, dbPath, runs, fromStart, delay, committed, acked)
		checkCrashInvariants(t, dbPath, committed, acked)
		if t.Failed() {
			t.Fatalf("invariants broken after kill %d", runs)
		}
	}
	if runs < least {
		t.Fatalf("only %d kills in %v", runs, budget)
	}
	if len(committed) == 0 || len(acked) == 0 {
		t.Fatalf("the child committed %d and acknowledged %d messages; the test exercised nothing", len(committed), len(acked))
	}

	// Recovery: past the visibility timeout every unfinished message comes
	// back, each exactly once per round, in job order, until all are applied.
	clock := newClock()
	clock.now = time.Now().Add(time.Hour)
	db, err := store.Open(ctx, dbPath, crashOptions(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ob := db.Outbox()
	for rounds := 0; ; rounds++ {
		ms, err := ob.Receive(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			break
		}
		if rounds > 10000 {
			t.Fatal("the queue does not drain")
		}
		for _, m := range ms {
			if err := ob.Ack(ctx, m.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := ob.Messages(ctx, outbox.Filter{Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.State != outbox.Applied {
			t.Errorf("message %s is %s after draining", m.IdempotencyKey, m.State)
		}
	}
	t.Logf("%d kills in %v: %d messages committed (%d reported), %d acknowledged before a kill",
		runs, time.Since(start).Round(time.Millisecond), len(all), len(committed), len(acked))
}

func createCrashDomain(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS crash_domain (key TEXT PRIMARY KEY) STRICT`)
	return err
}

// crashOnce runs one child, kills it with SIGKILL delay after it starts
// (fromStart) or after it reports it is queueing, and collects what it
// reported.
func crashOnce(t *testing.T, dbPath string, run int, fromStart bool, delay time.Duration, committed, acked map[string]bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashRecovery$")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+dbPath, crashRunEnv+"="+strconv.Itoa(run))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	kill := func() { cmd.Process.Kill() } // SIGKILL on Unix
	if fromStart {
		time.AfterFunc(delay, kill)
	}
	// A child that never reports is killed too, and fails the check below
	// through its stderr.
	watchdog := time.AfterFunc(20*time.Second, kill)
	defer watchdog.Stop()
	for line := range lines {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "$" { // a line cut by the kill
			continue
		}
		switch f[0] {
		case "R":
			if !fromStart {
				time.AfterFunc(delay, kill)
			}
		case "C":
			committed[f[1]] = true
		case "A":
			acked[f[1]] = true
		}
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != -1 {
		t.Fatalf("child %d ended with %v, want killed by a signal\n%s", run, err, stderr.String())
	}
}

// checkCrashInvariants opens the file as the app would after a crash and
// checks it against what the child reported.
func checkCrashInvariants(t *testing.T, dbPath string, committed, acked map[string]bool) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath, crashOptions(nil))
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()
	// The child may have died before creating its table.
	if err := db.InTx(ctx, func(tx *sql.Tx) error { return createCrashDomain(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
	all, err := db.Outbox().Messages(ctx, outbox.Filter{Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]outbox.Message{}
	jobs := map[string][]outbox.Message{}
	for _, m := range all {
		if _, dup := byKey[m.IdempotencyKey]; dup {
			t.Errorf("key %s stored twice", m.IdempotencyKey)
		}
		byKey[m.IdempotencyKey] = m
		jobs[m.JobID] = append(jobs[m.JobID], m)
		if string(m.Payload) != m.IdempotencyKey {
			t.Errorf("message %s has payload %q", m.IdempotencyKey, m.Payload)
		}
	}
	for k := range committed {
		m, ok := byKey[k]
		switch {
		case !ok:
			t.Errorf("message %s was reported committed and is lost", k)
		case acked[k] && m.State != outbox.Applied:
			t.Errorf("message %s was acknowledged and is %s", k, m.State)
		case m.State != outbox.Pending && m.State != outbox.InFlight && m.State != outbox.Applied:
			t.Errorf("message %s is %s", k, m.State)
		}
	}
	// The domain rows and the messages committed together.
	var domain, orphans int
	db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM crash_domain`).Scan(&domain)
	db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM crash_domain d
		WHERE NOT EXISTS (SELECT 1 FROM outbox_messages m WHERE m.idempotency_key = d.key)`).Scan(&orphans)
	if domain != len(all) || orphans != 0 {
		t.Errorf("%d domain rows (%d without a message) for %d messages", domain, orphans, len(all))
	}
	// Per job: applied messages, then at most one in flight, then pending.
	for job, ms := range jobs {
		phase := 0 // 0 applied run, 1 after the head
		for _, m := range ms {
			switch {
			case m.State == outbox.Applied && phase == 0:
			case phase == 0 && (m.State == outbox.InFlight || m.State == outbox.Pending):
				phase = 1
			case phase == 1 && m.State == outbox.Pending:
			default:
				t.Errorf("job %s: message %s is %s out of order", job, m.IdempotencyKey, m.State)
			}
		}
	}
}

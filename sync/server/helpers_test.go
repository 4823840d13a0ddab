package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
)

// Test identities re-typed as facts from DOMAIN.md §2 and §6.2: the test
// supplier, devices 00-DB-12-34-56-78-90-Ax, the 8.11 template install
// code. Sites beyond the first use the same prefix with other last bytes.
const (
	supplier = "90-B3-D5-1F-30-01-00-00"
	esme     = "00-DB-12-34-56-78-90-A0"
	gsme     = "00-DB-12-34-56-78-90-A1"
	chf      = "00-DB-12-34-56-78-90-A2"
	gpf      = "00-DB-12-34-56-78-90-A3"
	ppmid    = "00-DB-12-34-56-78-90-A4"
	ihd      = "00-DB-12-34-56-78-90-A5"
	code     = "30313233343536373839414243444546"
	mpan     = "1312345678111"
)

// fakeClock is an injectable clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t      testing.TB
	srv    *Server
	ts     *httptest.Server
	clock  *fakeClock
	tokens map[string]string // name → token
	logs   *lockedBuffer
	mu     sync.Mutex
	next   map[string]uint64 // originator → next counter
}

// backends runs fn against SQLite and PostgreSQL: the same suite for both.
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, newEnv(t, filepath.Join(t.TempDir(), "inventory.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, newEnv(t, postgresDSN(t)))
	})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func newEnv(tb testing.TB, dsn string) *env {
	tb.Helper()
	ctx := context.Background()
	db, err := OpenDB(ctx, dsn)
	if err != nil {
		tb.Fatalf("OpenDB: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	sealer, err := inventory.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	logs := &lockedBuffer{}
	srv, err := New(Config{DB: db, Sealer: sealer, Now: clock.Now, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		MaxDocumentBytes: 64 << 10})
	if err != nil {
		tb.Fatal(err)
	}
	e := &env{t: tb, srv: srv, clock: clock, tokens: map[string]string{}, next: map[string]uint64{}}
	e.ts = httptest.NewServer(srv.Handler())
	tb.Cleanup(e.ts.Close)
	for _, u := range []struct {
		name string
		role Role
	}{{"admin", RoleAdmin}, {"office", RoleBackOffice}, {"alice", RoleInstaller}, {"bob", RoleInstaller}} {
		tok, err := srv.CreateToken(ctx, "setup", u.name, u.role)
		if err != nil {
			tb.Fatal(err)
		}
		e.tokens[u.name] = tok
	}
	e.logs = logs
	return e
}

// counter returns the next counter for an originator.
func (e *env) counter(orig string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.next[orig] += 10
	return strconv.FormatUint(1000+e.next[orig], 10)
}

// build makes a DUIS request; fields follow duis.Build. The counter is
// allocated unless given.
func (e *env) build(variant string, fields map[string]string) []byte {
	e.t.Helper()
	f := map[string]string{"originator": supplier}
	for k, v := range fields {
		f[k] = v
	}
	if _, ok := f["counter"]; !ok {
		f["counter"] = e.counter(f["originator"])
	}
	req, err := duis.Build(variant, f)
	if err != nil {
		e.t.Fatalf("Build(%s, %v): %v", variant, f, err)
	}
	if ps := req.Validate().Errors(); len(ps) > 0 {
		e.t.Fatalf("Build(%s) is invalid: %v", variant, ps)
	}
	b, err := req.Marshal()
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

type reply struct {
	status   int
	code     string // X-Duis-Response-Code
	outcome  string
	dup      bool
	body     []byte
	response *duis.Response
}

func (e *env) do(method, path, who string, body []byte, hdr map[string]string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if who != "" {
		tok, ok := e.tokens[who]
		if !ok {
			tok = who // a raw (bad) token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, code: resp.Header.Get("X-Duis-Response-Code"), outcome: resp.Header.Get("X-Smetskit-Outcome-Code"),
		dup: resp.Header.Get("X-Smetskit-Duplicate") == "true", body: b}
	if r.status == 200 && r.code != "" {
		if r.response, err = duis.ParseResponse(b); err != nil {
			e.t.Fatalf("response is not DUIS: %v\n%s", err, b)
		}
	}
	return r
}

// send posts a DUIS request as who, for job (may be "").
func (e *env) send(who, job string, doc []byte) reply {
	e.t.Helper()
	h := map[string]string{"Content-Type": "application/xml"}
	if job != "" {
		h["X-Smetskit-Job"] = job
	}
	return e.do("POST", "/v1/requests", who, doc, h)
}

func (e *env) mustCode(r reply, want string) {
	e.t.Helper()
	if r.status != 200 || r.outcome != want {
		e.t.Fatalf("status %d, outcome %q (sync %q), want 200 and %q: %s", r.status, r.outcome, r.code, want, r.body)
	}
}

func (e *env) device(id string) *inventory.Device {
	e.t.Helper()
	eui, _ := duis.ParseEUI64(id)
	d, err := e.srv.Device(context.Background(), eui)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *env) status(id string) duis.DeviceStatus {
	e.t.Helper()
	d := e.device(id)
	if d == nil {
		return "(absent)"
	}
	return d.Status
}

func (e *env) job(id, installer string, devices ...string) {
	e.t.Helper()
	b, _ := json.Marshal(Job{ID: id, Installer: installer, Site: "site " + id, Postcode: "AB1 2CD", Devices: devices})
	if r := e.do("POST", "/v1/jobs", "office", b, nil); r.status != http.StatusNoContent {
		e.t.Fatalf("create job: %d %s", r.status, r.body)
	}
}

// snapshot is every row that a refused request must leave unchanged;
// smiSnapshot leaves out the request log and counters, which a request
// refused by a rule (answered with an E code) does advance so that its
// replay gets the same answer.
func (e *env) snapshot() string {
	return e.dump("SELECT request_id FROM requests ORDER BY request_id",
		"SELECT originator, last_counter FROM originators ORDER BY originator") + e.smiSnapshot()
}

func (e *env) smiSnapshot() string {
	return e.dump("SELECT "+deviceColumns+" FROM devices ORDER BY device_id",
		"SELECT device_id, from_status, to_status, rule_id FROM status_history ORDER BY id",
		"SELECT count(*) FROM audit", "SELECT count(*) FROM job_devices")
}

func (e *env) dump(queries ...string) string {
	e.t.Helper()
	ctx := context.Background()
	var b bytes.Buffer
	for _, q := range queries {
		rows, err := e.srv.db.query(ctx, q)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

// checkInvariants: every stored transition is legal under the rules, and
// no request had its effect twice.
func (e *env) checkInvariants() {
	e.t.Helper()
	hist, err := e.srv.History(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range hist {
		if !e.srv.rules.Legal(c) {
			e.t.Errorf("illegal stored transition %+v", c)
		}
		k := c.RequestID + "|" + c.Device.String()
		if seen[k] {
			e.t.Errorf("request %s changed %s twice", c.RequestID, c.Device)
		}
		seen[k] = true
	}
	// Every device's current status is the To of its last history row.
	last := map[duis.EUI64]inventory.StatusChange{}
	for _, c := range hist {
		last[c.Device] = c
	}
	for id, c := range last {
		d, err := e.srv.Device(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		got := inventory.StatusDeleted
		if d != nil {
			got = d.Status
		}
		if got != c.To {
			e.t.Errorf("device %s status %q, history ends at %q", id, got, c.To)
		}
	}
}

// push sends one DUIS request through POST /v1/push as who, naming
// installer in the batch.
func (e *env) push(who, installer, job, key string, doc []byte) reply {
	e.t.Helper()
	return e.pushAt(who, installer, job, key, doc, time.Time{})
}

func (e *env) pushAt(who, installer, job, key string, doc []byte, at time.Time) reply {
	e.t.Helper()
	req, err := duis.Parse(doc)
	if err != nil {
		e.t.Fatal(err)
	}
	if at.IsZero() {
		at = e.clock.Now()
	}
	b, _ := json.Marshal(api.PushRequest{InstallerID: installer, Messages: []api.PushMessage{{IdempotencyKey: key, JobID: job,
		Kind: api.KindDUISRequest, CreatedAt: at,
		ServiceRequest: &api.ServiceRequest{ServiceReferenceVariant: req.Header.ServiceReferenceVariant, XML: string(doc)}}}})
	return e.do("POST", "/v1/push", who, b, nil)
}

// reset empties the SMI, the request log and jobs (tokens stay), so one
// database serves many independent cases.
func (e *env) reset() {
	e.t.Helper()
	err := e.srv.db.InTx(context.Background(), func(tx *Tx) error {
		for _, table := range []string{"devices", "status_history", "requests", "originators", "job_devices", "jobs", "messages", "readings", "removals", "audit"} {
			if _, err := tx.exec(context.Background(), "DELETE FROM "+table); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

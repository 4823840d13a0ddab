package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
	"github.com/smetskit/smetskit/sync/server"
)

// Test identities re-typed as facts from DOMAIN.md §2 and §6.2: the test
// supplier's EUI-64 prefix, devices in the 00-DB-12-34-56-78 test range and
// the 8.11 template install code. The MPAN is a 13-digit test number.
const (
	originator  = "90-B3-D5-1F-30-01-00-00"
	installCode = "30313233343536373839414243444546"
	mpan        = "1312345678111"
)

// siteDevices returns the CHF, GPF, ESME and GSME of test site i.
func siteDevices(i int) (chf, gpf, esme, gsme string) {
	f := func(r int) string { return fmt.Sprintf("00-DB-12-34-56-%02X-%02X-%02X", 0x80+i/256, i%256, r) }
	return f(0), f(1), f(2), f(3)
}

// inventoryEnv is the real inventory service on SQLite behind an HTTPS test
// server, with a front that notes what reaches it and can be told to
// misbehave.
type inventoryEnv struct {
	t      testing.TB
	srv    *server.Server
	ts     *httptest.Server
	tokens map[string]string

	mu      sync.Mutex
	faults  []fault    // answered in turn, one per request, before the real service
	pushed  [][]string // keys of each push batch that reached the service
	pulls   []string   // cursors asked for
	counter map[string]uint64
	closing chan struct{} // closed before the server closes: hanging handlers return
	stub    bool          // answer every pushed message "applied" without the service
	puts    map[int]int   // answers to blob PUTs, by status
}

// statusRecorder notes the status a handler answers with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

type fault int

const (
	faultNone         fault = iota
	fault500                // 500 with a problem
	faultGarbage            // 200 with a body that is not JSON
	faultHang               // no answer until the client gives up
	faultApplyThen500       // apply the batch, then lose the answer (a 502)
	faultTruncated          // 200 with half of the real answer
)

func newInventory(tb testing.TB) *inventoryEnv {
	tb.Helper()
	return newInventoryIn(tb, tb.TempDir())
}

// memDir is a temporary directory on tmpfs when there is one (else
// t.TempDir): the files are real SQLite databases, but a commit's fsync
// costs nothing. For tests about process crashes, which leave the page
// cache intact, and for measuring the code rather than the disk.
func memDir(tb testing.TB) string {
	tb.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		if d, err := os.MkdirTemp("/dev/shm", "smetskit-client-"); err == nil {
			tb.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	return tb.TempDir()
}

func newInventoryIn(tb testing.TB, dir string) *inventoryEnv {
	tb.Helper()
	ctx := context.Background()
	db, err := server.OpenDB(ctx, filepath.Join(dir, "inventory.db"))
	if err != nil {
		tb.Fatalf("OpenDB: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	sealer, err := inventory.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := server.New(server.Config{DB: db, Sealer: sealer, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	e := &inventoryEnv{t: tb, srv: srv, tokens: map[string]string{}, counter: map[string]uint64{}, closing: make(chan struct{})}
	for _, u := range []struct {
		name string
		role server.Role
	}{{"office", server.RoleBackOffice}, {"alice", server.RoleInstaller}} {
		tok, err := srv.CreateToken(ctx, "setup", u.name, u.role)
		if err != nil {
			tb.Fatal(err)
		}
		e.tokens[u.name] = tok
	}
	e.ts = httptest.NewTLSServer(e.handler(srv.Handler()))
	tb.Cleanup(e.ts.Close)
	tb.Cleanup(func() { close(e.closing) }) // runs first
	return e
}

func (e *inventoryEnv) fail(fs ...fault) {
	e.mu.Lock()
	e.faults = append(e.faults, fs...)
	e.mu.Unlock()
}

func (e *inventoryEnv) nextFault() fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.faults) == 0 {
		return faultNone
	}
	f := e.faults[0]
	e.faults = e.faults[1:]
	return f
}

func (e *inventoryEnv) handler(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := e.nextFault()
		switch f {
		case fault500:
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"title":"internal error","status":500}`)
			return
		case faultGarbage:
			io.WriteString(w, "<html>captive portal</html>")
			return
		case faultHang:
			select {
			case <-r.Context().Done():
			case <-e.closing:
			}
			return
		}
		switch {
		case r.Method == http.MethodPost && r.URL.Path == api.PathPush:
			e.push(w, r, inner, f)
		case r.Method == http.MethodGet && r.URL.Path == api.PathChanges:
			e.mu.Lock()
			e.pulls = append(e.pulls, r.URL.Query().Get("cursor"))
			e.mu.Unlock()
			inner.ServeHTTP(w, r)
		case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/v1/blobs/"):
			rec := &statusRecorder{ResponseWriter: w}
			inner.ServeHTTP(rec, r)
			e.mu.Lock()
			if e.puts == nil {
				e.puts = map[int]int{}
			}
			e.puts[rec.status]++
			e.mu.Unlock()
		default:
			inner.ServeHTTP(w, r)
		}
	})
}

// push runs a push through the service, noting the keys of the batch, and
// loses or cuts the answer when told to.
func (e *inventoryEnv) push(w http.ResponseWriter, r *http.Request, inner http.Handler, f fault) {
	body, err := io.ReadAll(io.LimitReader(r.Body, api.MaxPushBytes+1))
	if err != nil {
		return
	}
	if req, err := api.DecodePushRequest(bytes.NewReader(body)); err == nil {
		var keys []string
		for _, m := range req.Messages {
			keys = append(keys, m.IdempotencyKey)
		}
		e.mu.Lock()
		e.pushed = append(e.pushed, keys)
		e.mu.Unlock()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if e.stub {
		req, err := api.DecodePushRequest(bytes.NewReader(body))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var resp api.PushResponse
		for _, m := range req.Messages {
			resp.Results = append(resp.Results, api.PushResult{IdempotencyKey: m.IdempotencyKey, Status: api.StatusApplied, ResponseCode: "I0"})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
		return
	}
	if f == faultNone {
		inner.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	inner.ServeHTTP(rec, r)
	switch f {
	case faultApplyThen500:
		w.WriteHeader(http.StatusBadGateway)
	case faultTruncated:
		w.Header().Set("Content-Type", "application/json")
		b := rec.Body.Bytes()
		w.Write(b[:len(b)/2])
	}
}

// build makes a DUIS request from fields (duis.Build), with the next
// counter of its originator unless fields name one.
func (e *inventoryEnv) build(variant string, fields map[string]string) []byte {
	e.t.Helper()
	f := map[string]string{"originator": originator}
	for k, v := range fields {
		f[k] = v
	}
	if _, ok := f["counter"]; !ok {
		e.mu.Lock()
		e.counter[f["originator"]] += 10
		f["counter"] = strconv.FormatUint(1000+e.counter[f["originator"]], 10)
		e.mu.Unlock()
	}
	return buildSR(e.t, variant, f)
}

func buildSR(tb testing.TB, variant string, f map[string]string) []byte {
	tb.Helper()
	req, err := duis.Build(variant, f)
	if err != nil {
		tb.Fatalf("Build(%s, %v): %v", variant, f, err)
	}
	if ps := req.Validate().Errors(); len(ps) > 0 {
		tb.Fatalf("Build(%s) is invalid: %v", variant, ps)
	}
	b, err := req.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// prenotify loads site i as the back office would before the visit
// (DOMAIN.md §7 step 1) and gives job to installer with the site's devices.
func (e *inventoryEnv) prenotify(i int, job, installer string) {
	e.t.Helper()
	ctx := context.Background()
	chf, gpf, esme, gsme := siteDevices(i)
	office := server.Principal{Name: "office", Role: server.RoleBackOffice}
	orig := fmt.Sprintf("90-B3-D5-1F-30-01-02-%02X", i%256)
	for _, f := range []map[string]string{
		{"DeviceID": chf, "DeviceType": "CHF", "AssociatedGPFDeviceID": gpf},
		{"DeviceID": esme, "DeviceType": "ESME"},
		{"DeviceID": gsme, "DeviceType": "GSME"},
	} {
		f["originator"], f["DeviceManufacturer"], f["DeviceModel"] = orig, "AB01", "010A030B"
		out, err := e.srv.Submit(ctx, server.Submission{Document: e.build("12.2", f), Principal: office})
		if err != nil || out.OutcomeCode != "I0" {
			e.t.Fatalf("prenotify site %d: %v %+v", i, err, out)
		}
	}
	if err := e.srv.CreateJob(ctx, "office", server.Job{ID: job, Installer: installer, Site: "site-" + job, Postcode: "SW1A 1AA", Devices: []string{chf, gpf, esme, gsme}}); err != nil {
		e.t.Fatal(err)
	}
}

// siteFlow is the install flow of site i as the tablet queues it: 8.14.1,
// two 8.11 joins, two 8.1.1 clock syncs (each applied), then an 8.14.2 on
// the commissioned CHF, which the rules refuse with E5.
func (e *inventoryEnv) siteFlow(i int) [][]byte {
	chf, _, esme, gsme := siteDevices(i)
	return [][]byte{
		e.build("8.14.1", map[string]string{"DeviceID": chf, "CHFInstallType": "New CHF Install", "MPxN": mpan, "AerialInstall": "false", "CHFLocation": "Deep indoors"}),
		e.build("8.11", map[string]string{"target": chf, "DeviceID": esme, "RequestType": "Add", "JoinTimePeriod": "90", "InstallCode": installCode}),
		e.build("8.11", map[string]string{"target": chf, "DeviceID": gsme, "RequestType": "Add", "JoinTimePeriod": "90", "InstallCode": installCode}),
		e.build("8.1.1", map[string]string{"target": esme, "CurrentDateTime": "2026-11-28T10:00:00Z", "TolerancePeriod": "60"}),
		e.build("8.1.1", map[string]string{"target": gsme, "CurrentDateTime": "2026-11-28T10:00:00Z", "TolerancePeriod": "3600"}),
		e.build("8.14.2", map[string]string{"DeviceID": chf, "CHFInstallType": "CHF Install - no SM WAN", "MPxN": mpan,
			"AerialInstall": "false", "CHFLocation": "Deep indoors", "PremiseType": "Terraced", "MetalObstructionCheck": "false",
			"ConnectivityObstructionCheck": "false", "SharedObstructionCheck": "false"}),
	}
}

func (e *inventoryEnv) status(id string) string {
	e.t.Helper()
	eui, err := duis.ParseEUI64(id)
	if err != nil {
		e.t.Fatal(err)
	}
	d, err := e.srv.Device(context.Background(), eui)
	if err != nil {
		e.t.Fatal(err)
	}
	if d == nil {
		return "(absent)"
	}
	return string(d.Status)
}

// tablet is the app side: its SQLite store with the outbox, an applier and
// a client talking to the inventory.
type tablet struct {
	t       testing.TB
	db      *store.DB
	ob      *outbox.Outbox
	applier *SQLApplier
	c       *Client
}

type tabletOptions struct {
	who     string
	applier Applier // nil: the SQLApplier on the tablet's store
	cfg     func(*Config)
	outbox  outbox.Options
	path    string
}

func newTablet(tb testing.TB, inv *inventoryEnv, o tabletOptions) *tablet {
	tb.Helper()
	ctx := context.Background()
	if o.path == "" {
		o.path = filepath.Join(tb.TempDir(), "tablet.db")
	}
	if o.outbox.Backoff.Base == 0 {
		o.outbox.Backoff = outbox.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond, Jitter: 0.5}
	}
	db, err := store.Open(ctx, o.path, store.Options{Outbox: o.outbox})
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	tab := &tablet{t: tb, db: db, ob: db.Outbox(), applier: &SQLApplier{DB: db}}
	if err := tab.applier.CreateTables(ctx); err != nil {
		tb.Fatal(err)
	}
	var ap Applier = tab.applier
	if o.applier != nil {
		ap = o.applier
	}
	if o.who == "" {
		o.who = "alice"
	}
	cfg := Config{BaseURL: inv.ts.URL, Token: inv.tokens[o.who], InstallerID: o.who, HTTPClient: inv.ts.Client(),
		Outbox: tab.ob, Applier: ap, Backoff: outbox.Backoff{Base: time.Millisecond, Max: 20 * time.Millisecond, Jitter: 0.5},
		RequestTimeout: 5 * time.Second}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	tab.c, err = New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return tab
}

// queue saves messages for job as the app does: domain write and outbox in
// one transaction. It returns their ids.
func (tab *tablet) queue(job string, parent int64, docs ...[]byte) []int64 {
	tab.t.Helper()
	var ids []int64
	err := tab.db.InTx(context.Background(), func(tx *sql.Tx) error {
		for _, d := range docs {
			id, err := tab.ob.SendTx(context.Background(), tx, outbox.Message{JobID: job, ParentID: parent, Kind: api.KindDUISRequest, Payload: d})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		tab.t.Fatal(err)
	}
	return ids
}

func (tab *tablet) msg(id int64) outbox.Message {
	tab.t.Helper()
	m, err := tab.ob.Get(context.Background(), id)
	if err != nil {
		tab.t.Fatal(err)
	}
	return m
}

func (tab *tablet) outcome(id int64) api.PushResult {
	tab.t.Helper()
	var r api.PushResult
	m := tab.msg(id)
	if err := json.Unmarshal(m.Outcome, &r); err != nil {
		tab.t.Fatalf("outcome of %d (%s): %v: %s", id, m.State, err, m.Outcome)
	}
	return r
}

// syncUntil runs SyncOnce until cond holds, at most n rounds; message
// backoffs in tests are a few milliseconds, so it waits for the next due
// message between rounds on a timer, never on a fixed sleep.
func (tab *tablet) syncUntil(n int, cond func() bool) {
	tab.t.Helper()
	ctx := context.Background()
	for range n {
		tab.c.SyncOnce(ctx)
		if cond() {
			return
		}
		if next, ok, _ := tab.ob.NextReady(ctx); ok {
			<-time.After(time.Until(next))
		}
	}
	ms, _ := tab.ob.Messages(ctx, outbox.Filter{})
	for _, m := range ms {
		tab.t.Logf("message %d job %s: %s attempts %d %q %.300s", m.ID, m.JobID, m.State, m.Attempts, m.LastError, m.Outcome)
	}
	tab.t.Fatalf("condition not met after %d sync rounds; progress %+v", n, tab.c.Progress())
}

func jobWith(id, installer string, devices ...string) server.Job {
	return server.Job{ID: id, Installer: installer, Site: "site-" + id, Postcode: "SW1A 1AA", Devices: devices}
}

func tlsConfig(pool *x509.CertPool) *tls.Config { return &tls.Config{RootCAs: pool} }

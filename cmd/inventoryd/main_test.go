package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/server"
)

func TestTokenAndReport(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "inv.db")
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"migrate", "--db", db}, &out, &errb); err != nil {
		t.Fatalf("migrate: %v %s", err, errb.String())
	}
	if err := run(ctx, []string{"token", "--db", db, "--name", "alice", "--role", "installer"}, &out, &errb); err != nil {
		t.Fatalf("token: %v", err)
	}
	if tok := strings.TrimSpace(out.String()); !strings.HasPrefix(tok, "smk_") {
		t.Errorf("token output %q", tok)
	}
	if err := run(ctx, []string{"token", "--db", db, "--name", "x", "--role", "king"}, &out, &errb); err == nil {
		t.Errorf("token with an unknown role succeeded")
	}
	out.Reset()
	if err := run(ctx, []string{"report", "--db", db, "--from", "2026-01-01", "--to", "2027-01-01"}, &out, &errb); err != nil {
		t.Fatalf("report: %v", err)
	}
	if !strings.Contains(out.String(), "variant") {
		t.Errorf("report output %q", out.String())
	}
	if err := run(ctx, []string{"report", "--db", db, "--from", "yesterday"}, &out, &errb); err == nil {
		t.Errorf("report with a bad date succeeded")
	}
	if err := run(ctx, []string{"frobnicate"}, &out, &errb); err == nil {
		t.Errorf("unknown command succeeded")
	}
}

func TestServeSelfSigned(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := filepath.Join(t.TempDir(), "inv.db")
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--bootstrap-admin", "root"}, pw, io.Discard)
		pw.Close()
	}()
	lines := make(chan string, 8)
	go func() {
		s := bufio.NewScanner(pr)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	var url, tok string
	deadline := time.After(20 * time.Second)
	for url == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve stopped: %v", <-done)
			}
			if _, a, ok := strings.Cut(l, "listening on "); ok {
				url, _, _ = strings.Cut(a, " ")
			}
			if _, a, ok := strings.Cut(l, "admin token for root: "); ok {
				tok = a
			}
		case <-deadline:
			t.Fatal("serve did not start")
		}
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 10 * time.Second}
	resp, err := c.Get(url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(url, "https://") {
		t.Errorf("serves %s, want TLS", url)
	}
	req, _ := http.NewRequest("GET", url+"/v1/audit", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("audit with the bootstrap token: %v %v", err, resp)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	go io.Copy(io.Discard, pr)
}

func TestRulesAndCPLFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "inv.db")
	rules := filepath.Join(dir, "rules.json")
	cpl := filepath.Join(dir, "cpl.json")
	os.WriteFile(rules, []byte(`{"transitions":[{"id":"T16","trigger":"8.4 DeleteDevice","disabled":true}]}`), 0o600)
	os.WriteFile(cpl, []byte(`[{"deviceType":"ESME","manufacturer":"AB01","model":"010A030B","firmwareVersion":"0002012F","status":"Active"}]`), 0o600)
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"token", "--db", db, "--rules", rules, "--cpl", cpl, "--name", "a", "--role", "admin"}, &out, &errb); err != nil {
		t.Fatalf("with rules and CPL: %v", err)
	}
	os.WriteFile(rules, []byte(`{"transitions":[{"id":"T16","trigger":"8.4 DeleteDevice","devices":["TOASTER"],"from":["Pending"],"to":"(deleted)"}]}`), 0o600)
	if err := run(ctx, []string{"token", "--db", db, "--rules", rules, "--name", "b", "--role", "admin"}, &out, &errb); err == nil {
		t.Errorf("a rules file with an unknown device type loaded")
	}
	if err := run(ctx, []string{"token", "--db", "postgres://nobody@127.0.0.1:1/x", "--name", "b"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "sealing key") {
		t.Errorf("PostgreSQL without a sealing key: %v", err)
	}
}

func TestCoverageImport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "inv.db")
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`[{"postcode":"AB1 2CD","cspRegion":"North","coverage":"yes"},{"postcode":"EF3 4GH","coverage":"no"}]`), 0o600)
	os.WriteFile(bad, []byte(`[{"postcode":"AB1 2CD","coverage":"no"},{"postcode":"EF3 4GH","coverage":"maybe"}]`), 0o600)
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"coverage", "import", "--db", db, good}, &out, &errb); err != nil {
		t.Fatalf("import: %v %s", err, errb.String())
	}
	if got := strings.TrimSpace(out.String()); got != "2 rows, 2 changed" {
		t.Errorf("import output %q", got)
	}
	if err := run(ctx, []string{"coverage", "import", "--db", db, bad}, &out, &errb); err == nil || !strings.Contains(err.Error(), "maybe") && !strings.Contains(err.Error(), "coverage must be") {
		t.Errorf("bad file: %v", err)
	}
	// The refused file changed nothing: the good file again changes nothing.
	out.Reset()
	if err := run(ctx, []string{"coverage", "import", "--db", db, good}, &out, &errb); err != nil || strings.TrimSpace(out.String()) != "2 rows, 0 changed" {
		t.Errorf("re-import after a refused file: %v %q", err, out.String())
	}
	for _, args := range [][]string{{"coverage"}, {"coverage", "export"}, {"coverage", "import", "--db", db}, {"coverage", "import", "--db", db, filepath.Join(dir, "absent.json")}} {
		if err := run(ctx, args, &out, &errb); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
}

func TestSealKeyCommand(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "inv.db")
	var a, b, errb bytes.Buffer
	if err := run(ctx, []string{"seal-key", "--db", db}, &a, &errb); err != nil {
		t.Fatalf("seal-key: %v %s", err, errb.String())
	}
	if err := run(ctx, []string{"seal-key", "--db", db}, &b, &errb); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() || !strings.Contains(a.String(), "X25519-HKDF-SHA256-AES256GCM") {
		t.Errorf("seal-key twice:\n%s\n%s", a.String(), b.String())
	}
	b.Reset()
	if err := run(ctx, []string{"seal-key", "--db", db, "--json"}, &b, &errb); err != nil || !strings.Contains(b.String(), `"publicKey"`) {
		t.Errorf("seal-key --json: %v %s", err, b.String())
	}
}

func TestInstallCodeCommand(t *testing.T) {
	ctx := context.Background()
	dbPath := filepath.Join(t.TempDir(), "inv.db")
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"migrate", "--db", dbPath}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	// Put a device with an install code into the SMI through the service,
	// with the sealing key inventoryd made beside the database.
	c := commonFlags(newFlags("t", io.Discard))
	*c.db = dbPath
	srv, db, err := openQuiet(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	office := server.Principal{Name: "office", Role: server.RoleBackOffice}
	// DOMAIN.md §2 identities; the 8.11 template install code (§6.2).
	const dev, code = "00-DB-12-34-56-78-90-A0", "30313233343536373839414243444546"
	req, err := duis.Build("12.2", map[string]string{"originator": "90-B3-D5-1F-30-01-00-00", "counter": "1000",
		"DeviceID": dev, "DeviceManufacturer": "AB01", "DeviceModel": "010A030B", "DeviceType": "ESME"})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := req.Marshal()
	if out, err := srv.Submit(ctx, server.Submission{Document: doc, Principal: office}); err != nil || out.OutcomeCode != "I0" {
		t.Fatalf("12.2: %v %v", out, err)
	}
	res := srv.Push(ctx, office, &api.PushRequest{InstallerID: "office", Messages: []api.PushMessage{{IdempotencyKey: "ev", JobID: "j",
		Kind: api.KindEvidence, CreatedAt: time.Now(), Body: []byte(`{"devices":[{"id":"` + dev + `","installCode":"` + code + `"}]}`)}}})
	if res.Results[0].Status != api.StatusApplied {
		t.Fatalf("evidence: %+v", res.Results[0])
	}
	db.Close()
	out.Reset()
	if err := run(ctx, []string{"install-code", "--db", dbPath, "--device", dev, "--actor", "jo"}, &out, &errb); err != nil {
		t.Fatalf("install-code: %v", err)
	}
	if got := strings.TrimSpace(out.String()); got != code {
		t.Errorf("install-code printed %q", got)
	}
	if err := run(ctx, []string{"install-code", "--db", dbPath, "--device", dev}, &out, &errb); err == nil {
		t.Error("install-code without --actor succeeded")
	}
	if err := run(ctx, []string{"install-code", "--db", dbPath, "--device", "00-DB-12-34-56-78-90-A9", "--actor", "jo"}, &out, &errb); err == nil {
		t.Error("install-code of an unknown device succeeded")
	}
}

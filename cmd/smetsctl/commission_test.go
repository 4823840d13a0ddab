package main

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/visit"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
)

// Identities of the embedded "demo" scenario (sim/scenarios/demo.json) that
// `smetsctl sim hub` serves: its hub and the meter on its HAN, with the
// 8.11 template's install code.
const (
	demoCHF  = "00-DB-12-34-56-78-90-A2"
	demoESME = "00-DB-12-34-56-78-90-A0"
	demoCode = "30313233343536373839414243444546"
	demoMPAN = "1200023456789"
)

// writeDemoPull writes a pull response with an install job at the demo
// site and returns its path.
func writeDemoPull(t *testing.T, dir string) string {
	t.Helper()
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	pr := api.PullResponse{Cursor: "c1",
		Jobs: []api.Job{{JobID: "J-DEMO-1", SiteID: "S-DEMO-1", Kind: "install", Status: "assigned", Postcode: "AB1 2CD",
			Address: "1 Demo Street", MPxN: []string{demoMPAN}, ScheduledFor: at, UpdatedAt: at}},
		Devices: []api.Device{
			{DeviceID: demoCHF, DeviceType: "CHF", DeviceStatus: "Pending", Manufacturer: "SMK", Model: "SIM-CH1", CPLStatus: "Active", SiteID: "S-DEMO-1", UpdatedAt: at},
			{DeviceID: demoESME, DeviceType: "ESME", DeviceStatus: "Pending", Manufacturer: "SMk", Model: "SIM-E1", CPLStatus: "Active", ImportMPxN: demoMPAN, SiteID: "S-DEMO-1", UpdatedAt: at},
		}}
	b, err := json.Marshal(pr)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "pull.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// startDemoHub runs `smetsctl sim hub --tcp :0 --wrapper` and returns the
// hub's address.
func startDemoHub(t *testing.T) string {
	t.Helper()
	lines, stop := startSim(t, "hub", "--tcp", "127.0.0.1:0", "--wrapper")
	t.Cleanup(func() {
		if code := stop(); code != 0 {
			t.Errorf("sim exit code %d", code)
		}
	})
	m := waitLine(t, lines, regexp.MustCompile(`^hub .*wrapper frames listening on tcp (\S+)$`))
	return m[1]
}

// mustRun runs a command line and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := smetsctl(t, args...)
	if code != 0 {
		t.Fatalf("smetsctl %s = %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// queuedOf lists the job's outbox messages: kind, and the variant of DUIS
// requests.
func queuedOf(t *testing.T, dataDir, job string) []string {
	t.Helper()
	v, err := visit.Open(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	rows, err := v.DB.Reader().Query(`SELECT kind, payload FROM outbox_messages WHERE job_id = ? ORDER BY id`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var kind string
		var payload []byte
		if err := rows.Scan(&kind, &payload); err != nil {
			t.Fatal(err)
		}
		if kind == "duis-request" {
			req, err := duis.Parse(payload)
			if err != nil {
				t.Fatal(err)
			}
			kind += " " + req.Header.ServiceReferenceVariant
		}
		out = append(out, kind)
	}
	return out
}

// TestCommissionScripted is the whole visit from the command line: import a
// job for the demo site, list it, start it, commission it against the
// simulated hub with an answers file, and show its progress.
func TestCommissionScripted(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addr := startDemoHub(t)

	if out := mustRun(t, "job", "list", "--data", data); !strings.Contains(out, "no jobs") {
		t.Errorf("job list on an empty store = %q", out)
	}
	mustRun(t, "job", "import", writeDemoPull(t, dir), "--data", data)
	out := mustRun(t, "job", "--data", data, "list")
	if !regexp.MustCompile(`J-DEMO-1\s+install\s+assigned\s+2026-11-28 09:00\s+AB1 2CD\s+-`).MatchString(out) {
		t.Errorf("job list =\n%s", out)
	}
	if out := mustRun(t, "job", "start", "J-DEMO-1", "--data", data); !strings.Contains(out, "started") {
		t.Errorf("job start = %q", out)
	}

	answers := filepath.Join(dir, "answers.json")
	ans := `{"answers": {"CHFConnectionMethod": "Hot-shoe", "CHFLocation": "Indoors on external wall", "AerialInstall": "false"},
		"installCodes": {"` + demoESME + `": "` + demoCode + `"}, "coverage": "yes"}`
	if err := os.WriteFile(answers, []byte(ans), 0o600); err != nil {
		t.Fatal(err)
	}
	out = mustRun(t, "commission", "--data", data, "--job", "J-DEMO-1", "--answers", answers, "--hub", "tcp:"+addr)
	if !strings.Contains(out, "commissioning done; 8 messages queued") {
		t.Errorf("commission output:\n%s", out)
	}
	want := []string{"duis-request 8.14.1", "duis-request 8.11", "duis-request 8.1.1", "duis-request 8.9", "duis-request 8.9", "duis-request 11.2", "evidence", "job-update"}
	if got := queuedOf(t, data, "J-DEMO-1"); !slices.Equal(got, want) {
		t.Errorf("queued %q, want %q", got, want)
	}

	out = mustRun(t, "job", "show", "J-DEMO-1", "--data", data)
	for _, s := range []string{`Job J-DEMO-1 \(install\), done`, "ESME   " + demoESME, `Commissioning \(install\): done 16/16 steps`, `done +ch-status +8\.14\.1`, `skipped +follow-up`, `ended 20\d\d-`} {
		if !regexp.MustCompile(s).MatchString(out) {
			t.Errorf("job show lacks %q:\n%s", s, out)
		}
	}
	if out := mustRun(t, "job", "list", "--data", data); !strings.Contains(out, "done 16/16 steps") {
		t.Errorf("job list after the run =\n%s", out)
	}
	// Running again resumes a finished run: nothing new is queued.
	mustRun(t, "commission", "--data", data, "--job", "J-DEMO-1", "--answers", answers, "--hub", "tcp:"+addr)
	if got := queuedOf(t, data, "J-DEMO-1"); len(got) != len(want) {
		t.Errorf("after a second run %d messages, want %d", len(got), len(want))
	}
}

// TestCommissionPromptsOffline answers the prompts through a pipe on stdin
// and takes the install-and-leave branch.
func TestCommissionPromptsOffline(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addr := startDemoHub(t)
	// The pull carries the inventory service's sealing key: the install
	// code in the evidence is sealed to it.
	pull := writeDemoPull(t, dir)
	b, err := os.ReadFile(pull)
	if err != nil {
		t.Fatal(err)
	}
	var pulled api.PullResponse
	if err := json.Unmarshal(b, &pulled); err != nil {
		t.Fatal(err)
	}
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := api.NewSealKey(priv.PublicKey().Bytes())
	pulled.SealKey = &key
	if b, err = json.Marshal(pulled); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pull, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "job", "import", pull, "--data", data); !strings.Contains(out, "sealing key "+key.KeyID) {
		t.Errorf("job import did not keep the sealing key:\n%s", out)
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	old := stdin
	stdin = pr
	t.Cleanup(func() { stdin = old })
	go func() {
		defer pw.Close()
		// The install code, the hub fitting, then the site survey.
		fmt.Fprintf(pw, "%s\nHot-shoe\nIndoors on external wall\nfalse\nTerraced\nfalse\ntrue\nfalse\n", demoCode)
	}()
	out := mustRun(t, "commission", "--data", data, "--job", "J-DEMO-1", "--offline", "--hub", "tcp:"+addr)
	for _, s := range []string{"Install code of ESME " + demoESME, "CHFLocation?", "PremiseType?", "commissioning done; 6 messages queued"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	want := []string{"duis-request 8.14.2", "duis-request 8.11", "duis-request 8.4", "evidence", "job-update", "job-update"}
	if got := queuedOf(t, data, "J-DEMO-1"); !slices.Equal(got, want) {
		t.Errorf("queued %q, want %q", got, want)
	}
	evidence := payloadOf(t, data, "J-DEMO-1", "evidence")
	if strings.Contains(strings.ToUpper(evidence), strings.ToUpper(demoCode)) || !strings.Contains(evidence, "sealedInstallCode") {
		t.Errorf("install code not sealed in the evidence: %s", evidence)
	}
	var ev struct {
		Devices []struct {
			DeviceID string `json:"id"`
			Sealed   string `json:"sealedInstallCode"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(evidence), &ev); err != nil {
		t.Fatal(err)
	}
	opened := false
	for _, d := range ev.Devices {
		if d.Sealed == "" {
			continue
		}
		code, err := api.OpenSealed(priv, d.DeviceID, d.Sealed)
		if err != nil {
			t.Errorf("open the sealed code of %s: %v", d.DeviceID, err)
			continue
		}
		opened = strings.EqualFold(fmt.Sprintf("%X", code), demoCode) || strings.EqualFold(string(code), demoCode)
	}
	if !opened {
		t.Errorf("no device in the evidence carries the demo code sealed to the imported key: %s", evidence)
	}
}

// payloadOf returns the payload of the first queued message of kind for job.
func payloadOf(t *testing.T, dataDir, job, kind string) string {
	t.Helper()
	v, err := visit.Open(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var payload []byte
	if err := v.DB.Reader().QueryRow(`SELECT payload FROM outbox_messages WHERE job_id = ? AND kind = ? ORDER BY id LIMIT 1`, job, kind).Scan(&payload); err != nil {
		t.Fatalf("queued %s of %s: %v", kind, job, err)
	}
	return string(payload)
}

func TestCommissionUsageAndMissingAnswers(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, _ := smetsctl(t, "commission", "--data", data); code != 2 {
		t.Errorf("commission without --job = %d, want 2", code)
	}
	if code, _, _ := smetsctl(t, "commission", "--data", data, "--job", "J", "--hub", "udp:x"); code != 2 {
		t.Errorf("commission --hub udp:x = %d, want 2", code)
	}
	if code, _, _ := smetsctl(t, "job", "--data", data, "frob"); code != 2 {
		t.Errorf("job frob = %d, want 2", code)
	}
	mustRun(t, "job", "import", writeDemoPull(t, dir), "--data", data)
	answers := filepath.Join(dir, "answers.json")
	if err := os.WriteFile(answers, []byte(`{"installCodes": {"`+demoESME+`": "`+demoCode+`"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// No hub and no answers: the run stops at the first question, saying which.
	code, _, errOut := smetsctl(t, "commission", "--data", data, "--job", "J-DEMO-1", "--answers", answers)
	if code != 1 || !strings.Contains(errOut, "CHFConnectionMethod: no answer in the answers file") {
		t.Errorf("commission with missing answers = %d, %q", code, errOut)
	}
	if out := mustRun(t, "job", "show", "J-DEMO-1", "--data", data); !strings.Contains(out, "missing-answer") {
		t.Errorf("job show does not show the failed step:\n%s", out)
	}
}

// TestCommissionStopsWithHint: without a hub the run stops at the WAN check
// with what to try; with stdin closed before an answer the question is named.
func TestCommissionStopsWithHint(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mustRun(t, "job", "import", writeDemoPull(t, dir), "--data", data)

	old := stdin
	t.Cleanup(func() { stdin = old })
	stdin = strings.NewReader(demoCode + "\nHot-shoe\n")
	code, out, errOut := smetsctl(t, "commission", "--data", data, "--job", "J-DEMO-1")
	if code != 1 || !strings.Contains(errOut, "CHFLocation: no answer") || !strings.Contains(out, "CHFLocation?") {
		t.Errorf("commission with stdin ending early = %d, %q, %q", code, out, errOut)
	}

	stdin = strings.NewReader("Indoors on external wall\nfalse\n")
	code, out, errOut = smetsctl(t, "commission", "--data", data, "--job", "J-DEMO-1")
	if code != 1 || !strings.Contains(errOut, "step wan-check") || !strings.Contains(errOut, "what to try:") || !strings.Contains(out, "no-hub") {
		t.Errorf("commission without a hub = %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// TestCommissionExchangeAsksForReads: a meter exchange asks for the old
// meter's final read, records it, queues the 8.11 Remove and, with no hub,
// stops where the hub's device log must change.
func TestCommissionExchangeAsksForReads(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	const oldESME = "00-DB-12-34-56-78-90-8F"
	at := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	pr := api.PullResponse{Cursor: "c1",
		Jobs: []api.Job{{JobID: "J-XM", SiteID: "S-1", Kind: "exchange", Status: "assigned", Postcode: "AB1 2CD", MPxN: []string{demoMPAN}, ScheduledFor: at, UpdatedAt: at}},
		Devices: []api.Device{
			{DeviceID: demoCHF, DeviceType: "CHF", DeviceStatus: "Commissioned", Manufacturer: "SMK", Model: "SIM-CH1", SiteID: "S-1", UpdatedAt: at},
			{DeviceID: oldESME, DeviceType: "ESME", DeviceStatus: "Commissioned", Manufacturer: "SMk", Model: "OLD", CPLStatus: "Active", SiteID: "S-1", UpdatedAt: at},
			{DeviceID: demoESME, DeviceType: "ESME", DeviceStatus: "Pending", Manufacturer: "SMk", Model: "SIM-E1", CPLStatus: "Active", ImportMPxN: demoMPAN, SiteID: "S-1", UpdatedAt: at},
		}}
	b, err := json.Marshal(pr)
	if err != nil {
		t.Fatal(err)
	}
	pull := filepath.Join(dir, "pull.json")
	if err := os.WriteFile(pull, b, 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "job", "import", pull, "--data", data)

	old := stdin
	t.Cleanup(func() { stdin = old })
	stdin = strings.NewReader(demoCode + "\n12345.6\n")
	code, out, errOut := smetsctl(t, "commission", "--data", data, "--job", "J-XM", "--offline")
	if code != 1 || !strings.Contains(out, "final read of ESME "+oldESME+" register 1-0:1.8.0 (kWh)?") || !strings.Contains(errOut, "step hub-remove") {
		t.Errorf("commission exchange = %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !regexp.MustCompile(`done +final-read`).MatchString(out) {
		t.Errorf("final read not done:\n%s", out)
	}
	if got := queuedOf(t, data, "J-XM"); !slices.Equal(got, []string{"duis-request 8.11"}) {
		t.Errorf("queued %q, want the 8.11 Remove", got)
	}
}

// TestMissingAnswersFromStepError: the questions come from
// StepError.Missing, whatever the error text says, all of them in the
// step's order; an answer already asked in this command is not asked again.
func TestMissingAnswersFromStepError(t *testing.T) {
	se := &commission.StepError{Step: "site-survey", Reason: commission.ReasonMissingAnswer,
		Missing: []string{"PremiseType", "MetalObstructionCheck"}, Err: errors.New("not the engine's usual wording")}
	wrapped := fmt.Errorf("run: %w", se)
	var got *commission.StepError
	if !errors.As(wrapped, &got) {
		t.Fatal("errors.As did not find the StepError")
	}
	a := &asker{}
	if qs, ok := missingAnswers(got, a); !ok || !slices.Equal(qs, []string{"PremiseType", "MetalObstructionCheck"}) {
		t.Errorf("missingAnswers = %q, %v", qs, ok)
	}
	a.asked = map[string]bool{"MetalObstructionCheck": true}
	if qs, ok := missingAnswers(got, a); ok {
		t.Errorf("missingAnswers after asking = %q, want none (the engine refused the answer)", qs)
	}
	if qs, ok := missingAnswers(&commission.StepError{Reason: commission.ReasonMissingAnswer, Err: errors.New("answer CHFLocation missing")}, &asker{}); ok {
		t.Errorf("missingAnswers parsed the error text: %q", qs)
	}
}

// printSteps names a failed join's GBCS code beside the reason.
func TestPrintStepsShowsJoinCode(t *testing.T) {
	var b strings.Builder
	printSteps(&b, []commission.StepStatus{{ID: "join", Title: "Meters join the HAN", State: commission.StateFailed,
		Items: []commission.ItemStatus{{Item: demoESME, State: commission.StateFailed, Reason: commission.ReasonJoinFailed, JoinCode: 10,
			Error: "failed to join: code 10", Hint: "check the install code"}}}})
	if !regexp.MustCompile(`join-failed \(code 10\) +failed to join: code 10; try: check the install code`).MatchString(b.String()) {
		t.Errorf("printSteps =\n%s", b.String())
	}
}

// TestCommissionReadsMetersOnSite: with --meter the post-checks read the
// electricity meter's firmware and clock through its public association
// and record them; a bad --meter is a usage error.
func TestCommissionReadsMetersOnSite(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	lines, stop := startSim(t, "site", "--tcp", "127.0.0.1:0", "--wrapper")
	t.Cleanup(func() {
		if code := stop(); code != 0 {
			t.Errorf("sim exit code %d", code)
		}
	})
	hubAddr := waitLine(t, lines, regexp.MustCompile(`^hub .*wrapper frames listening on tcp (\S+)$`))[1]
	meterAddr := waitLine(t, lines, regexp.MustCompile(`^meter .*\(`+demoESME+`\).*wrapper frames listening on tcp (\S+)$`))[1]
	mustRun(t, "job", "import", writeDemoPull(t, dir), "--data", data)
	answers := filepath.Join(dir, "answers.json")
	ans := `{"answers": {"CHFConnectionMethod": "Hot-shoe", "CHFLocation": "Indoors on external wall", "AerialInstall": "false"},
		"installCodes": {"` + demoESME + `": "` + demoCode + `"}, "coverage": "yes"}`
	if err := os.WriteFile(answers, []byte(ans), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := smetsctl(t, "commission", "--data", data, "--job", "J-DEMO-1", "--meter", "nope=tcp:x:1"); code != 2 {
		t.Errorf("commission --meter nope=... = %d, want 2", code)
	}
	mustRun(t, "commission", "--data", data, "--job", "J-DEMO-1", "--answers", answers, "--hub", "tcp:"+hubAddr,
		"--meter", demoESME+"=tcp:"+meterAddr)
	v, err := visit.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	st, err := v.Engine.Status(context.Background(), "J-DEMO-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Steps {
		if s.ID != "post-checks" {
			continue
		}
		var ev struct {
			Firmware string `json:"meterFirmware"`
			Reliable bool   `json:"meterClockReliable"`
		}
		if len(s.Items) != 1 || json.Unmarshal(s.Items[0].Evidence, &ev) != nil || ev.Firmware != "SIM-ESME-1.4.2" || !ev.Reliable {
			t.Errorf("post-checks = %+v", s.Items)
		}
	}
}

// TestCommissionChangesInstallCode: a code mistyped at the first start is
// corrected with --install-code before the whitelist add is sent; the add
// carries the corrected code, and a malformed one is refused.
func TestCommissionChangesInstallCode(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addr := startDemoHub(t)
	mustRun(t, "job", "import", writeDemoPull(t, dir), "--data", data)
	const typo = "30313233343536373839414243444547"
	old := stdin
	t.Cleanup(func() { stdin = old })
	stdin = strings.NewReader(typo + "\n")
	if code, _, errOut := smetsctl(t, "commission", "--data", data, "--job", "J-DEMO-1"); code != 1 || !strings.Contains(errOut, "CHFConnectionMethod: no answer") {
		t.Fatalf("first start = %d, %q", code, errOut)
	}
	if code, _, errOut := smetsctl(t, "commission", "--data", data, "--job", "J-DEMO-1", "--install-code", demoESME+"=12XY"); code != 1 || !strings.Contains(errOut, "change the install code of "+demoESME) {
		t.Errorf("malformed code = %d, %q", code, errOut)
	}
	stdin = strings.NewReader("Hot-shoe\nIndoors on external wall\nfalse\nTerraced\nfalse\ntrue\nfalse\n")
	out := mustRun(t, "commission", "--data", data, "--job", "J-DEMO-1", "--offline", "--hub", "tcp:"+addr, "--install-code", demoESME+"="+demoCode)
	if !strings.Contains(out, "install code of "+demoESME+" changed") {
		t.Errorf("no word of the change:\n%s", out)
	}
	add := payloadOfVariant(t, data, "J-DEMO-1", "8.11")
	if !strings.Contains(strings.ToUpper(add), demoCode) || strings.Contains(strings.ToUpper(add), typo) {
		t.Errorf("8.11 add does not carry the corrected code:\n%s", add)
	}
}

// payloadOfVariant returns the first queued DUIS request of variant for job.
func payloadOfVariant(t *testing.T, dataDir, job, variant string) string {
	t.Helper()
	v, err := visit.Open(context.Background(), dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	rows, err := v.DB.Reader().Query(`SELECT payload FROM outbox_messages WHERE job_id = ? AND kind = 'duis-request' ORDER BY id`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var payload []byte
		if err := rows.Scan(&payload); err != nil {
			t.Fatal(err)
		}
		if req, err := duis.Parse(payload); err == nil && req.Header.ServiceReferenceVariant == variant {
			return string(payload)
		}
	}
	t.Fatalf("no %s queued for %s", variant, job)
	return ""
}

package server

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/sync/api"
)

// pushEvidence pushes one evidence message with body as who for job.
func (e *env) pushEvidence(who, job, key string, body any) (reply, api.PushResult) {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := json.Marshal(api.PushRequest{InstallerID: who, Messages: []api.PushMessage{{IdempotencyKey: key, JobID: job,
		Kind: api.KindEvidence, CreatedAt: e.clock.Now(), Body: b}}})
	r := e.do("POST", "/v1/push", who, req, nil)
	var resp api.PushResponse
	if r.status == 200 {
		if err := json.Unmarshal(r.body, &resp); err != nil || len(resp.Results) != 1 {
			e.t.Fatalf("push response: %v %s", err, r.body)
		}
		return r, resp.Results[0]
	}
	return r, api.PushResult{}
}

func (e *env) storedBody(key string) string {
	e.t.Helper()
	var b []byte
	if err := e.srv.db.row(context.Background(), "SELECT body FROM messages WHERE idempotency_key = ?", key).Scan(&b); err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

func (e *env) sealKey() ([]byte, api.SealKey) {
	e.t.Helper()
	r := e.do("GET", "/v1/seal-key", "alice", nil, nil)
	var k api.SealKey
	if r.status != 200 || json.Unmarshal(r.body, &k) != nil {
		e.t.Fatalf("GET /v1/seal-key: %d %s", r.status, r.body)
	}
	pub, err := k.Public()
	if err != nil {
		e.t.Fatal(err)
	}
	return pub, k
}

func (e *env) installCode(who, dev string) (int, string) {
	e.t.Helper()
	r := e.do("GET", "/v1/devices/"+dev+"/install-code", who, nil, nil)
	var v InstallCodeView
	if r.status == 200 {
		if err := json.Unmarshal(r.body, &v); err != nil {
			e.t.Fatal(err)
		}
	}
	return r.status, v.InstallCode
}

// TestSealKey: the key pair is made once and shared by instances on one
// database; pulls carry it; a restart with the same sealing key reads it
// back, another sealing key cannot.
func TestSealKey(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		_, k := e.sealKey()
		e.job("job-1", "alice", esme)
		r := e.do("GET", api.PathChanges, "alice", nil, nil)
		pull, err := api.DecodePullResponse(bytes.NewReader(r.body))
		if err != nil || pull.SealKey == nil || *pull.SealKey != k {
			t.Fatalf("pull seal key %+v (%v), want %+v", pull.SealKey, err, k)
		}
		// A second instance on the same database (same sealing key).
		srv2, err := New(Config{DB: e.srv.db, Sealer: e.srv.sealer})
		if err != nil {
			t.Fatal(err)
		}
		if k2, err := srv2.SealKey(context.Background()); err != nil || k2 != k {
			t.Fatalf("second instance: %+v %v, want %+v", k2, err, k)
		}
		// Another install-code sealing key cannot open the private key.
		other, _ := inventory.NewSealer(bytes.Repeat([]byte{8}, 32))
		srv3, _ := New(Config{DB: e.srv.db, Sealer: other})
		if _, err := srv3.SealKey(context.Background()); err == nil || !strings.Contains(err.Error(), "open sealing key") {
			t.Fatalf("wrong sealing key: %v", err)
		}
		// One key pair on record.
		if n := e.dump("SELECT count(*) FROM seal_keys"); strings.TrimSpace(n) != "1" {
			t.Errorf("seal_keys rows: %s", n)
		}
	})
}

// TestSealKeyFirstUseConcurrent: instances starting together on a fresh
// database agree on one key pair.
func TestSealKeyFirstUseConcurrent(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		const n = 4
		keys := make(chan api.SealKey, n)
		errs := make(chan error, n)
		for range n {
			go func() {
				srv, err := New(Config{DB: e.srv.db, Sealer: e.srv.sealer})
				if err != nil {
					errs <- err
					return
				}
				k, err := srv.SealKey(context.Background())
				if err != nil {
					errs <- err
					return
				}
				keys <- k
			}()
		}
		var first api.SealKey
		for i := range n {
			select {
			case err := <-errs:
				t.Fatal(err)
			case k := <-keys:
				if i == 0 {
					first = k
				} else if k != first {
					t.Fatalf("instances disagree: %+v and %+v", first, k)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("SealKey did not return")
			}
		}
	})
}

// TestEvidenceInstallCodes: install codes in evidence, sealed to the
// service or (older tablets) in clear, reach the SMI sealed at rest; the
// stored evidence holds no clear code; only the back office reads a code
// back; a code that does not open refuses the message and changes nothing.
func TestEvidenceInstallCodes(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		e.prenotifySite("job-1", "alice")
		e.clock.Add(time.Minute)
		pub, k := e.sealKey()
		secret, _ := hex.DecodeString(code)
		gcode := "0A0B0C0D0E0F1011"
		sealed, err := api.SealFor(pub, esme, secret)
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]any{"jobId": "job-1", "devices": []map[string]string{
			{"id": esme, "type": "ESME", "sealedInstallCode": sealed},
			{"id": gsme, "type": "GSME", "installCode": gcode},
			{"id": chf, "type": "CHF"},
			{"id": "00-DB-12-34-56-78-99-01", "type": "IHD", "installCode": "AABBCCDDEEFF"}, // not in the SMI
		}, "answers": map[string]string{"location": "hall"}}
		r, res := e.pushEvidence("alice", "job-1", "ev-1", body)
		if res.Status != api.StatusApplied {
			t.Fatalf("evidence: %d %+v %s", r.status, res, r.body)
		}
		if _, res := e.pushEvidence("alice", "job-1", "ev-1", body); res.Status != api.StatusApplied || !res.Duplicate {
			t.Fatalf("evidence replay: %+v", res)
		}
		stored := e.storedBody("ev-1")
		if strings.Contains(stored, gcode) || strings.Contains(stored, `"installCode"`) || !strings.Contains(stored, `"location"`) {
			t.Errorf("stored evidence keeps a clear code or lost a field: %s", stored)
		}
		for _, tc := range []struct{ dev, want string }{{esme, code}, {gsme, gcode}} {
			if st, got := e.installCode("office", tc.dev); st != 200 || got != tc.want {
				t.Errorf("office reads %s: %d %q, want %q", tc.dev, st, got, tc.want)
			}
		}
		// The stored evidence opens with the service's key to the same code.
		var sb struct {
			Devices []struct {
				ID     string `json:"id"`
				Sealed string `json:"sealedInstallCode"`
			} `json:"devices"`
		}
		if err := json.Unmarshal([]byte(stored), &sb); err != nil {
			t.Fatal(err)
		}
		kp, _ := e.srv.loadedSealKey()
		if got, err := api.OpenSealed(kp.priv, gsme, sb.Devices[1].Sealed); err != nil || strings.ToUpper(hex.EncodeToString(got)) != gcode {
			t.Errorf("stored sealed GSME code: %x %v", got, err)
		}
		if st, _ := e.installCode("alice", esme); st != 403 {
			t.Errorf("installer reads an install code: %d", st)
		}
		if st, _ := e.installCode("admin", esme); st != 403 {
			t.Errorf("admin reads an install code: %d", st)
		}
		if st, _ := e.installCode("office", chf); st != 404 {
			t.Errorf("CHF without a code: %d", st)
		}
		if a := e.dump("SELECT detail FROM audit WHERE action LIKE 'install-code.%' ORDER BY id"); !strings.Contains(a, "not in the SMI") ||
			!strings.Contains(a, "recorded from evidence ev-1") || !strings.Contains(a, "disclosed") {
			t.Errorf("audit: %s", a)
		}
		if logs := e.logs.String(); strings.Contains(logs, code) || strings.Contains(logs, gcode) {
			t.Error("an install code reached the logs")
		}

		// Refused: nothing written.
		other, _ := ecdh.X25519().GenerateKey(rand.Reader)
		elsewhere, _ := api.SealFor(other.PublicKey().Bytes(), esme, secret)
		moved, _ := api.SealFor(pub, gsme, secret) // sealed for the GSME, put on the ESME
		i := 0
		for _, tc := range []struct {
			name string
			dev  map[string]string
			why  string
		}{
			{"another device's box", map[string]string{"id": esme, "sealedInstallCode": moved}, "does not open"},
			{"another key", map[string]string{"id": esme, "sealedInstallCode": elsewhere}, k.KeyID},
			{"not hex", map[string]string{"id": esme, "installCode": "zz"}, "not hex"},
			{"too short", map[string]string{"id": esme, "installCode": "0102"}, "want 6 to 16"},
			{"bad id", map[string]string{"id": "meter", "installCode": gcode}, "EUI-64"},
		} {
			i++
			before := e.smiSnapshot() + e.dump("SELECT count(*) FROM messages")
			_, res := e.pushEvidence("alice", "job-1", fmt.Sprintf("ev-bad-%d", i), map[string]any{"devices": []map[string]string{tc.dev}})
			if res.Status != api.StatusRejected || !strings.Contains(res.Reason, tc.why) {
				t.Errorf("%s: %+v, want rejected saying %q", tc.name, res, tc.why)
			}
			if after := e.smiSnapshot() + e.dump("SELECT count(*) FROM messages"); after != before {
				t.Errorf("%s: refused evidence changed the database", tc.name)
			}
		}
		if st, got := e.installCode("office", esme); st != 200 || got != code {
			t.Errorf("after refusals the ESME code is %d %q", st, got)
		}
		// Another installer's job: refused before anything is read.
		e.job("job-2", "bob", ppmid)
		if _, res := e.pushEvidence("alice", "job-2", "ev-2", map[string]any{"devices": []map[string]string{{"id": ppmid, "installCode": gcode}}}); res.Status != api.StatusRejected {
			t.Errorf("evidence for bob's job: %+v", res)
		}
	})
}

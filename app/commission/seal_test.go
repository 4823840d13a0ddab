package commission

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sim"
	"github.com/smetskit/smetskit/sync/api"
)

// With a sealer the stored plan never holds an install code in clear, and
// the run still uses the codes (8.11) and restarts with the same plan.
func TestInstallCodesSealedAtRest(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t)
	s, err := inventory.NewSealer(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(db, Options{Now: stepClock(), Sealer: s})
	if err != nil {
		t.Fatal(err)
	}
	p := dualFuelPlan("J-SEAL")
	p.Answers["WAN"] = "yes"
	p.Devices[1].InstallCode = strings.ToLower(code)
	if err := e.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx, p); err != nil {
		t.Fatalf("Start again with the same plan: %v", err)
	}
	var stored string
	db.Reader().QueryRow(`SELECT plan FROM commission_runs WHERE job_id = 'J-SEAL'`).Scan(&stored)
	if strings.Contains(strings.ToUpper(stored), code) {
		t.Errorf("stored plan holds an install code in clear: %s", stored)
	}
	if err := e.Run(ctx, p.JobID, nil); err == nil {
		t.Fatal("Run without a hub succeeded")
	}
	var adds int
	for _, q := range outboxOf(t, db, p.JobID) {
		if q.Variant == "8.11" {
			adds++
			if !strings.Contains(string(q.Payload), code) {
				t.Errorf("8.11 without the install code: %s", q.Payload)
			}
		}
	}
	if adds != 4 {
		t.Errorf("%d 8.11 adds, want 4", adds)
	}
}

// evidenceDevices is the devices list of the job's evidence message.
func evidenceDevices(t *testing.T, db *store.DB, job string) (devs []map[string]string, payloads []queued) {
	t.Helper()
	qs := outboxOf(t, db, job)
	for _, q := range qs {
		if q.Kind != api.KindEvidence {
			continue
		}
		var body struct {
			Devices []map[string]string `json:"devices"`
		}
		if err := json.Unmarshal(q.Payload, &body); err != nil {
			t.Fatal(err)
		}
		devs = body.Devices
	}
	return devs, qs
}

// noClearCodes fails when an install code appears in clear anywhere but in
// the 8.11 requests (which carry it by DUIS design): in a queued message or
// in a step's stored evidence.
func noClearCodes(t *testing.T, db *store.DB, job string, qs []queued) {
	t.Helper()
	for _, q := range qs {
		if q.Variant != "8.11" && bytes.Contains(bytes.ToUpper(q.Payload), []byte(code)) {
			t.Errorf("message %s carries an install code in clear", q.Key)
		}
	}
	var n int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM commission_items WHERE job_id = ? AND upper(evidence) LIKE ?`, job, "%"+code+"%").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d step evidence rows hold an install code in clear (%v)", n, err)
	}
}

// Install and leave with the inventory service's key known: the evidence
// carries each install code sealed to it (only the service's private key
// opens it, with the device ID), and no code is in clear outside the 8.11s.
func TestEvidenceSealsInstallCodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		priv, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x42}, 32))
		if err != nil {
			t.Fatal(err)
		}
		key := api.NewSealKey(priv.PublicKey().Bytes())
		db := tempDB(t)
		e, err := New(db, Options{Now: stepClock(), RecentWithin: 24 * time.Hour,
			ServerKey: func(context.Context) (*api.SealKey, error) { return &key, nil }})
		if err != nil {
			t.Fatal(err)
		}
		site := newSimSite(t, sim.Quirks{sim.QuirkNoWAN: true}, nil)
		p := dualFuelPlan("J-SEALED")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		devs, qs := evidenceDevices(t, db, p.JobID)
		sealed := 0
		for _, d := range devs {
			if d["installCode"] != "" {
				t.Errorf("device %s: install code in clear", d["id"])
			}
			if d["sealedInstallCode"] == "" {
				continue
			}
			got, err := api.OpenSealed(priv, d["id"], d["sealedInstallCode"])
			if err != nil || strings.ToUpper(hex.EncodeToString(got)) != code {
				t.Errorf("device %s: sealed code opens to %X, %v", d["id"], got, err)
			}
			if _, err := api.OpenSealed(priv, esmeID+"X", d["sealedInstallCode"]); err == nil {
				t.Errorf("device %s: sealed code opens under another device ID", d["id"])
			}
			sealed++
		}
		if sealed != 4 { // ESME, GSME, PPMID, IHD
			t.Errorf("%d sealed install codes, want 4", sealed)
		}
		noClearCodes(t, db, p.JobID, qs)
		st, _ := e.Status(ctx, p.JobID)
		for _, s := range st.Steps {
			if s.ID == "evidence" && !strings.Contains(string(s.Items[0].Evidence), codesSealed+" "+key.KeyID) {
				t.Errorf("evidence step = %s, want it to say the codes are sealed to %s", s.Items[0].Evidence, key.KeyID)
			}
		}
	})
}

// With no key known the codes stay out of the evidence message and the
// step says so; the sync client's table being absent is no key, not an
// error.
func TestEvidenceWithholdsCodesWithoutKey(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t)
	e := newEngine(t, db)
	p := dualFuelPlan("J-NOKEY")
	p.Answers["WAN"] = "no"
	if err := e.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	err := e.Run(ctx, p.JobID, nil) // no hub: stops at the hub steps
	var se *StepError
	if !errors.As(err, &se) || se.Reason != ReasonNoHub {
		t.Fatalf("Run = %v, want no-hub", err)
	}
	// Evidence alone, through a flow of that one step.
	ev := Flow{{ID: "evidence", Kind: KindEvidence, Title: "Evidence"}}
	e2, err := New(db, Options{Now: stepClock(), Flows: map[string]Flow{"ev": ev}})
	if err != nil {
		t.Fatal(err)
	}
	p.JobID, p.Flow = "J-NOKEY-EV", "ev"
	if err := e2.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e2.Run(ctx, p.JobID, nil); err != nil {
		t.Fatalf("Run: %v", err)
	}
	devs, qs := evidenceDevices(t, db, p.JobID)
	if len(devs) != len(p.Devices) {
		t.Fatalf("evidence devices = %v", devs)
	}
	for _, d := range devs {
		if d["installCode"] != "" || d["sealedInstallCode"] != "" {
			t.Errorf("device %s: install code in the message without a key: %v", d["id"], d)
		}
	}
	noClearCodes(t, db, "J-NOKEY", outboxOf(t, db, "J-NOKEY"))
	noClearCodes(t, db, p.JobID, qs)
	st, _ := e2.Status(ctx, p.JobID)
	if got := string(st.Steps[0].Items[0].Evidence); !strings.Contains(got, "left out: no inventory service key known") {
		t.Errorf("evidence step = %s, want it to say the codes were left out", got)
	}
}

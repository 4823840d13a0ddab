package visit

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/sync/api"
)

// A sealing key imported with jobs from a file is what the evidence seals
// install codes to when no sync client has pulled one; a bad key is
// refused.
func TestImportSealKeySealsEvidence(t *testing.T) {
	ctx := context.Background()
	ev := commission.Flow{{ID: "evidence", Kind: commission.KindEvidence, Title: "Evidence"}}
	v, err := Open(ctx, t.TempDir(), Options{Commission: commission.Options{Flows: map[string]commission.Flow{"ev": ev}}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	priv, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x17}, 32))
	if err != nil {
		t.Fatal(err)
	}
	key := api.NewSealKey(priv.PublicKey().Bytes())
	bad := key
	bad.KeyID = "0000000000000000"
	if err := v.ImportSealKey(ctx, bad); err == nil {
		t.Error("ImportSealKey accepted a key whose ID does not match")
	}
	if err := v.ImportSealKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	const dev, code = "00-DB-12-34-56-78-90-A0", "30313233343536373839414243444546"
	p := commission.Plan{JobID: "J-KEY", Flow: "ev", Originator: "90-B3-D5-1F-30-01-00-00", CHF: "00-DB-12-34-56-78-90-A2",
		Devices: []commission.Device{{ID: dev, Type: "ESME", InstallCode: code}}}
	if err := v.Engine.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := v.Engine.Run(ctx, p.JobID, nil); err != nil {
		t.Fatal(err)
	}
	var payload []byte
	if err := v.DB.Reader().QueryRowContext(ctx, `SELECT payload FROM outbox_messages WHERE job_id = ? AND kind = ?`, p.JobID, api.KindEvidence).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.ToUpper(string(payload)), code) {
		t.Fatal("install code in clear in the evidence")
	}
	var body struct {
		Devices []struct {
			ID     string `json:"id"`
			Sealed string `json:"sealedInstallCode"`
		} `json:"devices"`
	}
	if err := json.Unmarshal(payload, &body); err != nil || len(body.Devices) != 1 {
		t.Fatalf("evidence = %s, %v", payload, err)
	}
	got, err := api.OpenSealed(priv, dev, body.Devices[0].Sealed)
	if err != nil || strings.ToUpper(hex.EncodeToString(got)) != code {
		t.Errorf("sealed install code opens to %X, %v", got, err)
	}
}

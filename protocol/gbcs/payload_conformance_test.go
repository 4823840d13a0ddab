package gbcs

import (
	"encoding/json"
	"strings"
	"testing"
)

// installUseCases are the use cases whose responses and alerts must yield
// install facts.
var installUseCases = map[string]bool{
	"CCS01": true, "CCS02": true, "CCS03": true, "CCS06": true, "CCS07": true, "CCS08": true,
	"CS03A1": true, "CS03A2": true, "CS03B": true, "CS03C": true, "CS04AC": true, "CS04B": true,
	"CS07": true, "CS08": true, "CS14": true, "GCS28": true, "GCS38": true, "GCS59": true,
	"GCS62": true, "ECS52": true, "ECS70": true,
}

// TestConformancePayloads decodes the payload of every message of
// gb/gbcs/messages and checks that responses to SUCCESS cases report
// success, responses to ERROR cases report failure, and every message
// marshals to JSON.
func TestConformancePayloads(t *testing.T) {
	decoded, facts := 0, 0
	for _, name := range messageFiles(t) {
		d, err := Decode(readMessageFile(t, name))
		if err != nil {
			t.Errorf("%s: Decode: %v", name, err)
			continue
		}
		if d.PayloadError != "" {
			t.Errorf("%s: payload: %s", name, d.PayloadError)
			continue
		}
		if d.UseCase == "" && d.MessageCode != 0x0004 {
			t.Errorf("%s: message code %v has no use case", name, d.MessageCode)
		}
		if d.Summary() == "" {
			t.Errorf("%s: empty summary", name)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Errorf("%s: json: %v", name, err)
		}
		decoded++
		if !strings.Contains(name, "_RESPONSE_") && !strings.Contains(name, "_ALERT_") {
			continue
		}
		if d.Facts == nil {
			if installUseCases[d.UseCase] {
				t.Errorf("%s: no install facts", name)
			}
			continue
		}
		facts++
		switch {
		case strings.Contains(name, "_SUCCESS_") && d.Facts.Outcome != "" && d.Facts.Outcome != "success":
			t.Errorf("%s: outcome %q (%v), want success", name, d.Facts.Outcome, d.Facts.Failures)
		case strings.Contains(name, "_ERROR_") && d.Facts.Outcome != "failure":
			t.Errorf("%s: outcome %q, want failure", name, d.Facts.Outcome)
		}
	}
	// Encrypted GBZ components (GCS13a responses) split into security
	// header and ciphertext; the keys to open them are not published.
	enc := 0
	for _, name := range messageFiles(t) {
		d, err := Decode(readMessageFile(t, name))
		if err != nil || d.Payload == nil || d.Payload.GBZ == nil {
			continue
		}
		for _, c := range d.Payload.GBZ.Components {
			if !c.Encrypted {
				continue
			}
			sh, ct, err := c.CipheredContent()
			if err != nil || sh[0] != SecurityControlEncrypted || len(ct) <= MACSize {
				t.Errorf("%s: CipheredContent = %X, %d bytes, %v", name, sh, len(ct), err)
			}
			enc++
		}
	}
	if enc == 0 {
		t.Error("no encrypted GBZ component found")
	}
	// Commands that act on a device name it.
	for _, name := range messageFiles(t) {
		if !strings.Contains(name, "_COMMAND_") || !(strings.HasPrefix(name, "CS03") || strings.HasPrefix(name, "CS04") || strings.HasPrefix(name, "CCS01") || strings.HasPrefix(name, "CCS02")) {
			continue
		}
		d, err := Decode(readMessageFile(t, name))
		if err != nil || d.Facts == nil || d.Facts.Target == nil || d.Facts.Action == "" {
			t.Errorf("%s: command facts = %+v, %v", name, d.Facts, err)
			continue
		}
		if strings.HasPrefix(name, "CCS01") && (d.Facts.JoinTimeout == 0 || !ValidInstallCodeLength(d.Facts.InstallCodeLength)) {
			t.Errorf("%s: CCS01 facts = %+v", name, d.Facts)
		}
	}
	d, err := Decode(readMessageFile(t, "GCS21e_6.2.4_SUCCESS_RESPONSE_GBCS.HEX"))
	if err != nil || d.Facts == nil || d.Facts.Manufacturer == "" || d.Facts.Model == "" {
		t.Errorf("GCS21e facts = %+v, %v; want manufacturer and model", d.Facts, err)
	}
	t.Logf("%d payloads decoded, %d responses/alerts with install facts", decoded, facts)
}

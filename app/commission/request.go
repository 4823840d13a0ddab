package commission

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"time"

	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// nonDevice lists the variants whose Request ID targets the DCC.
func nonDevice(variant string) bool {
	switch variant {
	case "8.14.1", "8.14.2", "8.14.3", "8.14.4", "8.4", "8.13", "8.3", "8.2", "12.1", "12.2":
		return true
	}
	return false
}

// srFields are the DUIS fields of one request, apart from the counter.
func (e *Engine) srFields(r *run, s StepDef, it item) (string, map[string]string, error) {
	p := &r.plan
	v := s.SR
	f := map[string]string{"originator": p.Originator, "target": p.CHF}
	if nonDevice(v) {
		f["target"] = p.dcc()
	}
	names, err := duis.BuildFields(v)
	if err != nil {
		return "", nil, err
	}
	for _, n := range names {
		if a, ok := p.Answers[path.Base(n)]; ok && a != "" {
			f[n] = a
		}
	}
	for k, val := range s.Fields {
		f[k] = val
	}
	now := e.now()
	switch v {
	case "8.14.1", "8.14.2":
		f["DeviceID"], f["MPxN"], f["InstallDateTime"] = p.CHF, p.MPxN, string(duis.NewDateTime(now))
	case "8.14.3", "8.14.4":
		f["DeviceID"] = p.OldCHF
		if v == "8.14.3" {
			for _, d := range p.Devices {
				if d.Type == "ESME" {
					f["OtherDeviceID"] = d.ID
					break
				}
			}
		}
	case "8.12.1":
		f["OldCHFID"] = p.OldCHF
	case "8.11":
		f["DeviceID"] = it.dev.ID
		if f["RequestType"] == string(duis.HANAdd) {
			f["AddDeviceToCHFWhitelist/JoinTimePeriod"] = strconv.Itoa(int(p.joinPeriod() / time.Second))
			f["AddDeviceToCHFWhitelist/InstallCode"] = it.dev.InstallCode
			if it.dev.MPxN != "" && (it.dev.Type == "ESME" || it.dev.Type == "GSME") {
				f["AddDeviceToCHFWhitelist/ImportMPxN"] = it.dev.MPxN
			}
		}
	case "8.1.1":
		tol := p.Tolerance
		if tol <= 0 {
			tol = 60
			if it.dev.Type == "GSME" {
				tol = 3600
			}
		}
		f["target"], f["CurrentDateTime"], f["TolerancePeriod"] = it.dev.ID, string(duis.NewDateTime(now)), strconv.Itoa(tol)
	case "8.7.1", "8.7.2":
		if it.dev.JoinWith == "" {
			return "", nil, fmt.Errorf("%s %s: no meter to join with", it.dev.Type, it.dev.ID)
		}
		f["target"], f["OtherDeviceID"] = it.dev.JoinWith, it.dev.ID
	case "8.4":
		f["DeviceID"] = it.dev.ID
	case "11.2":
		f["target"] = it.dev.ID
	case "8.9":
		if it.dev != nil { // a meter's device log (CS07); else the CHF's (CCS06)
			f["target"] = it.dev.ID
		}
	}
	return v, f, nil
}

func withCounter(f map[string]string, c uint64) map[string]string {
	out := make(map[string]string, len(f)+1)
	for k, v := range f {
		out[k] = v
	}
	out["counter"] = strconv.FormatUint(c, 10)
	return out
}

// srMessage returns the builder of a DUIS request message: it allocates
// the Request ID counter in the transaction (DOMAIN.md §12) and builds the
// XML.
func (e *Engine) srMessage(variant string, fields map[string]string) func(context.Context, *sql.Tx) (outbox.Message, string, error) {
	return func(ctx context.Context, tx *sql.Tx) (outbox.Message, string, error) {
		c, err := e.nextCounter(ctx, tx, fields["originator"])
		if err != nil {
			return outbox.Message{}, "", err
		}
		req, err := duis.Build(variant, withCounter(fields, c))
		if err != nil {
			return outbox.Message{}, "", fmt.Errorf("build %s: %w", variant, err)
		}
		b, err := req.Marshal()
		if err != nil {
			return outbox.Message{}, "", fmt.Errorf("marshal %s: %w", variant, err)
		}
		return outbox.Message{Kind: api.KindDUISRequest, Payload: b}, req.Header.RequestID.String(), nil
	}
}

func jsonMessage(kind string, body any) func(context.Context, *sql.Tx) (outbox.Message, string, error) {
	return func(context.Context, *sql.Tx) (outbox.Message, string, error) {
		b, err := json.Marshal(body)
		if err != nil {
			return outbox.Message{}, "", err
		}
		return outbox.Message{Kind: kind, Payload: b}, "", nil
	}
}

// Install codes in the evidence message (DOMAIN.md §8.3: the back office
// needs them to commission later, even for another supplier).
const (
	codesSealed   = "sealed to the inventory service's key"
	codesWithheld = "left out: no inventory service key known (sync to fetch it); the codes stay in this device's plan, sealed at rest"
	codesNone     = "none on the job"
)

// evidenceBody is what the back office needs to finish the job without
// the engineer (DOMAIN.md §8.3): answers, install codes, locations,
// obstruction checks, reads, photos and each step's evidence. Install codes
// go sealed to the inventory service's key (sealedInstallCode, api.SealFor
// with the device ID as context) or, with no key known, not at all; codes
// says which, for the step's evidence.
func (e *Engine) evidenceBody(ctx context.Context, r *run) (body map[string]any, codes string, err error) {
	type dev struct {
		ID     string `json:"id"`
		Type   string `json:"type"`
		Role   string `json:"role,omitempty"`
		Sealed string `json:"sealedInstallCode,omitempty"`
		MPxN   string `json:"mpxn,omitempty"`
	}
	var pub []byte
	keyID := ""
	if e.serverKey != nil {
		k, err := e.serverKey(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("read the inventory service key: %w", err)
		}
		if k != nil {
			if pub, err = k.Public(); err != nil {
				return nil, "", fmt.Errorf("inventory service key %s: %w", k.KeyID, err)
			}
			keyID = k.KeyID
		}
	}
	codes = codesNone
	devs := make([]dev, len(r.plan.Devices))
	for i, d := range r.plan.Devices {
		devs[i] = dev{ID: d.ID, Type: d.Type, Role: d.Role, MPxN: d.MPxN}
		if d.InstallCode == "" {
			continue
		}
		if pub == nil {
			codes = codesWithheld
			continue
		}
		code, err := hex.DecodeString(d.InstallCode)
		if err != nil {
			return nil, "", fmt.Errorf("install code of %s: not hex", d.ID)
		}
		if devs[i].Sealed, err = api.SealFor(pub, d.ID, code); err != nil {
			return nil, "", fmt.Errorf("seal install code of %s: %w", d.ID, err)
		}
		codes = codesSealed + " " + keyID
	}
	steps := map[string]json.RawMessage{}
	for k, it := range r.items {
		if it.Status == StateDone {
			steps[k] = it.Evidence
		}
	}
	return map[string]any{"jobId": r.plan.JobID, "flow": r.plan.Flow, "chf": r.plan.CHF, "answers": r.plan.Answers,
		"facts": r.facts, "devices": devs, "reads": r.plan.Reads, "photos": r.plan.Photos, "steps": steps}, codes, nil
}

// withoutInstallCodes is a request's fields as step evidence: install
// codes (8.11 AddDeviceToCHFWhitelist/InstallCode) are replaced by a note,
// so they are neither stored in clear with the step nor carried by the
// evidence message; the plan keeps them (sealed at rest with a Sealer).
func withoutInstallCodes(f map[string]string) map[string]string {
	out := make(map[string]string, len(f))
	for k, v := range f {
		if path.Base(k) == "InstallCode" {
			v = "withheld"
		}
		out[k] = v
	}
	return out
}

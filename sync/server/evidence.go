package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
)

// maxEvidenceDevices caps the devices[] entries of one evidence body the
// service reads install codes from (a job has at most 64 devices).
const maxEvidenceDevices = 256

// evidenceCodes reads the install codes of an install evidence message
// (DOMAIN.md §8.3: the back office needs them to finish the job): each
// devices[] entry with "sealedInstallCode" (sealed to the service's key
// by sync/api SealFor with the entry's "id" as context) or, from older
// tablets, a clear hex "installCode". Each code is recorded in the SMI,
// sealed at rest, for a device of the message's job (any device for the
// back office); the returned body is the one to store, with clear codes
// replaced by codes sealed to the service's key, so no install code is at
// rest in clear. A code that does not open, is not hex or is not 6–16
// bytes refuses the whole message (ErrMalformed): nothing is written. A
// body that is not an object with a devices array is stored as it is.
func (s *Server) evidenceCodes(ctx context.Context, tx *Tx, p Principal, m api.PushMessage) ([]byte, error) {
	var top map[string]json.RawMessage
	if json.Unmarshal(m.Body, &top) != nil || top["devices"] == nil {
		return m.Body, nil
	}
	var devs []map[string]json.RawMessage
	if json.Unmarshal(top["devices"], &devs) != nil {
		return m.Body, nil
	}
	if len(devs) > maxEvidenceDevices {
		return nil, &RequestError{Err: ErrMalformed, Field: "body.devices", Detail: fmt.Sprintf("%d devices, at most %d", len(devs), maxEvidenceDevices)}
	}
	str := func(d map[string]json.RawMessage, k string) string {
		var v string
		if raw, ok := d[k]; ok {
			_ = json.Unmarshal(raw, &v)
		}
		return v
	}
	rewrite := false
	for i, d := range devs {
		id, sealed, clear := str(d, "id"), str(d, "sealedInstallCode"), str(d, "installCode")
		if sealed == "" && clear == "" {
			continue
		}
		field := fmt.Sprintf("body.devices[%d]", i)
		eui, err := duis.ParseEUI64(id)
		if err != nil {
			return nil, &RequestError{Err: ErrMalformed, Field: field + ".id", Detail: "a device with an install code needs its EUI-64 id: " + err.Error()}
		}
		var code []byte
		if sealed != "" {
			kp, err := s.loadedSealKey()
			if err != nil {
				return nil, err
			}
			code, err = api.OpenSealed(kp.priv, id, sealed)
			if errors.Is(err, api.ErrSealKey) {
				return nil, &RequestError{Err: ErrMalformed, Field: field + ".sealedInstallCode",
					Detail: "install code of " + id + " is sealed to another key; this service's key is " + kp.pub.KeyID + " (pull again)"}
			}
			if err != nil {
				return nil, &RequestError{Err: ErrMalformed, Field: field + ".sealedInstallCode", Detail: "sealed install code of " + id + " does not open"}
			}
		} else if code, err = hex.DecodeString(clear); err != nil {
			return nil, &RequestError{Err: ErrMalformed, Field: field + ".installCode", Detail: "install code of " + id + " is not hex"}
		}
		ic := inventory.InstallCode(code)
		if len(ic) < 6 || len(ic) > 16 {
			return nil, &RequestError{Err: ErrMalformed, Field: field, Detail: fmt.Sprintf("install code of %s is %d bytes, want 6 to 16", id, len(ic))}
		}
		if clear != "" {
			kp, err := s.loadedSealKey()
			if err != nil {
				return nil, err
			}
			pub, _ := kp.pub.Public()
			box, err := api.SealFor(pub, id, code)
			if err != nil {
				return nil, fmt.Errorf("seal install code of %s: %w", id, err)
			}
			delete(d, "installCode")
			d["sealedInstallCode"], _ = json.Marshal(box)
			rewrite = true
		}
		if err := s.recordInstallCode(ctx, tx, p, m, eui, ic); err != nil {
			return nil, err
		}
	}
	if !rewrite {
		return m.Body, nil
	}
	var err error
	if top["devices"], err = json.Marshal(devs); err != nil {
		return nil, fmt.Errorf("rewrite evidence %s: %w", m.IdempotencyKey, err)
	}
	b, err := json.Marshal(top)
	if err != nil {
		return nil, fmt.Errorf("rewrite evidence %s: %w", m.IdempotencyKey, err)
	}
	return b, nil
}

// recordInstallCode keeps an evidence install code in the SMI record of a
// device on the message's job (any device for the back office), sealed at
// rest, and audits it (never the code). A device off the job or not in the
// SMI is audited as not recorded.
func (s *Server) recordInstallCode(ctx context.Context, tx *Tx, p Principal, m api.PushMessage, id duis.EUI64, code inventory.InstallCode) error {
	now := s.now()
	var n int
	if err := tx.row(ctx, "SELECT count(*) FROM devices WHERE device_id = ?", id.String()).Scan(&n); err != nil {
		return fmt.Errorf("read device %s: %w", id, err)
	}
	why := ""
	if n == 0 {
		why = "not in the SMI"
	} else if p.Role == RoleInstaller {
		if err := tx.row(ctx, "SELECT count(*) FROM job_devices WHERE job_id = ? AND device_id = ?", m.JobID, id.String()).Scan(&n); err != nil {
			return fmt.Errorf("read job devices: %w", err)
		}
		if n == 0 {
			why = "not on job " + m.JobID
		}
	}
	if why != "" {
		return tx.audit(ctx, now, p.Name, "install-code.evidence", id.String(), "install code in evidence "+m.IdempotencyKey+" not recorded: "+why)
	}
	sealed, err := s.sealer.Seal(id, code)
	if err != nil {
		return fmt.Errorf("seal install code of %s: %w", id, err)
	}
	if _, err := tx.exec(ctx, "UPDATE devices SET install_code = ? WHERE device_id = ?", sealed, id.String()); err != nil {
		return fmt.Errorf("store install code of %s: %w", id, err)
	}
	return tx.audit(ctx, now, p.Name, "install-code.evidence", id.String(), "install code recorded from evidence "+m.IdempotencyKey)
}

// InstallCode returns a device's install code from the SMI, for the back
// office only (a new supplier taking over a site needs it; MP121/MP281),
// and audits the disclosure. ErrNotFound when the device or its code is
// not on record.
func (s *Server) InstallCode(ctx context.Context, p Principal, id duis.EUI64) (inventory.InstallCode, error) {
	if p.Role != RoleBackOffice {
		return nil, &RequestError{Err: ErrForbidden, Detail: "only the back office may read install codes"}
	}
	var code inventory.InstallCode
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var sealed []byte
		if err := tx.row(ctx, "SELECT install_code FROM devices WHERE device_id = ?", id.String()).Scan(&sealed); err != nil || len(sealed) == 0 {
			return &RequestError{Err: ErrNotFound, Detail: "no install code on record for " + id.String()}
		}
		c, err := s.sealer.Open(id, sealed)
		if err != nil {
			return fmt.Errorf("open install code of %s: %w", id, err)
		}
		code = c
		return tx.audit(ctx, s.now(), p.Name, "install-code.read", id.String(), "install code disclosed")
	})
	return code, err
}

// InstallCodeView is the answer of GET /v1/devices/{id}/install-code.
type InstallCodeView struct {
	DeviceID    string `json:"deviceId"`
	InstallCode string `json:"installCode"` // hex, upper case
}

// InstallCodeHex writes an install code as InstallCodeView and inventoryd
// install-code show it: hex, upper case.
func InstallCodeHex(c inventory.InstallCode) string {
	return strings.ToUpper(hex.EncodeToString(c.Bytes()))
}

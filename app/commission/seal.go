package commission

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/protocol/duis"
)

// sealedPrefix marks an install code sealed at rest in a stored plan.
const sealedPrefix = "sealed:"

// sealPlan returns a copy of p whose install codes are sealed with s
// (AES-GCM bound to the device ID, inventory.Sealer), for storing.
func sealPlan(s *inventory.Sealer, p Plan) (Plan, error) {
	if s == nil {
		return p, nil
	}
	p.Devices = append([]Device(nil), p.Devices...)
	for i, d := range p.Devices {
		if d.InstallCode == "" || strings.HasPrefix(d.InstallCode, sealedPrefix) {
			continue
		}
		id, err := duis.ParseEUI64(d.ID)
		if err != nil {
			return p, fmt.Errorf("seal install code of %q: %w", d.ID, err)
		}
		code, err := hex.DecodeString(d.InstallCode)
		if err != nil {
			return p, fmt.Errorf("seal install code of %s: not hex", d.ID)
		}
		b, err := s.Seal(id, inventory.InstallCode(code))
		if err != nil {
			return p, fmt.Errorf("seal install code of %s: %w", d.ID, err)
		}
		p.Devices[i].InstallCode = sealedPrefix + base64.StdEncoding.EncodeToString(b)
	}
	return p, nil
}

// openPlan reverses sealPlan in place.
func openPlan(s *inventory.Sealer, p *Plan) error {
	for i, d := range p.Devices {
		rest, ok := strings.CutPrefix(d.InstallCode, sealedPrefix)
		if !ok {
			continue
		}
		if s == nil {
			return fmt.Errorf("open install code of %s: sealed, and no sealer given", d.ID)
		}
		id, err := duis.ParseEUI64(d.ID)
		if err != nil {
			return fmt.Errorf("open install code of %q: %w", d.ID, err)
		}
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return fmt.Errorf("open install code of %s: %w", d.ID, err)
		}
		code, err := s.Open(id, b)
		if err != nil {
			return fmt.Errorf("open install code of %s: %w", d.ID, err)
		}
		p.Devices[i].InstallCode = strings.ToUpper(hex.EncodeToString(code.Bytes()))
	}
	return nil
}

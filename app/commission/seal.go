package commission

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/client"
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

// StoredServerKey reads the inventory service's public sealing key that the
// sync client keeps from the last pull (client.StoredSealKey, in db's
// sync_pulled table): what New uses for Options.ServerKey when none is
// given. It is nil, not an error, before the first pull or when the sync
// client's tables are not in db.
func StoredServerKey(db *store.DB) func(ctx context.Context) (*api.SealKey, error) {
	return func(ctx context.Context) (*api.SealKey, error) {
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sync_pulled'`).Scan(&n); err != nil {
			return nil, fmt.Errorf("look for the pulled sealing key: %w", err)
		}
		if n == 0 {
			return nil, nil
		}
		k, err := client.StoredSealKey(ctx, db.Reader())
		if errors.Is(err, client.ErrNoSealKey) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &k, nil
	}
}

package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/smetskit/smetskit/protocol/duis"
)

// Sentinel errors. Errors from Rules are *RuleError values wrapping one of
// them.
var (
	ErrUnknownDevice   = errors.New("inventory: device not in the SMI")
	ErrWrongDeviceType = errors.New("inventory: request not compatible with the device type")
	ErrStatus          = errors.New("inventory: device status does not allow the request")
	ErrNoTransition    = errors.New("inventory: no transition for this trigger")
	ErrBadRules        = errors.New("inventory: bad rules configuration")
)

// RuleError says which rule refused a request and the DUIS response code
// the refusal maps to (DOMAIN.md §14).
type RuleError struct {
	Variant string            // SR variant or trigger
	Party   Party             // which device of the request ("" for transitions)
	Device  duis.EUI64        // zero when not known
	Type    duis.DeviceType   // device type checked
	Status  duis.DeviceStatus // status checked
	Code    duis.ResponseCode // E5, E11, E19
	Err     error             // one of the sentinels
}

func (e *RuleError) Error() string {
	who := string(e.Party)
	if who == "" {
		who = "device"
	}
	status := string(e.Status)
	if status == "" {
		status = "none"
	}
	return fmt.Sprintf("%s on %s %s (%s, status %s): %v", e.Variant, who, e.Device, e.Type, status, e.Err)
}

func (e *RuleError) Unwrap() error { return e.Err }

// ResponseCodeOf returns the DUIS response code carried by a *RuleError in
// err's chain, or "" when there is none.
func ResponseCodeOf(err error) duis.ResponseCode {
	var re *RuleError
	if errors.As(err, &re) {
		return re.Code
	}
	return ""
}

// Rules holds the transition table and the permission table. The zero
// value allows nothing; use DefaultRules. Rules is read-only once built and
// safe for concurrent use.
type Rules struct {
	Transitions []Transition `json:"transitions"`
	Permissions []Permission `json:"permissions"`
	// InstallerGrants widen the installer role (see InstallerGrant).
	InstallerGrants []InstallerGrant `json:"installer_grants,omitempty"`
}

// DefaultRules returns DOMAIN.md §5 and §6 as tables. Rows that are
// inferred have Inferred set; Override replaces them.
func DefaultRules() *Rules {
	return &Rules{Transitions: defaultTransitions(), Permissions: defaultPermissions(), InstallerGrants: defaultInstallerGrants()}
}

// Override applies a JSON configuration of the same shape as Rules: a row
// whose ID matches a row already present replaces it (with "disabled": true
// it removes it), a new ID is appended. Unknown fields, device types and
// statuses are errors, so a typo cannot silently widen the rules.
func (r *Rules) Override(data []byte) error {
	var cfg Rules
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return fmt.Errorf("%w: %v", ErrBadRules, err)
	}
	for _, t := range cfg.Transitions {
		if err := t.check(); err != nil {
			return err
		}
		if i := slices.IndexFunc(r.Transitions, func(x Transition) bool { return x.ID == t.ID }); i >= 0 {
			r.Transitions[i] = t
		} else {
			r.Transitions = append(r.Transitions, t)
		}
	}
	for _, p := range cfg.Permissions {
		if err := p.check(); err != nil {
			return err
		}
		if i := slices.IndexFunc(r.Permissions, func(x Permission) bool { return x.ID == p.ID }); i >= 0 {
			r.Permissions[i] = p
		} else {
			r.Permissions = append(r.Permissions, p)
		}
	}
	for _, g := range cfg.InstallerGrants {
		if err := g.check(); err != nil {
			return err
		}
		if i := slices.IndexFunc(r.InstallerGrants, func(x InstallerGrant) bool { return x.ID == g.ID }); i >= 0 {
			r.InstallerGrants[i] = g
		} else {
			r.InstallerGrants = append(r.InstallerGrants, g)
		}
	}
	return nil
}

func checkTypes(id string, ts []duis.DeviceType) error {
	if len(ts) == 0 {
		return fmt.Errorf("%w: row %s lists no device types", ErrBadRules, id)
	}
	for _, t := range ts {
		if !t.Known() {
			return fmt.Errorf("%w: row %s: unknown device type %q", ErrBadRules, id, t)
		}
	}
	return nil
}

func checkStatus(id string, s duis.DeviceStatus) error {
	if s != StatusNone && s != StatusDeleted && !s.Known() {
		return fmt.Errorf("%w: row %s: unknown status %q", ErrBadRules, id, s)
	}
	return nil
}

func (t Transition) check() error {
	if t.ID == "" || t.Trigger == "" {
		return fmt.Errorf("%w: transition needs an id and a trigger", ErrBadRules)
	}
	if t.Disabled {
		return nil
	}
	if err := checkTypes(t.ID, t.Devices); err != nil {
		return err
	}
	if len(t.From) == 0 {
		return fmt.Errorf("%w: row %s lists no from status", ErrBadRules, t.ID)
	}
	for _, s := range append(slices.Clone(t.From), t.To) {
		if err := checkStatus(t.ID, s); err != nil {
			return err
		}
	}
	return nil
}

func (p Permission) check() error {
	if p.ID == "" || p.Variant == "" {
		return fmt.Errorf("%w: permission needs an id and a variant", ErrBadRules)
	}
	if p.Disabled {
		return nil
	}
	switch p.Party {
	case PartyTarget, PartyDevice, PartyOther, PartyOld:
	default:
		return fmt.Errorf("%w: row %s: unknown party %q", ErrBadRules, p.ID, p.Party)
	}
	if err := checkTypes(p.ID, p.Devices); err != nil {
		return err
	}
	for _, s := range p.Statuses {
		if err := checkStatus(p.ID, s); err != nil {
			return err
		}
	}
	return nil
}

// Permit reports whether variant may act on a device of type t in status s
// as the given party. It returns nil, or a *RuleError with code E11 (the
// type is not one the variant acts on) or E5 (the status forbids it).
func (r *Rules) Permit(variant string, party Party, t duis.DeviceType, s duis.DeviceStatus) error {
	restricted, typeOK := false, false
	for _, p := range r.Permissions {
		if p.Disabled || p.Variant != variant || p.Party != party {
			continue
		}
		restricted = true
		if !slices.Contains(p.Devices, t) {
			continue
		}
		typeOK = true
		if len(p.Statuses) == 0 || slices.Contains(p.Statuses, s) {
			return nil
		}
	}
	if !restricted {
		return nil
	}
	e := &RuleError{Variant: variant, Party: party, Type: t, Status: s, Code: "E5", Err: ErrStatus}
	if !typeOK {
		e.Code, e.Err = "E11", ErrWrongDeviceType
	}
	return e
}

// Transition finds the row that moves a device of type t from status from
// when trigger happens. With to == "" the first matching row wins; else the
// row must lead to to. It returns a *RuleError (code E11 when no row for
// the trigger names the type, E5 otherwise) when none matches.
func (r *Rules) Transition(trigger string, t duis.DeviceType, from, to duis.DeviceStatus) (Transition, error) {
	typeOK := false
	for _, row := range r.Transitions {
		if row.Disabled || row.Trigger != trigger || !slices.Contains(row.Devices, t) {
			continue
		}
		typeOK = true
		if slices.Contains(row.From, from) && (to == "" || row.To == to) {
			return row, nil
		}
	}
	e := &RuleError{Variant: trigger, Type: t, Status: from, Code: "E5", Err: ErrNoTransition}
	if !typeOK {
		e.Code = "E11"
	}
	return Transition{}, e
}

// Legal reports whether a stored status change is one the table allows:
// the check the service's invariant tests run over the whole history.
func (r *Rules) Legal(c StatusChange) bool {
	for _, row := range r.Transitions {
		if !row.Disabled && row.ID == c.Rule && row.Trigger == c.Trigger && row.To == c.To &&
			slices.Contains(row.Devices, c.Type) && slices.Contains(row.From, c.From) {
			return true
		}
	}
	return false
}

// Inferred returns the IDs of the rows (transitions then permissions) that
// are inferred and so should be confirmed or overridden by configuration.
func (r *Rules) Inferred() []string {
	var ids []string
	for _, t := range r.Transitions {
		if t.Inferred && !t.Disabled {
			ids = append(ids, t.ID)
		}
	}
	for _, p := range r.Permissions {
		if p.Inferred && !p.Disabled {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

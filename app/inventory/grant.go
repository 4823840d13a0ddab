package inventory

import (
	"errors"
	"fmt"
	"slices"

	"github.com/smetskit/smetskit/protocol/duis"
)

// ErrNotGranted is wrapped by the error InstallerMay returns when no grant
// lets an installer send a request.
var ErrNotGranted = errors.New("inventory: installers may not send this request")

// InstallerGrant widens the installer role to one form of a service
// request that only the back office may otherwise send. The request must
// still name the installer's own job and only devices on it (the service
// checks that for every installer request); a grant narrows further: which
// change of the body (Change, Values) and which device type (Devices, the
// type the SMI holds for the body's DeviceID).
//
// The default grant (G8.4.inc) is the install-and-leave policy: an
// installer who fitted a meter or a Type 1 device but could not commission
// it (no WAN) marks it InstalledNotCommissioned with 8.4
// UpdateDeviceStatusExceptCH (DOMAIN.md §5 row 6). It is a local policy,
// not a DCC rule, so it is data a deployment may disable or widen.
type InstallerGrant struct {
	ID      string `json:"id"`
	Variant string `json:"variant"` // Service Reference Variant, e.g. "8.4"
	// Change is the element chosen in the body, e.g.
	// "UpdateDeviceStatusExceptCH"; "" admits any.
	Change string `json:"change,omitempty"`
	// Values are the values Change may carry; empty admits any.
	Values   []string          `json:"values,omitempty"`
	Devices  []duis.DeviceType `json:"devices"`
	Note     string            `json:"note,omitempty"`
	Disabled bool              `json:"disabled,omitempty"`
}

func defaultInstallerGrants() []InstallerGrant {
	return []InstallerGrant{
		{ID: "G8.4.inc", Variant: "8.4", Change: "UpdateDeviceStatusExceptCH", Values: []string{string(duis.StatusInstalledNotCommissioned)},
			Devices: slices.Clone(nonCH), Note: "install and leave: a non-CH device fitted without WAN, on the installer's own job"},
	}
}

func (g InstallerGrant) check() error {
	if g.ID == "" || g.Variant == "" {
		return fmt.Errorf("%w: installer grant needs an id and a variant", ErrBadRules)
	}
	if g.Disabled {
		return nil
	}
	return checkTypes(g.ID, g.Devices)
}

// Grants reports whether any enabled grant names variant: whether an
// installer's request of that variant is worth looking at further.
func (r *Rules) Grants(variant string) bool {
	return slices.ContainsFunc(r.InstallerGrants, func(g InstallerGrant) bool { return !g.Disabled && g.Variant == variant })
}

// InstallerMay reports whether a grant lets an installer send req about a
// device of type t (the SMI's type of the body's device; "" when the
// device is not in the SMI). It returns nil or an error wrapping
// ErrNotGranted that says what the installer may send instead.
func (r *Rules) InstallerMay(req *duis.Request, t duis.DeviceType) error {
	variant := req.Header.ServiceReferenceVariant
	change, value := BodyChange(req.Body)
	var allowed []string
	for _, g := range r.InstallerGrants {
		if g.Disabled || g.Variant != variant {
			continue
		}
		if (g.Change == "" || g.Change == change) && (len(g.Values) == 0 || slices.Contains(g.Values, value)) && slices.Contains(g.Devices, t) {
			return nil
		}
		allowed = append(allowed, g.describe())
	}
	got := variant
	if change != "" {
		got += " " + change
		if value != "" {
			got += "=" + value
		}
	}
	if t == "" {
		got += " on a device not in the SMI"
	} else {
		got += " on a " + string(t)
	}
	if len(allowed) == 0 {
		return fmt.Errorf("%w: %s", ErrNotGranted, got)
	}
	return fmt.Errorf("%w: %s; allowed: %s", ErrNotGranted, got, joinOr(allowed))
}

func (g InstallerGrant) describe() string {
	s := g.Variant
	if g.Change != "" {
		s += " " + g.Change
		if len(g.Values) > 0 {
			s += "=" + joinOr(g.Values)
		}
	}
	var ts []string
	for _, t := range g.Devices {
		ts = append(ts, string(t))
	}
	return s + " on " + joinOr(ts) + " of the installer's own job"
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " or " + s[len(s)-1]
}

// BodyChange names the change a request body makes where the body is a
// choice (8.4 UpdateInventory: "UpdateDeviceStatusExceptCH" and its value,
// "DeleteDevice", ...). Other bodies give "", "".
func BodyChange(b duis.Body) (change, value string) {
	u, ok := b.(*duis.UpdateInventory)
	if !ok {
		return "", ""
	}
	switch {
	case u.UpdateDeviceStatusExceptCH != nil:
		return "UpdateDeviceStatusExceptCH", string(*u.UpdateDeviceStatusExceptCH)
	case u.UpdateDeviceStatusCH != nil:
		return "UpdateDeviceStatusCH", string(*u.UpdateDeviceStatusCH)
	case u.UpdateDeviceDetails != nil:
		return "UpdateDeviceDetails", ""
	case u.DeleteDevice != nil:
		return "DeleteDevice", ""
	case u.UpdateMPxN != nil:
		return "UpdateMPxN", ""
	}
	return "", ""
}

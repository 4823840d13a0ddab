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
// change of the body (Change, Values), which device type (Devices, the
// type the SMI holds for the first device the request names: the target
// of a device SR, else the body's DeviceID) and on which kind of job
// (JobKinds).
//
// The default grants are local policies, not DCC rules, so they are data a
// deployment may disable or widen:
//
//   - G8.4.inc, install and leave: an installer who fitted a meter or a
//     Type 1 device but could not commission it (no WAN) marks it
//     InstalledNotCommissioned with 8.4 UpdateDeviceStatusExceptCH
//     (DOMAIN.md §5 row 6).
//   - G8.12.1, CH exchange: on an exchange job the installer restores the
//     old hub's device log onto the replacement hub with 8.12.1 Restore HAN
//     Device Log (DOMAIN.md §6.1, §9 CCS03), so the meters rejoin without
//     new install codes. Both hubs must be on the job; the permission rows
//     P8.12.1.t and P8.12.1.old then decide their statuses.
type InstallerGrant struct {
	ID      string `json:"id"`
	Variant string `json:"variant"` // Service Reference Variant, e.g. "8.4"
	// Change is the element chosen in the body, e.g.
	// "UpdateDeviceStatusExceptCH"; "" admits any.
	Change string `json:"change,omitempty"`
	// Values are the values Change may carry; empty admits any.
	Values  []string          `json:"values,omitempty"`
	Devices []duis.DeviceType `json:"devices"`
	// JobKinds are the kinds of the installer's job (sync/api Job.Kind,
	// e.g. "exchange") the grant holds on; empty admits any.
	JobKinds []string `json:"job_kinds,omitempty"`
	Note     string   `json:"note,omitempty"`
	Disabled bool     `json:"disabled,omitempty"`
}

func defaultInstallerGrants() []InstallerGrant {
	return []InstallerGrant{
		{ID: "G8.4.inc", Variant: "8.4", Change: "UpdateDeviceStatusExceptCH", Values: []string{string(duis.StatusInstalledNotCommissioned)},
			Devices: slices.Clone(nonCH), Note: "install and leave: a non-CH device fitted without WAN, on the installer's own job"},
		{ID: "G8.12.1", Variant: "8.12.1", Devices: []duis.DeviceType{duis.DeviceCHF}, JobKinds: []string{"exchange"},
			Note: "CH exchange: the old hub's device log restored onto the replacement hub, both on the installer's own exchange job"},
	}
}

func (g InstallerGrant) check() error {
	if g.ID == "" || g.Variant == "" {
		return fmt.Errorf("%w: installer grant needs an id and a variant", ErrBadRules)
	}
	if g.Disabled {
		return nil
	}
	for _, k := range g.JobKinds {
		if k == "" || len(k) > maxJobKind {
			return fmt.Errorf("%w: installer grant %s: job kind %q must be 1 to %d bytes", ErrBadRules, g.ID, k, maxJobKind)
		}
	}
	return checkTypes(g.ID, g.Devices)
}

// maxJobKind is the longest job kind the service stores (sync/server).
const maxJobKind = 64

// Grants reports whether any enabled grant names variant: whether an
// installer's request of that variant is worth looking at further.
func (r *Rules) Grants(variant string) bool {
	return slices.ContainsFunc(r.InstallerGrants, func(g InstallerGrant) bool { return !g.Disabled && g.Variant == variant })
}

// InstallerMay reports whether a grant lets an installer send req about a
// device of type t (the SMI's type of the first device req names, see
// Referenced; "" when the device is not in the SMI) on a job of kind
// jobKind. It returns nil or an error wrapping ErrNotGranted that says
// what the installer may send instead.
func (r *Rules) InstallerMay(req *duis.Request, t duis.DeviceType, jobKind string) error {
	variant := req.Header.ServiceReferenceVariant
	change, value := BodyChange(req.Body)
	var allowed []string
	for _, g := range r.InstallerGrants {
		if g.Disabled || g.Variant != variant {
			continue
		}
		if (g.Change == "" || g.Change == change) && (len(g.Values) == 0 || slices.Contains(g.Values, value)) && slices.Contains(g.Devices, t) &&
			(len(g.JobKinds) == 0 || slices.Contains(g.JobKinds, jobKind)) {
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
	if jobKind != "" {
		got += " (job kind " + jobKind + ")"
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
	own := "the installer's own job"
	if len(g.JobKinds) > 0 {
		own = "the installer's own " + joinOr(g.JobKinds) + " job"
	}
	return s + " on " + joinOr(ts) + " of " + own
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

package inventory

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/protocol/duis"
)

// ErrBadCPLEntry reports a CPL entry that cannot be loaded.
var ErrBadCPLEntry = errors.New("inventory: bad CPL entry")

// CPLEntry is one Certified Products List entry (DOMAIN.md §15): a device
// model at a hardware and firmware version, the SHA-256 of its
// manufacturer image, the GBCS and SMETS/CHTS versions it was assured
// against, and its status. Model and firmware are compared as written
// (hex, case-insensitive).
type CPLEntry struct {
	DeviceType       duis.DeviceType `json:"deviceType"`
	Manufacturer     string          `json:"manufacturer"`
	Model            string          `json:"model"`
	HardwareVersion  string          `json:"hardwareVersion"`
	FirmwareVersion  string          `json:"firmwareVersion"`
	ImageHash        string          `json:"imageHash"` // 64 hex digits, SHA-256 of the manufacturer image
	GBCSVersion      string          `json:"gbcsVersion"`
	SMETSCHTSVersion string          `json:"smetsChtsVersion"`
	Status           duis.CPLStatus  `json:"status"`
}

func (e CPLEntry) check() error {
	if !e.DeviceType.Known() {
		return fmt.Errorf("%w: device type %q", ErrBadCPLEntry, e.DeviceType)
	}
	if e.Manufacturer == "" || e.Model == "" || e.FirmwareVersion == "" {
		return fmt.Errorf("%w: manufacturer, model and firmware version are required", ErrBadCPLEntry)
	}
	if b, err := hex.DecodeString(e.ImageHash); e.ImageHash != "" && (err != nil || len(b) != 32) {
		return fmt.Errorf("%w: image hash must be 64 hex digits", ErrBadCPLEntry)
	}
	if !e.Status.Known() {
		return fmt.Errorf("%w: status %q", ErrBadCPLEntry, e.Status)
	}
	return nil
}

type cplKey struct{ manufacturer, model, firmware string }

func keyOf(manufacturer, model, firmware string) cplKey {
	return cplKey{strings.ToUpper(manufacturer), strings.ToUpper(model), strings.ToUpper(firmware)}
}

// CPL is a loaded Certified Products List, keyed by (manufacturer, model,
// firmware version). It is read-only once built.
type CPL struct {
	entries map[cplKey]CPLEntry
	models  map[cplKey]duis.DeviceType // firmware empty
}

// NewCPL checks and indexes entries. A duplicate key is an error.
func NewCPL(entries []CPLEntry) (*CPL, error) {
	c := &CPL{entries: make(map[cplKey]CPLEntry, len(entries)), models: make(map[cplKey]duis.DeviceType)}
	for i, e := range entries {
		if err := e.check(); err != nil {
			return nil, fmt.Errorf("load CPL entry %d: %w", i, err)
		}
		k := keyOf(e.Manufacturer, e.Model, e.FirmwareVersion)
		if _, dup := c.entries[k]; dup {
			return nil, fmt.Errorf("load CPL entry %d: %w: duplicate %s/%s/%s", i, ErrBadCPLEntry, e.Manufacturer, e.Model, e.FirmwareVersion)
		}
		c.entries[k] = e
		c.models[keyOf(e.Manufacturer, e.Model, "")] = e.DeviceType
	}
	return c, nil
}

// Lookup returns the entry for a device's manufacturer, model and firmware.
func (c *CPL) Lookup(manufacturer, model, firmware string) (CPLEntry, bool) {
	e, ok := c.entries[keyOf(manufacturer, model, firmware)]
	return e, ok
}

// Finding is one CPL observation about a device. Findings are warnings to
// show the installer and back office, never reasons to refuse (DOMAIN.md
// §15 recommends warnings, not hard blocks).
type Finding struct {
	Code   string // stable identifier, e.g. "cpl-model-unknown"
	Detail string
}

func (f Finding) String() string { return f.Code + ": " + f.Detail }

// Check compares a device with the CPL: model known, firmware listed for
// the model, entry Active, device type and GBCS version consistent.
// Devices with no firmware version (Type 2) are checked on the model only.
func (c *CPL) Check(d Device) []Finding {
	var out []Finding
	t, modelKnown := c.models[keyOf(d.Manufacturer, d.Model, "")]
	if !modelKnown {
		return append(out, Finding{"cpl-model-unknown", fmt.Sprintf("model %s/%s is not on the CPL", d.Manufacturer, d.Model)})
	}
	if t != d.Type {
		out = append(out, Finding{"cpl-type-mismatch", fmt.Sprintf("CPL lists %s/%s as %s, device is %s", d.Manufacturer, d.Model, t, d.Type)})
	}
	if d.FirmwareVersion == "" {
		return out
	}
	e, ok := c.Lookup(d.Manufacturer, d.Model, d.FirmwareVersion)
	if !ok {
		return append(out, Finding{"cpl-firmware-unknown", fmt.Sprintf("firmware %s is not on the CPL for %s/%s", d.FirmwareVersion, d.Manufacturer, d.Model)})
	}
	if e.Status != "Active" {
		out = append(out, Finding{"cpl-not-active", fmt.Sprintf("CPL entry for firmware %s is %s", d.FirmwareVersion, e.Status)})
	}
	if d.HardwareVersion != "" && e.HardwareVersion != "" && !strings.EqualFold(d.HardwareVersion, e.HardwareVersion) {
		out = append(out, Finding{"cpl-hardware-mismatch", fmt.Sprintf("hardware %s, CPL lists %s", d.HardwareVersion, e.HardwareVersion)})
	}
	if d.GBCSVersion != "" && e.GBCSVersion != "" && d.GBCSVersion != e.GBCSVersion {
		out = append(out, Finding{"cpl-gbcs-mismatch", fmt.Sprintf("GBCS %s, CPL lists %s", d.GBCSVersion, e.GBCSVersion)})
	}
	return out
}

// Statuses returns the CPLStatus and DeviceFirmwareVersionStatus an 8.2
// answer reports for the device (DOMAIN.md §3.2), or nil when unknown.
func (c *CPL) Statuses(d Device) (cplStatus, firmwareStatus *duis.CPLStatus) {
	e, ok := c.Lookup(d.Manufacturer, d.Model, d.FirmwareVersion)
	if !ok {
		return nil, nil
	}
	s := e.Status
	return &s, &s
}

// Entries returns the loaded entries (in no particular order).
func (c *CPL) Entries() []CPLEntry {
	out := make([]CPLEntry, 0, len(c.entries))
	for _, e := range c.entries {
		out = append(out, e)
	}
	return out
}

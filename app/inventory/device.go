package inventory

import (
	"time"

	"github.com/smetskit/smetskit/protocol/duis"
)

// Class groups device types the way the SMI rules talk about them
// (DOMAIN.md §1.1).
type Class uint8

// Device classes.
const (
	ClassUnknown Class = iota
	ClassMeter         // ESME, GSME
	ClassHub           // CHF, GPF
	ClassType1         // PPMID, HCALCS: hold credentials, have an SMI status
	ClassType2         // IHD, CAD: listed in a meter's log, no SMI status
)

// ClassOf returns the class of a device type.
func ClassOf(t duis.DeviceType) Class {
	switch t {
	case duis.DeviceESME, duis.DeviceGSME:
		return ClassMeter
	case duis.DeviceCHF, duis.DeviceGPF:
		return ClassHub
	case duis.DevicePPMID, duis.DeviceHCALCS:
		return ClassType1
	case duis.DeviceIHD, duis.DeviceCAD:
		return ClassType2
	}
	return ClassUnknown
}

// String returns the class name.
func (c Class) String() string {
	switch c {
	case ClassMeter:
		return "meter"
	case ClassHub:
		return "hub"
	case ClassType1:
		return "Type 1"
	case ClassType2:
		return "Type 2"
	}
	return "unknown"
}

// StatusNone stands for "not in the SMI" as the From of a transition that
// creates a device, and for the status of a Type 2 device (which has none).
// StatusDeleted is the To of a transition that removes the device
// (8.4 DeleteDevice).
const (
	StatusNone    duis.DeviceStatus = ""
	StatusDeleted duis.DeviceStatus = "(deleted)"
)

// Device is one SMI record (DOMAIN.md §3.1, §3.3). The zero EUI64 in an
// association field means "not associated".
type Device struct {
	ID          duis.EUI64
	Type        duis.DeviceType
	Status      duis.DeviceStatus // StatusNone for Type 2 devices
	StatusSince time.Time         // when Status took effect (UTC)

	Manufacturer     string
	Model            string
	HardwareVersion  string
	FirmwareVersion  string
	SMETSCHTSVersion string
	GBCSVersion      string
	ESMEVariant      string

	// CHF is the hub a meter (or Type 1 device) is whitelisted on; GPF is
	// the gas proxy a CHF carries or a GSME is served through; Meter is the
	// meter a Type 1 or Type 2 device is joined to.
	CHF   duis.EUI64
	GPF   duis.EUI64
	Meter duis.EUI64

	ImportMPxN          string
	SecondaryImportMPAN string
	ExportMPAN          string

	DateCommissioned time.Time // zero until commissioned
}

// StatusChange is one row of a device's status history: what changed,
// when, which rule allowed it and which request caused it.
type StatusChange struct {
	Device    duis.EUI64
	Type      duis.DeviceType
	From, To  duis.DeviceStatus
	At        time.Time
	Trigger   string // the transition trigger, e.g. "8.14.1"
	Rule      string // the transition row ID, e.g. "T5"
	RequestID string // DUIS Request ID text, "" for DCC-side changes
}

// MaskMPxN hides an MPAN or MPRN for display and logs: only the last four
// characters stay readable ("*********8111"). Shorter values are masked
// entirely.
func MaskMPxN(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	keep := 4
	if len(r) <= keep {
		keep = 0
	}
	out := make([]rune, len(r))
	for i := range r {
		if i < len(r)-keep {
			out[i] = '*'
		} else {
			out[i] = r[i]
		}
	}
	return string(out)
}

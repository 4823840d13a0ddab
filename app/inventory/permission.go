package inventory

import "github.com/smetskit/smetskit/protocol/duis"

// Party names which device of a request a permission row is about.
type Party string

// Parties of a service request.
const (
	// PartyTarget is the device the Request ID targets (device SRs).
	PartyTarget Party = "target"
	// PartyDevice is the body's DeviceID (non-device SRs, and the device
	// being added to or removed from a CHF's log by 8.11).
	PartyDevice Party = "device"
	// PartyOther is the body's OtherDeviceID (8.7.x, 8.8.x).
	PartyOther Party = "other"
	// PartyOld is the body's OldCHFID (8.12.1): the hub being replaced,
	// whose device log is restored onto the target.
	PartyOld Party = "old"
)

// Permission is one row of "which service request may act on which device
// type in which status" (DOMAIN.md §6 and §14: a wrong type is E11, a
// status that forbids the request is E5). For a variant and party, a device
// type no row lists is E11; a listed type in a status its rows do not list
// is E5. A variant and party with no rows is not restricted.
type Permission struct {
	ID       string              `json:"id"`
	Variant  string              `json:"variant"` // Service Reference Variant, "8.11 Add"/"8.11 Remove" for the two 8.11 forms
	Party    Party               `json:"party"`
	Devices  []duis.DeviceType   `json:"devices"`
	Statuses []duis.DeviceStatus `json:"statuses"` // StatusNone admits Type 2 devices
	Inferred bool                `json:"inferred"`
	Note     string              `json:"note,omitempty"`
	Disabled bool                `json:"disabled,omitempty"`
}

func defaultPermissions() []Permission {
	chf := []duis.DeviceType{duis.DeviceCHF}
	return []Permission{
		{ID: "P8.14.1", Variant: "8.14.1", Party: PartyDevice, Devices: chf, Statuses: st(sPend, sINC), Inferred: true},
		{ID: "P8.14.2", Variant: "8.14.2", Party: PartyDevice, Devices: chf, Statuses: st(sPend), Inferred: true},
		{ID: "P8.14.3", Variant: "8.14.3", Party: PartyDevice, Devices: chf, Statuses: st(sPend, sINC, sComm), Inferred: true},
		{ID: "P8.14.4", Variant: "8.14.4", Party: PartyDevice, Devices: chf, Statuses: st(sPend, sINC, sComm), Inferred: true},
		{ID: "P8.11.chf", Variant: "8.11 Add", Party: PartyTarget, Devices: chf, Statuses: st(sINC, sComm), Inferred: true, Note: "the CH is installed before devices are whitelisted on it"},
		{ID: "P8.11.chf-rm", Variant: "8.11 Remove", Party: PartyTarget, Devices: chf, Statuses: st(sINC, sComm), Inferred: true},
		{ID: "P8.11.add", Variant: "8.11 Add", Party: PartyDevice, Devices: slices2(meters, type1), Statuses: st(sPend, sWhite), Inferred: true},
		{ID: "P8.11.add2", Variant: "8.11 Add", Party: PartyDevice, Devices: type2, Statuses: st(sNone), Inferred: true},
		{ID: "P8.11.rm", Variant: "8.11 Remove", Party: PartyDevice, Devices: slices2(meters, type1), Statuses: st(sWhite, sPend), Inferred: true},
		{ID: "P8.11.rm2", Variant: "8.11 Remove", Party: PartyDevice, Devices: type2, Statuses: st(sNone), Inferred: true},
		{ID: "P8.1.1", Variant: "8.1.1", Party: PartyTarget, Devices: meters, Statuses: st(sWhite, sINC), Inferred: true},
		{ID: "P8.7.1.m", Variant: "8.7.1", Party: PartyTarget, Devices: meters, Statuses: st(sComm), Inferred: true},
		{ID: "P8.7.1.t1", Variant: "8.7.1", Party: PartyTarget, Devices: type1, Statuses: st(sWhite, sComm), Inferred: true},
		{ID: "P8.7.1.o", Variant: "8.7.1", Party: PartyOther, Devices: slices2(meters, type1), Statuses: st(sWhite, sComm), Inferred: true},
		{ID: "P8.7.2.m", Variant: "8.7.2", Party: PartyTarget, Devices: meters, Statuses: st(sComm), Inferred: true},
		{ID: "P8.7.2.t1", Variant: "8.7.2", Party: PartyTarget, Devices: type1, Statuses: st(sWhite, sComm), Inferred: true},
		{ID: "P8.7.2.o", Variant: "8.7.2", Party: PartyOther, Devices: slices2(meters, type1), Statuses: st(sWhite, sComm), Inferred: true},
		{ID: "P8.7.2.o2", Variant: "8.7.2", Party: PartyOther, Devices: type2, Statuses: st(sNone), Inferred: true},
		{ID: "P8.8.1.t", Variant: "8.8.1", Party: PartyTarget, Devices: meters, Statuses: st(sComm), Inferred: true},
		{ID: "P8.8.2.t", Variant: "8.8.2", Party: PartyTarget, Devices: slices2(meters, type1), Statuses: st(sComm, sWhite), Inferred: true},
		{ID: "P8.3", Variant: "8.3", Party: PartyDevice, Devices: withSMI, Statuses: st(sComm), Inferred: true},
		// Post-check reads (DOMAIN.md §6.1, §7 step 9): the types are the
		// GBCS use cases' targets [C:TPL]; the statuses are inferred (a
		// device the DCC can address once installed).
		{ID: "P8.9.chf", Variant: "8.9", Party: PartyTarget, Devices: chf, Statuses: st(sINC, sComm), Inferred: true, Note: "CCS06/CCS07: the CH's device log"},
		{ID: "P8.9.m", Variant: "8.9", Party: PartyTarget, Devices: meters, Statuses: st(sINC, sComm), Inferred: true, Note: "CS07: a meter's device log"},
		{ID: "P8.9.sec", Variant: VariantReadSecurityDetails, Party: PartyTarget, Devices: chf, Note: "CCS07 reads the CH's security details; no meter use case"},
		{ID: "P11.2", Variant: "11.2", Party: PartyTarget, Devices: slices2(slices2(meters, type1), chf), Statuses: st(sINC, sComm), Inferred: true,
			Note: "ECS52 (ESME or CH), GCS38 (GSME), CS08 (PPMID, HCALCS)"},
		// CH exchange (DOMAIN.md §6.1, §9 CCS03): 8.12.1 restores the old
		// hub's device log onto the replacement, which the flow installs
		// first (8.14.1 or 8.14.2). The old hub may already be returned
		// (8.14.3/8.14.4 leave it Decommissioned) or not yet; a hub never
		// installed has no log to restore. Statuses are inferred.
		{ID: "P8.12.1.t", Variant: "8.12.1", Party: PartyTarget, Devices: chf, Statuses: st(sINC, sComm), Inferred: true,
			Note: "CCS03: the replacement hub, installed before its log is restored"},
		{ID: "P8.12.1.old", Variant: "8.12.1", Party: PartyOld, Devices: chf, Statuses: st(sINC, sComm, sDecom, sWith), Inferred: true,
			Note: "OldCHFID: the hub coming out, returned or not yet"},
	}
}

func slices2(a, b []duis.DeviceType) []duis.DeviceType {
	out := make([]duis.DeviceType, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

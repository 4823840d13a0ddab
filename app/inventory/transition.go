package inventory

import (
	"slices"

	"github.com/smetskit/smetskit/protocol/duis"
)

// Transition is one row of the SMI status transition table (DOMAIN.md §5).
// A device of one of Devices in one of From moves to To when Trigger
// happens. From may hold StatusNone (the device is not yet in the SMI);
// To may be StatusDeleted.
type Transition struct {
	ID       string              `json:"id"`      // "T1".."T16" follow DOMAIN.md §5 rows; "L…" are local additions
	Trigger  string              `json:"trigger"` // see the Trigger constants
	Devices  []duis.DeviceType   `json:"devices"`
	From     []duis.DeviceStatus `json:"from"`
	To       duis.DeviceStatus   `json:"to"`
	Inferred bool                `json:"inferred"` // "inferred — treat as configurable data" in DOMAIN.md
	Note     string              `json:"note,omitempty"`
	Disabled bool                `json:"disabled,omitempty"` // set by configuration to remove a row
}

// Triggers name what causes a transition: a Service Reference Variant
// (optionally with the part of the body that matters) or a DCC-side event.
const (
	TriggerPrenotify      = "12.2"
	TriggerDCCLoad        = "DCC load"
	TriggerHANAdd         = "8.11 Add"
	TriggerHANRemove      = "8.11 Remove"
	TriggerInstallWAN     = "8.14.1"
	TriggerInstallNoWAN   = "8.14.2"
	TriggerFaultReturn    = "8.14.3"
	TriggerNoFaultReturn  = "8.14.4"
	TriggerCommission     = "8.1.1"
	TriggerJoinCritical   = "8.7.1"
	TriggerJoinNonCrit    = "8.7.2"
	TriggerDecommission   = "8.3"
	TriggerStatusExceptCH = "8.4 UpdateDeviceStatusExceptCH"
	TriggerStatusCH       = "8.4 UpdateDeviceStatusCH"
	TriggerDelete         = "8.4 DeleteDevice"
	TriggerOptOut         = "8.5"
	TriggerSuspended      = "DCC alert DeviceSuspended"
	TriggerRestored       = "DCC alert DeviceRestored"
	TriggerRecovery       = "DCC recovery"
	TriggerRecovered      = "DCC alert RecoveryComplete"
)

var (
	meters  = []duis.DeviceType{duis.DeviceESME, duis.DeviceGSME}
	type1   = []duis.DeviceType{duis.DevicePPMID, duis.DeviceHCALCS}
	hubs    = []duis.DeviceType{duis.DeviceCHF, duis.DeviceGPF}
	nonCH   = []duis.DeviceType{duis.DeviceESME, duis.DeviceGSME, duis.DevicePPMID, duis.DeviceHCALCS}
	withSMI = []duis.DeviceType{duis.DeviceESME, duis.DeviceGSME, duis.DevicePPMID, duis.DeviceHCALCS, duis.DeviceCHF, duis.DeviceGPF}
	type2   = []duis.DeviceType{duis.DeviceIHD, duis.DeviceCAD}
	allWith = slices.Concat(withSMI, type2)
)

const (
	sNone  = StatusNone
	sPend  = duis.StatusPending
	sWhite = duis.StatusWhitelisted
	sINC   = duis.StatusInstalledNotCommissioned
	sComm  = duis.StatusCommissioned
	sDecom = duis.StatusDecommissioned
	sWith  = duis.StatusWithdrawn
	sSusp  = duis.StatusSuspended
	sRecv  = duis.StatusRecovery
	sRecd  = duis.StatusRecovered
)

func st(s ...duis.DeviceStatus) []duis.DeviceStatus { return s }

// defaultTransitions is DOMAIN.md §5 as data. Rows 1–16 keep their numbers;
// rows that DOMAIN.md gives as "any", "CH" or "(previous)" are spelled out.
// Rows L1… are local additions the service needs to keep the model closed
// (Type 2 devices have no status, whitelist removal); all are inferred.
//
// L3 is the mirror of T3b. Permission row P8.11.rm admits an 8.11 Remove
// of a Pending device, and the app sends one whenever it withdraws an 8.11
// Add that may have reached the DCC, which it cannot know of an Add it
// gave up on (commission.Engine.SetInstallCode, issue #9). Had the Add
// never arrived, the device is still Pending and not on the CHF's log: the
// Remove asks for what already holds, so it succeeds and changes nothing,
// as a second Add of a listed device does (CCS01, DOMAIN.md §9), instead of
// an E5 that would stop the install-code correction behind it.
func defaultTransitions() []Transition {
	return []Transition{
		{ID: "T1", Trigger: TriggerPrenotify, Devices: nonCH, From: st(sNone), To: sPend, Inferred: true, Note: "12.2 Device Pre-notification accepted"},
		{ID: "T2", Trigger: TriggerDCCLoad, Devices: hubs, From: st(sNone), To: sPend, Inferred: true, Note: "DCC loads the CH when ordered/delivered"},
		{ID: "T2b", Trigger: TriggerPrenotify, Devices: hubs, From: st(sNone), To: sPend, Inferred: true, Note: "12.2 with AssociatedGPFDeviceID loads a CH (DP316)"},
		{ID: "T3", Trigger: TriggerHANAdd, Devices: slices.Concat(meters, type1), From: st(sPend), To: sWhite, Inferred: true, Note: "8.11 Add (CCS01) on the CHF; DCC alert N24 follows"},
		{ID: "T3b", Trigger: TriggerHANAdd, Devices: slices.Concat(meters, type1), From: st(sWhite), To: sWhite, Inferred: true, Note: "CCS01 for a listed device succeeds and changes nothing (DOMAIN.md §9)"},
		{ID: "T4", Trigger: TriggerInstallNoWAN, Devices: hubs, From: st(sPend), To: sINC, Inferred: true, Note: "8.14.2 Install No SM WAN"},
		{ID: "T5", Trigger: TriggerInstallWAN, Devices: hubs, From: st(sPend, sINC), To: sComm, Inferred: true, Note: "8.14.1 Install Success"},
		{ID: "T6", Trigger: TriggerStatusExceptCH, Devices: nonCH, From: st(sPend, sWhite), To: sINC, Inferred: true, Note: "8.4 UpdateDeviceStatusExceptCH=InstalledNotCommissioned"},
		{ID: "T7", Trigger: TriggerStatusExceptCH, Devices: nonCH, From: st(sWhite, sINC), To: sPend, Inferred: true, Note: "8.4 UpdateDeviceStatusExceptCH=Pending; preconditions inferred"},
		{ID: "T8", Trigger: TriggerStatusCH, Devices: hubs, From: st(sPend, sINC, sComm), To: sComm, Inferred: true, Note: "8.4 UpdateDeviceStatusCH (GPF follows the CHF)"},
		{ID: "T8b", Trigger: TriggerStatusCH, Devices: hubs, From: st(sPend, sINC, sComm), To: sWith, Inferred: true, Note: "8.4 UpdateDeviceStatusCH=Withdrawn"},
		{ID: "T8c", Trigger: TriggerStatusCH, Devices: hubs, From: st(sPend, sComm), To: sINC, Inferred: true, Note: "8.4 UpdateDeviceStatusCH=InstalledNotCommissioned"},
		{ID: "T9", Trigger: TriggerCommission, Devices: meters, From: st(sWhite, sINC), To: sComm, Inferred: true, Note: "8.1.1 Commission Device; 8.11 must precede it (P5)"},
		{ID: "T10", Trigger: TriggerJoinCritical, Devices: type1, From: st(sWhite), To: sComm, Inferred: true, Note: "8.7.1 join of a Type 1 device with its meter"},
		{ID: "T10b", Trigger: TriggerJoinNonCrit, Devices: type1, From: st(sWhite), To: sComm, Inferred: true, Note: "8.7.2 join of a Type 1 device with its meter"},
		{ID: "T11", Trigger: TriggerDecommission, Devices: withSMI, From: st(sComm), To: sDecom, Inferred: true, Note: "8.3 Decommission Device (the transition is confirmed, P2; the trigger is inferred)"},
		{ID: "T12", Trigger: TriggerFaultReturn, Devices: hubs, From: st(sPend, sINC, sComm), To: sDecom, Inferred: true, Note: "8.14.3 Fault Return"},
		{ID: "T12b", Trigger: TriggerNoFaultReturn, Devices: hubs, From: st(sPend, sINC, sComm), To: sDecom, Inferred: true, Note: "8.14.4 No Fault Return"},
		{ID: "T13", Trigger: TriggerOptOut, Devices: withSMI, From: st(sPend, sWhite, sINC, sComm, sSusp), To: sWith, Inferred: true, Note: "withdrawal from DCC services"},
		{ID: "T14", Trigger: TriggerSuspended, Devices: withSMI, From: st(sComm), To: sSusp, Inferred: true, Note: "CPL change; Commissioned→Suspended is confirmed (P2)"},
		{ID: "T14b", Trigger: TriggerRestored, Devices: withSMI, From: st(sSusp), To: sComm, Inferred: true, Note: "DeviceRestored: restore target inferred"},
		{ID: "T15", Trigger: TriggerRecovery, Devices: withSMI, From: st(sPend, sWhite, sINC, sComm, sSusp), To: sRecv, Inferred: true, Note: "SMKI recovery"},
		{ID: "T15b", Trigger: TriggerRecovered, Devices: withSMI, From: st(sRecv), To: sRecd, Inferred: true, Note: "RecoveryComplete"},
		{ID: "T16", Trigger: TriggerDelete, Devices: allWith, From: st(sPend, sWhite, sNone), To: StatusDeleted, Inferred: true, Note: "8.4 DeleteDevice; alert DeviceRemovedFromInventory"},
		{ID: "L1", Trigger: TriggerPrenotify, Devices: type2, From: st(sNone), To: sNone, Inferred: true, Note: "Type 2 devices enter the SMI with no status"},
		{ID: "L2", Trigger: TriggerHANRemove, Devices: slices.Concat(meters, type1), From: st(sWhite), To: sPend, Inferred: true, Note: "8.11 Remove (CCS02) of a device not yet commissioned"},
		{ID: "L3", Trigger: TriggerHANRemove, Devices: slices.Concat(meters, type1), From: st(sPend), To: sPend, Inferred: true,
			Note: "8.11 Remove of a device not on the log succeeds and changes nothing: it withdraws an 8.11 Add that may not have reached the DCC (an install code corrected after the Add was given up)"},
	}
}

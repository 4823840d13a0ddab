package diagnose

import (
	"time"

	"github.com/smetskit/smetskit/protocol/cosem"
)

// Section names one part of a readout; the CLI takes them as arguments.
type Section string

// The readout sections.
const (
	SectionIdentity   Section = "identity"
	SectionClock      Section = "clock"
	SectionRegisters  Section = "registers"
	SectionProfile    Section = "profile"
	SectionEvents     Section = "events"
	SectionObjects    Section = "objects"
	SectionHubLog     Section = "hub-log"
	SectionWAN        Section = "wan"
	SectionDisconnect Section = "disconnect"
)

// Sections lists every section in the order a full readout takes them.
func Sections() []Section {
	return []Section{SectionIdentity, SectionClock, SectionRegisters, SectionDisconnect, SectionProfile,
		SectionEvents, SectionHubLog, SectionWAN, SectionObjects}
}

// ParseSection checks a section name.
func ParseSection(s string) (Section, error) {
	for _, x := range Sections() {
		if string(x) == s {
			return x, nil
		}
	}
	return "", &UnknownSectionError{Name: s}
}

// UnknownSectionError reports a section name that is not in Sections.
type UnknownSectionError struct{ Name string }

func (e *UnknownSectionError) Error() string { return "diagnose: unknown section " + e.Name }

// Unwrap returns ErrUnknownSection.
func (e *UnknownSectionError) Unwrap() error { return ErrUnknownSection }

// Readout is the decoded result of a diagnostic session: what the device
// said, section by section. Sections not read are nil or empty; a section
// that failed leaves a Problem and the others are still read.
type Readout struct {
	Device     *Identity        `json:"device,omitempty"`
	Clock      *ClockReading    `json:"clock,omitempty"`
	Registers  []RegisterValue  `json:"registers,omitempty"`
	Disconnect *DisconnectState `json:"disconnect,omitempty"`
	Profiles   []ProfileReading `json:"profiles,omitempty"`
	Events     []EventLog       `json:"events,omitempty"`
	HubLog     *DeviceLog       `json:"hub_log,omitempty"`
	WAN        *WANDiagnostics  `json:"wan,omitempty"`
	Objects    []Object         `json:"objects,omitempty"`
	Problems   []Problem        `json:"problems,omitempty"`
}

// Problem is a section that could not be read, or a finding an engineer
// must see (a corrupted event log, a full device log, a clock off by
// minutes).
type Problem struct {
	Section Section `json:"section"`
	Text    string  `json:"text"`
}

// Identity is who the device says it is.
type Identity struct {
	Kind              string `json:"kind"` // "meter" or "hub"
	LogicalDeviceName string `json:"logical_device_name,omitempty"`
	Serial            string `json:"serial,omitempty"`
	DeviceID          string `json:"device_id,omitempty"`
	GPFID             string `json:"gpf_id,omitempty"`
	Firmware          string `json:"firmware,omitempty"`
	CommFirmware      string `json:"comm_firmware,omitempty"`
}

// ClockReading is the device clock against the laptop and, where known, a
// better reference (GPS or NTP).
type ClockReading struct {
	DeviceRaw string    `json:"device_raw"` // the date-time fields as sent
	Device    time.Time `json:"device"`     // interpreted as UTC
	Status    uint8     `json:"status"`
	Laptop    time.Time `json:"laptop"`
	// Drift is device minus laptop (positive: the device is ahead).
	Drift time.Duration `json:"drift_ns"`
	// Reference and ReferenceDrift are set when a GPS or NTP time was
	// available; ReferenceSource says which.
	Reference       time.Time     `json:"reference,omitzero"`
	ReferenceSource string        `json:"reference_source,omitempty"`
	ReferenceDrift  time.Duration `json:"reference_drift_ns,omitempty"`
	// ReferenceProblem says why a reference clock was asked but not used
	// (no network, no answer): the drift is against the laptop only.
	ReferenceProblem string `json:"reference_problem,omitempty"`
}

// RegisterValue is one register (class 3 or 4) or Data value read with
// its scaler and unit.
type RegisterValue struct {
	OBIS          cosem.OBIS    `json:"obis"`
	Name          string        `json:"name"`
	Class         cosem.ClassID `json:"class"`
	Value         float64       `json:"value"`
	Unit          string        `json:"unit"`
	Text          string        `json:"text"` // exact scaled value with unit
	Instantaneous bool          `json:"instantaneous"`
}

// DisconnectState is the disconnect control (class 70) state.
type DisconnectState struct {
	OBIS         cosem.OBIS `json:"obis"`
	OutputState  bool       `json:"output_state"`
	ControlState string     `json:"control_state"`
	ControlMode  uint8      `json:"control_mode"`
}

// ProfileReading is part of a profile generic's buffer: the rows whose
// clock lies in [From, To], with column headings and units.
type ProfileReading struct {
	OBIS          cosem.OBIS   `json:"obis"`
	Name          string       `json:"name"`
	From          time.Time    `json:"from"`
	To            time.Time    `json:"to"`
	CapturePeriod uint32       `json:"capture_period_s"`
	Columns       []string     `json:"columns"`
	Units         []string     `json:"units"`
	Rows          []ProfileRow `json:"rows"`
}

// ProfileRow is one profile entry: its time and the cells as text, plus
// the scaled numbers where a cell is numeric (NaN-free: Numeric[i] is false
// for other cells).
type ProfileRow struct {
	Time    time.Time `json:"time"`
	Cells   []string  `json:"cells"`
	Values  []float64 `json:"values"`
	Numeric []bool    `json:"numeric"`
}

// EventLog is one event log (profile generic 0-x:99.98.y) decoded.
type EventLog struct {
	OBIS      cosem.OBIS `json:"obis"`
	Name      string     `json:"name"`
	Entries   []Event    `json:"entries"`
	Corrupted int        `json:"corrupted"`
}

// Event is one event log entry. Corrupt marks an entry whose date or code
// cannot be right (a flash page gone bad): it is kept, never dropped.
type Event struct {
	Time    time.Time `json:"time,omitzero"`
	RawTime string    `json:"raw_time"`
	Code    uint16    `json:"code"`
	Name    string    `json:"name"`
	Corrupt bool      `json:"corrupt,omitempty"`
	Problem string    `json:"problem,omitempty"`
}

// DeviceLog is the communications hub's device log (ZigBee network
// control, class 104, attribute 4 active_devices).
type DeviceLog struct {
	OBIS     cosem.OBIS       `json:"obis"`
	Entries  []DeviceLogEntry `json:"entries"`
	Capacity int              `json:"capacity"`
	Full     bool             `json:"full"`
}

// DeviceLogEntry is one device on the hub's HAN whitelist.
type DeviceLogEntry struct {
	DeviceID  string    `json:"device_id"`
	Status    string    `json:"status"`
	RSSI      int       `json:"rssi_dbm"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	Successes uint64    `json:"successes"`
	Failures  uint64    `json:"failures"`
}

// WANDiagnostics is the hub's cellular view (GSM diagnostic, class 47).
type WANDiagnostics struct {
	OBIS         cosem.OBIS `json:"obis"`
	Operator     string     `json:"operator"`
	Registration string     `json:"registration"`
	PacketSwitch string     `json:"packet_switched"`
	CellID       uint32     `json:"cell_id"`
	LAC          uint16     `json:"lac"`
	MCC          uint16     `json:"mcc"`
	MNC          uint16     `json:"mnc"`
	SignalDBm    int        `json:"signal_dbm"`
	SignalKnown  bool       `json:"signal_known"`
}

// Object is one entry of the association's object list, named.
type Object struct {
	Class   cosem.ClassID `json:"class"`
	Version uint8         `json:"version"`
	OBIS    cosem.OBIS    `json:"obis"`
	Name    string        `json:"name"`
}

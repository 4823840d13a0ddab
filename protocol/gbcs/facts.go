package gbcs

import (
	"strings"
	"unicode"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// InstallFacts are the facts a field engineer acts on, drawn from a decoded
// device response or alert: did the join, unjoin, commission or clock set
// work, which devices the log holds and when each last talked, which
// firmware runs.
type InstallFacts struct {
	// Outcome is "success" or "failure" for responses with result codes.
	Outcome      string        `json:"outcome,omitempty"`
	Failures     []string      `json:"failures,omitempty"`
	JoinResult   *ResponseCode `json:"joinResult,omitempty"`
	UnjoinResult *ResponseCode `json:"unjoinResult,omitempty"`
	AlertCode    *AlertCode    `json:"alertCode,omitempty"`
	AlertName    string        `json:"alertName,omitempty"`
	// DeviceLog lists devices from a device-log read, backup or restore.
	DeviceLog []DeviceLogFact `json:"deviceLog,omitempty"`
	// ExtendedPANID is the HAN extended PAN ID of a CHF device-log backup.
	ExtendedPANID Hex `json:"extendedPanId,omitempty"`
	// FirmwareVersion is the version reported (text when printable, else hex).
	FirmwareVersion string        `json:"firmwareVersion,omitempty"`
	FirmwareResult  *ResponseCode `json:"firmwareResult,omitempty"`
	// DeviceTime and TimeStatus report a device clock after a set-time or
	// commission (GCS28, ECS70).
	DeviceTime string `json:"deviceTime,omitempty"`
	TimeStatus string `json:"timeStatus,omitempty"`
	// Manufacturer and Model come from the ZCL Basic cluster (GCS21e).
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`

	// Command facts: what a command asks of the device.
	Action      string       `json:"action,omitempty"`
	Target      *SystemTitle `json:"target,omitempty"`
	TargetType  string       `json:"targetType,omitempty"`
	JoinMethod  string       `json:"joinMethod,omitempty"`
	JoinTimeout int          `json:"joinTimeoutSeconds,omitempty"`
	// InstallCodeLength is the length of the install code a CCS01 carries
	// (the code itself is a secret and is not repeated here).
	InstallCodeLength int `json:"installCodeLength,omitempty"`
}

// DeviceLogFact is one device of a device log.
type DeviceLogFact struct {
	EntityID          SystemTitle   `json:"entityId"`
	DeviceType        string        `json:"deviceType,omitempty"`
	LastCommunication string        `json:"lastCommunication,omitempty"`
	HashedLinkKey     Hex           `json:"hashedLinkKey,omitempty"`
	JoinResult        *ResponseCode `json:"joinResult,omitempty"`
	Historic          bool          `json:"historic,omitempty"`
}

func outcome(ok bool) string {
	if ok {
		return "success"
	}
	return "failure"
}

// ExtractFacts draws the install-relevant facts from a decoded message:
// results from responses and alerts, and for the join, unjoin and
// device-log commands the device they act on. It returns nil when there is
// nothing to report.
func ExtractFacts(m *Message, p *Payload) *InstallFacts {
	if p == nil {
		return nil
	}
	f := &InstallFacts{}
	if m.CRA == CRACommand {
		f.fromCommand(m, p)
		if f.Action == "" {
			return nil
		}
		return f
	}
	switch {
	case p.ASN1 != nil:
		f.fromASN1(p.ASN1)
	case p.DLMS != nil:
		f.fromDLMS(m, p.DLMS)
	case p.GBZ != nil:
		f.fromGBZ(m, p.GBZ)
	}
	if f.empty() {
		return nil
	}
	return f
}

func (f *InstallFacts) empty() bool {
	return f.Outcome == "" && f.AlertCode == nil && f.DeviceLog == nil && f.FirmwareVersion == "" && f.DeviceTime == ""
}

func (f *InstallFacts) setAlert(a AlertCode) {
	f.AlertCode = &a
	f.AlertName = a.Name()
}

func (f *InstallFacts) fromASN1(a *ASN1Payload) {
	switch v := a.Value.(type) {
	case ResponseCode:
		if a.Structure == "UnjoinDeviceResponse" {
			f.UnjoinResult = &v
		} else {
			f.JoinResult = &v
		}
		f.Outcome = outcome(v.OK)
		if !v.OK {
			f.Failures = append(f.Failures, v.Name)
		}
	case *ReadDeviceJoinDetails:
		f.Outcome = outcome(v.Response.OK)
		for _, e := range v.Entries {
			f.DeviceLog = append(f.DeviceLog, DeviceLogFact{EntityID: e.EntityID, DeviceType: e.DeviceType.String()})
		}
	case *GPFDeviceLogRestoreResponse:
		ok := true
		for _, o := range v.Outcomes {
			r := o.Response
			ok = ok && r.OK
			f.DeviceLog = append(f.DeviceLog, DeviceLogFact{EntityID: o.EntityID, DeviceType: o.DeviceType.String(), JoinResult: &r})
		}
		f.Outcome = outcome(ok)
	case *GPFDeviceLogBackup:
		f.setAlert(v.AlertCode)
		for _, e := range v.Entries {
			f.DeviceLog = append(f.DeviceLog, DeviceLogFact{EntityID: e.EntityID, DeviceType: e.DeviceType.String()})
		}
	case *FirmwareTransferAlert:
		f.setAlert(v.AlertCode)
		r := v.Response
		f.FirmwareResult = &r
		f.FirmwareVersion = versionText(v.FirmwareVersion)
		f.Outcome = outcome(r.OK)
	case *FirmwareActivationAlert:
		f.setAlert(v.AlertCode)
		r := v.Outcome.Response
		f.FirmwareResult = &r
		f.Outcome = outcome(r.OK)
		f.FirmwareVersion = versionText(v.Outcome.FirmwareVersion)
	case *ReadFirmwareVersion:
		r := v.Response
		f.FirmwareResult = &r
		f.Outcome = outcome(r.OK)
		if r.OK {
			f.FirmwareVersion = versionText(v.FirmwareVersion)
		}
	case *ActivateFirmwareResponse:
		if v.Accepted {
			f.Outcome = "success"
		} else if v.Outcome != nil {
			r := v.Outcome.Response
			f.FirmwareResult = &r
			f.Outcome = outcome(r.OK)
			f.FirmwareVersion = versionText(v.Outcome.FirmwareVersion)
		}
	case *SetTimeResponse:
		f.DeviceTime = v.DeviceTime.Format("2006-01-02T15:04:05Z")
		f.TimeStatus = v.Status.String()
		f.Outcome = outcome(v.Status == TimeReliable)
	}
}

func (f *InstallFacts) fromDLMS(m *Message, d *DLMSPayload) {
	if d.Notification != nil {
		f.fromNotification(*d.Notification)
		return
	}
	if len(d.Results) == 0 {
		return
	}
	ok := true
	for _, r := range d.Results {
		if !r.OK {
			ok = false
			f.Failures = append(f.Failures, r.Service+": "+r.Name)
		}
	}
	f.Outcome = outcome(ok)
	switch m.MessageCode() {
	case CodeECS70:
		f.clockFromResults(d.Results)
	case CodeECS52:
		for _, r := range d.Results {
			if r.Data != nil && r.Data.Type() == axdr.TypeOctetString && f.FirmwareVersion == "" {
				f.FirmwareVersion = versionText(r.Data.Bytes())
			}
		}
	case CodeCCS06:
		for _, r := range d.Results {
			if r.Data != nil && r.Data.Type() == axdr.TypeArray {
				f.activeDevices(*r.Data)
			}
		}
	case CodeCCS07:
		for i, r := range d.Results {
			if r.Data != nil && r.Data.Type() == axdr.TypeStructure {
				f.backup(*r.Data, i > 0)
			}
		}
	}
}

// clockFromResults reads Clock attribute 2 (time) and 4 (status) returned
// by the GETs of an ECS70 response.
func (f *InstallFacts) clockFromResults(rs []DLMSResultItem) {
	for _, r := range rs {
		if r.Data == nil || !r.OK {
			continue
		}
		if dt, err := r.Data.DateTime(); err == nil && f.DeviceTime == "" {
			f.DeviceTime = dateTimeText(dt)
			continue
		}
		if r.Data.Type() == axdr.TypeUnsigned && f.DeviceTime != "" && f.TimeStatus == "" {
			f.TimeStatus = clockStatusText(uint8(r.Data.Uint()))
		}
	}
}

// clockStatusText renders a COSEM clock-status byte (IEC 62056-6-2
// clock_status): bit 0 invalid, 1 doubtful, 2 different clock base,
// 3 invalid clock status, 7 daylight saving active.
func clockStatusText(s uint8) string {
	var parts []string
	names := map[uint8]string{0x01: "invalid", 0x02: "doubtful", 0x04: "different clock base", 0x08: "invalid clock status", 0x80: "daylight saving"}
	for _, bit := range []uint8{0x01, 0x02, 0x04, 0x08, 0x80} {
		if s&bit != 0 {
			parts = append(parts, names[bit])
		}
	}
	if s&0x0F == 0 {
		parts = append([]string{"valid"}, parts...)
	}
	return strings.Join(parts, ", ")
}

// fromNotification reads a GBCS DLMS alert: structure { alert code
// long-unsigned, date-time, alert-specific data }, and for 0x8F12 (CS14)
// the CHF device-log backup it carries.
func (f *InstallFacts) fromNotification(v axdr.Value) {
	if v.Type() != axdr.TypeStructure {
		return
	}
	e := v.Elems()
	if len(e) < 1 || e[0].Type() != axdr.TypeLongUnsigned {
		return
	}
	f.setAlert(AlertCode(e[0].Uint()))
	if len(e) >= 3 && AlertCode(e[0].Uint()) == AlertCHFDeviceLogChanged && e[2].Type() == axdr.TypeStructure {
		f.backup(e[2], false)
	}
}

// backup reads a CHF device-log backup (CS14, CCS07): structure {
// date-time, extended PAN ID octet-string(8), array of structure {
// EUI-64, hashed TC link key } }.
func (f *InstallFacts) backup(v axdr.Value, historic bool) {
	e := v.Elems()
	if len(e) != 3 || e[2].Type() != axdr.TypeArray {
		return
	}
	if !historic && e[1].Type() == axdr.TypeOctetString {
		f.ExtendedPANID = append(Hex(nil), e[1].Bytes()...)
	}
	for _, d := range e[2].Elems() {
		de := d.Elems()
		if len(de) < 1 || len(de[0].Bytes()) != 8 {
			continue
		}
		var fact DeviceLogFact
		copy(fact.EntityID[:], de[0].Bytes())
		if len(de) > 1 && len(de[1].Bytes()) > 0 {
			fact.HashedLinkKey = append(Hex(nil), de[1].Bytes()...)
		}
		fact.Historic = historic
		f.DeviceLog = append(f.DeviceLog, fact)
	}
}

// activeDevices reads the CCS06 answer (class 104 attribute 4): array of
// structure { MAC address, status, RSSI max/avg/min, LQI max/avg/min, last
// communication date-time, ... } (DOMAIN.md §9).
func (f *InstallFacts) activeDevices(v axdr.Value) {
	for _, d := range v.Elems() {
		de := d.Elems()
		if len(de) < 1 || len(de[0].Bytes()) != 8 {
			continue
		}
		var fact DeviceLogFact
		copy(fact.EntityID[:], de[0].Bytes())
		if len(de) > 8 {
			if dt, err := de[8].DateTime(); err == nil {
				fact.LastCommunication = dateTimeText(dt)
			}
		}
		f.DeviceLog = append(f.DeviceLog, fact)
	}
}

func (f *InstallFacts) fromGBZ(m *Message, g *GBZPayload) {
	if g.Alert != nil {
		f.setAlert(g.Alert.Code)
	}
	ok := true
	seen := false
	for _, c := range g.Components {
		if c.Default != nil {
			seen = true
			if c.Default.Status != 0 {
				ok = false
				f.Failures = append(f.Failures, c.Command+": "+c.Default.Status.String())
			}
		}
		for _, a := range c.Attributes {
			if a.Status == nil {
				continue
			}
			seen = true
			if *a.Status != 0 {
				ok = false
				f.Failures = append(f.Failures, attrLabel(a)+": "+a.Status.String())
				continue
			}
			switch {
			case m.MessageCode() == CodeGCS38 && c.Cluster == 0x0702 && a.ID == 0x0206 && len(a.Value) > 0:
				f.FirmwareVersion = versionText(a.Value[1:])
			case c.Cluster == 0x0000 && a.ID == 0x0004:
				f.Manufacturer = a.Text
			case c.Cluster == 0x0000 && a.ID == 0x0005:
				f.Model = a.Text
			}
		}
	}
	if seen {
		f.Outcome = outcome(ok)
	}
}

func attrLabel(a ZCLAttribute) string {
	if a.Name != "" {
		return a.Name
	}
	return "attribute " + strings.ToUpper(Hex{byte(a.ID >> 8), byte(a.ID)}.hexString())
}

func (h Hex) hexString() string { t, _ := h.MarshalText(); return string(t) }

// versionText renders a firmware version: as text when every byte is
// printable ASCII, otherwise as hex.
func versionText(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	for _, c := range b {
		if c > unicode.MaxASCII || !unicode.IsPrint(rune(c)) {
			return Hex(b).hexString()
		}
	}
	return strings.TrimRight(string(b), " \x00")
}

// Class 104 (ZigBee network control) methods on the CHF device log
// (DOMAIN.md §9).
const (
	classZigBeeNetworkControl = 104
	methodRegisterDevice      = 1
	methodUnregisterDevice    = 2
	attrJoinTimeout           = 3
)

func (f *InstallFacts) fromCommand(m *Message, p *Payload) {
	if p.ASN1 != nil {
		switch v := p.ASN1.Value.(type) {
		case *JoinDeviceCommand:
			f.Action = "join"
			f.Target = &v.EntityID
			f.TargetType = v.DeviceType.String()
			f.JoinMethod = v.Method.String()
		case SystemTitle:
			f.Action = "unjoin"
			f.Target = &v
		}
		return
	}
	if p.DLMS == nil || (m.MessageCode() != CodeCCS01 && m.MessageCode() != CodeCCS02) {
		return
	}
	for _, r := range p.DLMS.Requests {
		if r.ClassID != classZigBeeNetworkControl {
			continue
		}
		switch {
		case r.Service == "action" && (r.Method == methodRegisterDevice || r.Method == methodUnregisterDevice) && r.Data != nil:
			f.Action = "add to CHF device log"
			if r.Method == methodUnregisterDevice {
				f.Action = "remove from CHF device log"
			}
			eui := r.Data.Bytes()
			if r.Data.Type() == axdr.TypeStructure && len(r.Data.Elems()) > 0 {
				e := r.Data.Elems()
				eui = e[0].Bytes()
				if len(e) > 2 {
					f.InstallCodeLength = len(e[2].Bytes())
				}
			}
			if len(eui) == 8 {
				var id SystemTitle
				copy(id[:], eui)
				f.Target = &id
			}
		case r.Service == "set" && r.Attribute == attrJoinTimeout && r.Data != nil:
			f.JoinTimeout = int(r.Data.Uint())
		}
	}
}

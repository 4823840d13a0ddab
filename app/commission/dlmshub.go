package commission

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/duis"
)

// Objects of the hub profile (sim/HUBPROFILE.md; DOMAIN.md §9).
var (
	obisClock          = cosem.MustOBIS("0-0:1.0.0*255")
	obisNetworkControl = cosem.MustOBIS("0-0:30.3.0*255") // class 104, the CHF device log
	obisGSMDiagnostic  = cosem.MustOBIS("0-0:25.6.0*255") // class 47, the WAN
	obisLocalDelivery  = cosem.MustOBIS("0-0:128.1.0*255")
	obisFirmware       = cosem.MustOBIS("1-0:0.2.0*255")   // class 1, active firmware identifier
	obisHubEventLog    = cosem.MustOBIS("0-0:99.98.0*255") // class 7, the CHF event log
	obisGPFDeviceLog   = cosem.MustOBIS("0-0:30.3.2*255")  // class 104, the GPF device log (sim/HUBPROFILE.md)
	obisGPFGasVolume   = cosem.MustOBIS("7-0:3.0.0*255")   // class 3, the GPF's copy of the gas volume
)

// CHF event codes the join step looks for (GB alert codes, DOMAIN.md §16.6).
const (
	eventJoinFailed    = 0x8F48
	eventJoinSucceeded = 0x8F49
)

// maxEventRows caps the event log rows decoded from a hub.
const maxEventRows = 1024

// classLocalDelivery is the manufacturer-specific class of the local
// delivery object in the hub profile (IEC 62056-6-2 reserves 128…199).
const classLocalDelivery cosem.ClassID = 128

// maxLogEntries caps the device log entries decoded from a hub.
const maxLogEntries = 256

// DLMSHub is the hub profile over a DLMS association with the hub's
// management client (SAP 1, HLS-GMAC): the ZigBee network control object
// (class 104) for the device log, GSM diagnostic (class 47) for the WAN,
// the clock, and the local-delivery object (class 128 method 1).
type DLMSHub struct {
	C *dlms.Client
}

// WAN reads the GSM diagnostic registration status (class 47 attribute 3):
// 1 (home) and 5 (roaming) are registered.
func (h *DLMSHub) WAN(ctx context.Context) (WANStatus, error) {
	d, err := h.C.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassGSMDiagnostic, Instance: obisGSMDiagnostic, Attribute: 3}, nil)
	if err != nil {
		return WANStatus{}, fmt.Errorf("read registration status: %w", err)
	}
	v, _, err := axdr.Decode(d)
	if err != nil {
		return WANStatus{}, fmt.Errorf("decode registration status: %w", err)
	}
	st := WANStatus{Status: int(v.Int())}
	st.Registered = st.Status == 1 || st.Status == 5
	if d, err := h.C.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassGSMDiagnostic, Instance: obisGSMDiagnostic, Attribute: 2}, nil); err == nil {
		if v, _, err := axdr.Decode(d); err == nil {
			st.Operator = v.Text()
		}
	}
	return st, nil
}

// WhitelistAdd invokes register_device (class 104 method 1) with {EUI-64,
// enum 1, install code, enum 0} (DOMAIN.md §9, CCS01). A refusal with
// temporary-failure is a full log.
func (h *DLMSHub) WhitelistAdd(ctx context.Context, device string, installCode []byte) error {
	id, err := duis.ParseEUI64(device)
	if err != nil {
		return err
	}
	p, err := axdr.Encode(axdr.Structure(axdr.OctetString(id[:]), axdr.Enum(1), axdr.OctetString(installCode), axdr.Enum(0)))
	if err != nil {
		return err
	}
	_, err = h.C.Action(ctx, dlms.MethodDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: obisNetworkControl, Method: 1}, p)
	var ar dlms.ActionResult
	if errors.As(err, &ar) && ar == 2 {
		return fmt.Errorf("register %s: %w", device, ErrDeviceLogFull)
	}
	if err != nil {
		return fmt.Errorf("register %s: %w", device, err)
	}
	return nil
}

// WhitelistRemove invokes unregister_device (class 104 method 2, CCS02).
func (h *DLMSHub) WhitelistRemove(ctx context.Context, device string) error {
	id, err := duis.ParseEUI64(device)
	if err != nil {
		return err
	}
	p, err := axdr.Encode(axdr.OctetString(id[:]))
	if err != nil {
		return err
	}
	if _, err := h.C.Action(ctx, dlms.MethodDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: obisNetworkControl, Method: 2}, p); err != nil {
		return fmt.Errorf("unregister %s: %w", device, err)
	}
	return nil
}

// EnableJoin sets join_timeout (attribute 3) and then enable joining
// (attribute 2) to TRUE.
func (h *DLMSHub) EnableJoin(ctx context.Context, period time.Duration) error {
	secs := min(max(int(period/time.Second), 1), 3600)
	t, _ := axdr.Encode(axdr.Uint16(uint16(secs)))
	if err := h.C.Set(ctx, dlms.AttributeDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: obisNetworkControl, Attribute: 3}, nil, t); err != nil {
		return fmt.Errorf("set join timeout: %w", err)
	}
	on, _ := axdr.Encode(axdr.Bool(true))
	if err := h.C.Set(ctx, dlms.AttributeDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: obisNetworkControl, Attribute: 2}, nil, on); err != nil {
		return fmt.Errorf("enable joining: %w", err)
	}
	return nil
}

// DeviceLog reads active_devices (class 104 attribute 4, CCS06).
func (h *DLMSHub) DeviceLog(ctx context.Context) ([]LogEntry, error) {
	d, err := h.C.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: obisNetworkControl, Attribute: 4}, nil)
	if err != nil {
		return nil, fmt.Errorf("read active devices: %w", err)
	}
	return ParseActiveDevices(d)
}

// ParseActiveDevices decodes class 104 attribute 4: an array of 14-field
// structures {mac address, status bit-string, max/avg/min RSSI, max/avg/min
// LQI, last communication date-time, ...} (DOMAIN.md §9). The "reporting"
// status bit (second bit) means a link key is established.
func ParseActiveDevices(d []byte) ([]LogEntry, error) {
	v, _, err := axdr.Decode(d)
	if err != nil {
		return nil, fmt.Errorf("decode active devices: %w", err)
	}
	if v.Type() != axdr.TypeArray {
		return nil, fmt.Errorf("decode active devices: %v is not an array", v.Type())
	}
	if v.Len() > maxLogEntries {
		return nil, fmt.Errorf("decode active devices: %d entries, at most %d", v.Len(), maxLogEntries)
	}
	out := make([]LogEntry, 0, v.Len())
	for i, e := range v.Elems() {
		if e.Type() != axdr.TypeStructure || e.Len() < 9 {
			return nil, fmt.Errorf("decode active devices: entry %d is not a 14-field structure", i)
		}
		mac := e.Index(0).Bytes()
		if len(mac) != 8 {
			return nil, fmt.Errorf("decode active devices: entry %d: mac address of %d bytes", i, len(mac))
		}
		var id duis.EUI64
		copy(id[:], mac)
		le := LogEntry{DeviceID: id.String(), RSSI: int(e.Index(3).Int())}
		if st := e.Index(1).Bytes(); len(st) > 0 {
			le.Joined = st[0]&0x40 != 0
		}
		if b := e.Index(8).Bytes(); len(b) == 12 {
			if dt, err := axdr.ParseDateTime(b); err == nil && dt.Specified() {
				if t, err := dt.Time(time.UTC, axdr.DeviationNormal); err == nil {
					le.LastSeen = t.UTC()
				}
			}
		}
		out = append(out, le)
	}
	return out, nil
}

// Clock reads the hub's clock (class 8 attribute 2, and attribute 4, the
// clock status); it is reliable when neither status has the invalid or the
// doubtful bit (a hub without
// WAN flags its clock doubtful, DOMAIN.md §8.1).
func (h *DLMSHub) Clock(ctx context.Context) (time.Time, bool, error) {
	d, err := h.C.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassClock, Instance: obisClock, Attribute: 2}, nil)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read clock: %w", err)
	}
	v, _, err := axdr.Decode(d)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("decode clock: %w", err)
	}
	b := v.Bytes()
	if len(b) != 12 {
		return time.Time{}, false, fmt.Errorf("decode clock: %d bytes, want 12", len(b))
	}
	dt, err := axdr.ParseDateTime(b)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("decode clock: %w", err)
	}
	t, err := dt.Time(time.UTC, axdr.DeviationNormal)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("decode clock: %w", err)
	}
	status := dt.Status
	if d, err := h.C.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassClock, Instance: obisClock, Attribute: 4}, nil); err == nil {
		if v, _, err := axdr.Decode(d); err == nil {
			status |= axdr.ClockStatus(v.Uint())
		}
	}
	return t, status&(axdr.StatusInvalid|axdr.StatusDoubtful) == 0, nil
}

// Deliver invokes deliver (class 128 method 1) with the GBCS command as an
// octet-string and returns the GBCS response (sim/HUBPROFILE.md).
func (h *DLMSHub) Deliver(ctx context.Context, gbcs []byte) ([]byte, error) {
	p, err := axdr.Encode(axdr.OctetString(gbcs))
	if err != nil {
		return nil, err
	}
	d, err := h.C.Action(ctx, dlms.MethodDescriptor{Class: classLocalDelivery, Instance: obisLocalDelivery, Method: 1}, p)
	if err != nil {
		return nil, fmt.Errorf("deliver: %w", err)
	}
	v, _, err := axdr.Decode(d)
	if err != nil {
		return nil, fmt.Errorf("decode delivery response: %w", err)
	}
	return v.Bytes(), nil
}

// Firmware reads the hub's active firmware identifier (class 1 value,
// 1-0:0.2.0). The post-checks record it when the hub offers it.
func (h *DLMSHub) Firmware(ctx context.Context) (string, error) {
	d, err := h.C.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassData, Instance: obisFirmware, Attribute: 2}, nil)
	if err != nil {
		return "", fmt.Errorf("read firmware: %w", err)
	}
	v, _, err := axdr.Decode(d)
	if err != nil {
		return "", fmt.Errorf("decode firmware: %w", err)
	}
	return v.Text(), nil
}

// JoinFailure reads the CHF event log (class 7 buffer, 0-0:99.98.0) and
// returns the GBCS join response code of the last 0x8F48 event for device
// recorded at or after since (the hub's clock), or 0 when there is none or
// a 0x8F49 (joining succeeded) follows it (sim/HUBPROFILE.md, "CHF event
// log: why a join failed"). A zero since takes every event.
func (h *DLMSHub) JoinFailure(ctx context.Context, device string, since time.Time) (int, error) {
	id, err := duis.ParseEUI64(device)
	if err != nil {
		return 0, err
	}
	d, err := h.C.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassProfileGeneric, Instance: obisHubEventLog, Attribute: 2}, nil)
	if err != nil {
		return 0, fmt.Errorf("read hub event log: %w", err)
	}
	return ParseJoinFailure(d, id[:], since)
}

// ParseJoinFailure decodes a CHF event log buffer, an array of rows
// {clock, event code, device EUI-64, detail} in the order they were
// recorded, and returns the detail (the GBCS join response code) of the
// last joining-failed event for device, or 0 when there is none or a
// joining-succeeded event for it comes later. Rows stamped before since
// (compared to the second, as the date-time carries it) belong to an
// earlier join window and are skipped; rows whose clock is not specified
// are kept, as is every row when since is zero. Rows with fewer than four
// columns (a hub that does not record the device) are skipped.
func ParseJoinFailure(d []byte, device []byte, since time.Time) (int, error) {
	v, _, err := axdr.Decode(d)
	if err != nil {
		return 0, fmt.Errorf("decode hub event log: %w", err)
	}
	if v.Type() != axdr.TypeArray {
		return 0, fmt.Errorf("decode hub event log: %v is not an array", v.Type())
	}
	if v.Len() > maxEventRows {
		return 0, fmt.Errorf("decode hub event log: %d rows, at most %d", v.Len(), maxEventRows)
	}
	since = since.Truncate(time.Second)
	code := 0
	for i, row := range v.Elems() {
		if row.Type() != axdr.TypeStructure {
			return 0, fmt.Errorf("decode hub event log: row %d is not a structure", i)
		}
		if row.Len() < 4 || !bytes.Equal(row.Index(2).Bytes(), device) {
			continue
		}
		if !since.IsZero() {
			if at, ok := rowTime(row.Index(0)); ok && at.Before(since) {
				continue
			}
		}
		switch row.Index(1).Uint() {
		case eventJoinFailed:
			code = int(row.Index(3).Uint())
		case eventJoinSucceeded:
			code = 0
		}
	}
	return code, nil
}

// rowTime is an event row's clock column, to the second, when specified.
func rowTime(v axdr.Value) (time.Time, bool) {
	b := v.Bytes()
	if len(b) != 12 {
		return time.Time{}, false
	}
	dt, err := axdr.ParseDateTime(b)
	if err != nil || !dt.Specified() {
		return time.Time{}, false
	}
	t, err := dt.Time(time.UTC, axdr.DeviationNormal)
	if err != nil {
		return time.Time{}, false
	}
	return t.Truncate(time.Second), true
}

// GPFDeviceLog reads the GPF device log, the gas meters the GPF stands in
// for: class 104 instance 0-0:30.3.2 method 4 (backup), as the hub profile
// offers it (sim/HUBPROFILE.md, "The GPF"; a real GPF answers GCS62 in
// GBZ).
func (h *DLMSHub) GPFDeviceLog(ctx context.Context) ([]string, error) {
	d, err := h.C.Action(ctx, dlms.MethodDescriptor{Class: cosem.ClassZigBeeNetworkControl, Instance: obisGPFDeviceLog, Method: 4}, nil)
	if err != nil {
		return nil, fmt.Errorf("read GPF device log: %w", err)
	}
	return ParseBackup(d)
}

// ParseBackup decodes a device log backup (class 104 method 4, the CCS07
// and CS14 shape, DOMAIN.md §9): {date-time, extended PAN ID, array of
// {EUI-64, hashed key}}, and returns the EUI-64s in text form, in order.
func ParseBackup(d []byte) ([]string, error) {
	v, _, err := axdr.Decode(d)
	if err != nil {
		return nil, fmt.Errorf("decode device log backup: %w", err)
	}
	if v.Type() != axdr.TypeStructure || v.Len() < 3 || v.Index(2).Type() != axdr.TypeArray {
		return nil, fmt.Errorf("decode device log backup: not {date-time, PAN ID, array}")
	}
	entries := v.Index(2)
	if entries.Len() > maxLogEntries {
		return nil, fmt.Errorf("decode device log backup: %d entries, at most %d", entries.Len(), maxLogEntries)
	}
	out := make([]string, 0, entries.Len())
	for i, e := range entries.Elems() {
		if e.Type() != axdr.TypeStructure || e.Len() < 1 || len(e.Index(0).Bytes()) != 8 {
			return nil, fmt.Errorf("decode device log backup: entry %d is not {EUI-64, key}", i)
		}
		var id duis.EUI64
		copy(id[:], e.Index(0).Bytes())
		out = append(out, id.String())
	}
	return out, nil
}

// GasVolume reads the GPF's copy of the gas meter's volume register
// (class 3, 7-0:3.0.0, value and scaler-unit), in cubic metres as text
// with its unit, e.g. "1234.567 m3".
func (h *DLMSHub) GasVolume(ctx context.Context) (string, error) {
	d, err := h.C.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassRegister, Instance: obisGPFGasVolume, Attribute: 2}, nil)
	if err != nil {
		return "", fmt.Errorf("read gas volume: %w", err)
	}
	v, _, err := axdr.Decode(d)
	if err != nil {
		return "", fmt.Errorf("decode gas volume: %w", err)
	}
	scaler := 0
	if d, err := h.C.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassRegister, Instance: obisGPFGasVolume, Attribute: 3}, nil); err == nil {
		if su, _, err := axdr.Decode(d); err == nil && su.Type() == axdr.TypeStructure && su.Len() == 2 {
			scaler = int(su.Index(0).Int())
		}
	}
	if scaler < -9 || scaler > 9 {
		return "", fmt.Errorf("decode gas volume: scaler %d", scaler)
	}
	n := v.Uint()
	switch {
	case scaler >= 0:
		for range scaler {
			n *= 10
		}
		return fmt.Sprintf("%d m3", n), nil
	default:
		div := uint64(1)
		for range -scaler {
			div *= 10
		}
		return fmt.Sprintf("%d.%0*d m3", n/div, -scaler, n%div), nil
	}
}

package diagnose

import (
	"context"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
)

// maxDeviceLogEntries caps the entries decoded from active_devices.
const maxDeviceLogEntries = 4096

// HubLog reads the communications hub's device log: attribute 4
// (active_devices) of the ZigBee network control object (class 104;
// DOMAIN.md §9). The log is Full when it holds Config.DeviceLogCapacity
// entries or more.
func (s *Session) HubLog(ctx context.Context) (*DeviceLog, error) {
	nc := s.offered(cosem.ClassZigBeeNetworkControl)
	if len(nc) == 0 {
		return nil, fmt.Errorf("device log: %w", ErrNotOffered)
	}
	ln := nc[0].LogicalName
	v, err := s.get(ctx, cosem.ClassZigBeeNetworkControl, ln, 4)
	if err != nil {
		return nil, err
	}
	entries, err := DecodeDeviceLog(v)
	if err != nil {
		return nil, fmt.Errorf("decode device log %s: %w", ln, err)
	}
	return &DeviceLog{OBIS: ln, Entries: entries, Capacity: s.cfg.DeviceLogCapacity,
		Full: len(entries) >= s.cfg.DeviceLogCapacity}, nil
}

// DecodeDeviceLog reads active_devices (class 104 attribute 4): an array
// of structures {mac_address, status, max/average/min RSSI, max/average/min
// LQI, last_communication_date_time, number_of_hops,
// transmission_failures, transmission_successes, application_version,
// stack_version}. Short entries keep what they carry; the status bit
// string is shown as sent (its bit order is not public, DOMAIN.md §20).
func DecodeDeviceLog(v axdr.Value) ([]DeviceLogEntry, error) {
	if v.Type() != axdr.TypeArray {
		return nil, fmt.Errorf("active_devices is %v, want array: %w", v.Type(), cosem.ErrShape)
	}
	elems := v.Elems()
	if len(elems) > maxDeviceLogEntries {
		elems = elems[:maxDeviceLogEntries]
	}
	out := make([]DeviceLogEntry, 0, len(elems))
	for i, e := range elems {
		if e.Type() != axdr.TypeStructure || e.Len() < 1 {
			return nil, fmt.Errorf("entry %d is %v: %w", i+1, e.Type(), cosem.ErrShape)
		}
		f := e.Elems()
		d := DeviceLogEntry{DeviceID: euiText(f[0].Bytes())}
		if len(f) > 1 {
			d.Status = f[1].String()
		}
		if len(f) > 3 {
			d.RSSI = int(f[3].Int())
		}
		if len(f) > 8 && f[8].Type() == axdr.TypeOctetString {
			if dt, err := axdr.ParseDateTime(f[8].Bytes()); err == nil {
				if t, err := dt.Time(nil, axdr.DeviationNormal); err == nil {
					d.LastSeen = t.UTC()
				}
			}
		}
		if len(f) > 11 {
			d.Failures, d.Successes = f[10].Uint(), f[11].Uint()
		}
		out = append(out, d)
	}
	return out, nil
}

// euiText writes an EUI-64 in the DUIS text form (DOMAIN.md §2), or hex
// for other lengths.
func euiText(b []byte) string {
	if len(b) != 8 {
		return fmt.Sprintf("%X", b)
	}
	return fmt.Sprintf("%02X-%02X-%02X-%02X-%02X-%02X-%02X-%02X", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
}

// Registration states of GSM diagnostic attribute 3 (IEC 62056-6-2
// §4.7.4 class 47 status).
var registrationNames = []string{"not registered", "registered, home network", "not registered, searching",
	"registration denied", "unknown", "registered, roaming"}

// Packet-switched states of GSM diagnostic attribute 5 (class 47 version 1
// ps_status).
var psNames = []string{"inactive", "GPRS", "EDGE", "UMTS", "HSDPA", "LTE", "CDMA", "LTE-M", "NB-IoT"}

func nameOf(names []string, v uint64) string {
	if v < uint64(len(names)) {
		return names[v]
	}
	return fmt.Sprintf("unknown (%d)", v)
}

// WAN reads the hub's GSM diagnostic object (class 47): operator,
// registration, packet-switched status and the serving cell with its
// signal. Hubs that offer only LTE monitoring (class 151) are reported as
// not offering it.
func (s *Session) WAN(ctx context.Context) (*WANDiagnostics, error) {
	g := s.offered(cosem.ClassGSMDiagnostic)
	if len(g) == 0 {
		return nil, fmt.Errorf("WAN diagnostics: %w", ErrNotOffered)
	}
	ln := g[0].LogicalName
	w := &WANDiagnostics{OBIS: ln}
	if v, err := s.get(ctx, cosem.ClassGSMDiagnostic, ln, 2); err == nil {
		w.Operator = printable(v)
	} else if ctx.Err() != nil {
		return nil, err
	}
	if v, err := s.get(ctx, cosem.ClassGSMDiagnostic, ln, 3); err == nil {
		w.Registration = nameOf(registrationNames, v.Uint())
	}
	if v, err := s.get(ctx, cosem.ClassGSMDiagnostic, ln, 5); err == nil {
		w.PacketSwitch = nameOf(psNames, v.Uint())
	}
	v, err := s.get(ctx, cosem.ClassGSMDiagnostic, ln, 6)
	if err != nil {
		return w, err
	}
	cell, err := cosem.ParseGSMCellInfo(v)
	if err != nil {
		return w, fmt.Errorf("decode cell_info: %w", err)
	}
	w.CellID, w.LAC, w.MCC, w.MNC = cell.CellID, cell.LocationID, cell.MCC, cell.MNC
	w.SignalDBm, w.SignalKnown = cell.SignalDBm()
	return w, nil
}

// now returns the laptop time.
func (s *Session) now() time.Time { return s.cfg.Now() }

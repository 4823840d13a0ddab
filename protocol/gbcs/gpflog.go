package gbcs

import (
	"fmt"
	"time"
)

// GPFDeviceLogRestore is the GCS59 command payload: SEQUENCE {
// deviceLogEntries SEQUENCE OF DeviceLogEntry }.
type GPFDeviceLogRestore struct {
	Entries []DeviceLogEntry `json:"entries"`
}

// ParseGPFDeviceLogRestore decodes a GCS59 command payload.
func ParseGPFDeviceLogRestore(b []byte) (*GPFDeviceLogRestore, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	if !n.is(DERSequence, true) || len(n.Children) != 1 {
		return nil, decodeErr("GCS59 command", 0, fmt.Errorf("%w: want SEQUENCE of 1", ErrTag))
	}
	es, err := parseDeviceLogEntries(n.Children[0])
	if err != nil {
		return nil, decodeErr("GCS59 command", 0, err)
	}
	return &GPFDeviceLogRestore{Entries: es}, nil
}

// AppendBinary appends the DER encoding of r.
func (r *GPFDeviceLogRestore) AppendBinary(b []byte) ([]byte, error) {
	return derSeq(deviceLogEntriesDER(r.Entries)).AppendDER(b), nil
}

// RestoreOutcome is one entry of a GCS59 response: the entry and the join
// response code the GPF gives it.
type RestoreOutcome struct {
	DeviceLogEntry
	Response ResponseCode `json:"response"`
}

// GPFDeviceLogRestoreResponse is the GCS59 response payload: SEQUENCE {
// SEQUENCE OF SEQUENCE { DeviceLogEntry, joinResponseCode INTEGER } }.
type GPFDeviceLogRestoreResponse struct {
	Outcomes []RestoreOutcome `json:"outcomes"`
}

// ParseGPFDeviceLogRestoreResponse decodes a GCS59 response payload.
func ParseGPFDeviceLogRestoreResponse(b []byte) (*GPFDeviceLogRestoreResponse, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "GCS59 response"
	if !n.is(DERSequence, true) || len(n.Children) != 1 || !n.Children[0].is(DERSequence, true) {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE { SEQUENCE OF }", ErrTag))
	}
	r := &GPFDeviceLogRestoreResponse{Outcomes: make([]RestoreOutcome, 0, len(n.Children[0].Children))}
	for _, c := range n.Children[0].Children {
		if !c.is(DERSequence, true) || len(c.Children) != 2 {
			return nil, decodeErr(op, 0, fmt.Errorf("%w: restore outcome: want SEQUENCE of 2", ErrTag))
		}
		e, err := parseDeviceLogEntry(c.Children[0])
		if err != nil {
			return nil, decodeErr(op, 0, err)
		}
		v, err := c.Children[1].Int()
		if err != nil {
			return nil, decodeErr(op, 0, err)
		}
		r.Outcomes = append(r.Outcomes, RestoreOutcome{DeviceLogEntry: e, Response: responseCode(v, joinResponseNames)})
	}
	return r, nil
}

// AppendBinary appends the DER encoding of r.
func (r *GPFDeviceLogRestoreResponse) AppendBinary(b []byte) ([]byte, error) {
	list := derSeq()
	for _, o := range r.Outcomes {
		list.Children = append(list.Children, derSeq(o.DeviceLogEntry.der(), derInt(int64(o.Response.Code))))
	}
	return derSeq(list).AppendDER(b), nil
}

// GPFDeviceLogBackup is the GCS62 alert payload (alert 0x8071, GPF Device
// Log changed): SEQUENCE { alertCode INTEGER, backupDateTime
// GeneralizedTime, deviceLogEntries SEQUENCE OF DeviceLogEntry }.
type GPFDeviceLogBackup struct {
	AlertCode      AlertCode        `json:"alertCode"`
	BackupDateTime time.Time        `json:"backupDateTime"`
	Entries        []DeviceLogEntry `json:"entries"`
}

// ParseGPFDeviceLogBackup decodes a GCS62 alert payload.
func ParseGPFDeviceLogBackup(b []byte) (*GPFDeviceLogBackup, error) {
	n, err := ParseDER(b)
	if err != nil {
		return nil, err
	}
	const op = "GCS62 alert"
	if !n.is(DERSequence, true) || len(n.Children) != 3 {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: want SEQUENCE of 3", ErrTag))
	}
	var a GPFDeviceLogBackup
	code, err := n.Children[0].Int()
	if err != nil {
		return nil, decodeErr(op, 0, err)
	}
	a.AlertCode = AlertCode(code)
	if a.BackupDateTime, err = parseGeneralizedTime(n.Children[1]); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	if a.Entries, err = parseDeviceLogEntries(n.Children[2]); err != nil {
		return nil, decodeErr(op, 0, err)
	}
	return &a, nil
}

// AppendBinary appends the DER encoding of a.
func (a *GPFDeviceLogBackup) AppendBinary(b []byte) ([]byte, error) {
	return derSeq(derInt(int64(a.AlertCode)), derTime(a.BackupDateTime), deviceLogEntriesDER(a.Entries)).AppendDER(b), nil
}

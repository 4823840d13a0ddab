package commission

import "time"

// DCC is the DCC's EUI-64 in the DUIS test system: the Request ID target of
// non-device service requests (DOMAIN.md §12).
const DCC = "90-B3-D5-1F-30-00-00-02"

// Plan is everything the engine needs for one job: who is acting, the
// devices, and the engineer's answers. It is stored with the run, so a
// resumed run uses exactly the plan it started with.
type Plan struct {
	JobID      string `json:"jobId"`
	Flow       string `json:"flow"`       // "install", "exchange-ch", "exchange-meter"
	Originator string `json:"originator"` // the User's (supplier's) EUI-64
	DCC        string `json:"dcc,omitempty"`
	CHF        string `json:"chf"`              // the hub fitted (CHF device ID)
	OldCHF     string `json:"oldChf,omitempty"` // exchange-ch: the hub coming out
	MPxN       string `json:"mpxn"`             // the site's import MPAN/MPRN for 8.14.x
	Postcode   string `json:"postcode,omitempty"`
	// Coverage is the SM WAN coverage for the postcode as last synced
	// ("yes", "partial", "no", "unknown", or "" when never synced).
	Coverage string   `json:"coverage,omitempty"`
	Devices  []Device `json:"devices"`
	// Answers are the engineer's answers by DUIS field name (CHFLocation,
	// AerialInstall, PremiseType, MetalObstructionCheck, ...) plus the
	// engine's own (WAN "yes"/"no" when no hub is connected, ReturnKind).
	Answers map[string]string `json:"answers"`
	// JoinPeriod is the 8.11 join window (1–3600 s; default 90 s).
	JoinPeriod int `json:"joinPeriod,omitempty"`
	// Tolerance is the 8.1.1 clock tolerance in seconds (default 60 s for
	// an ESME, 3600 s for a GSME, as in the DUIS templates).
	Tolerance     int            `json:"tolerance,omitempty"`
	LocalCommands []LocalCommand `json:"localCommands,omitempty"`
	Reads         []Read         `json:"reads,omitempty"`
	Photos        []string       `json:"photos,omitempty"` // SHA-256 of photos attached to the job
}

// Device is one device of the plan.
type Device struct {
	ID          string `json:"id"`   // EUI-64 text form
	Type        string `json:"type"` // ESME, GSME, CHF, GPF, PPMID, HCALCS, IHD, CAD
	Role        string `json:"role,omitempty"`
	Status      string `json:"status,omitempty"`    // SMI status when synced
	CPLStatus   string `json:"cplStatus,omitempty"` // Active, ...
	InstallCode string `json:"installCode,omitempty"`
	MPxN        string `json:"mpxn,omitempty"`
	// JoinWith is the meter a Type 1 or Type 2 device joins (8.7.x).
	JoinWith string `json:"joinWith,omitempty"`
}

// LocalCommand is a command for local delivery prepared by the back office
// (a DUIS response with LocalCommand, CV 2/3/6/7, DOMAIN.md §8.2) and synced
// down before the visit.
type LocalCommand struct {
	OriginalRequestID string `json:"originalRequestId"`
	GBCS              []byte `json:"gbcs"`
}

// Read is a register read taken on site.
type Read struct {
	DeviceID string    `json:"deviceId"`
	Kind     string    `json:"kind"`     // "initial" or "final"
	Register string    `json:"register"` // OBIS or name, e.g. 1-0:1.8.0
	Value    string    `json:"value"`
	Unit     string    `json:"unit,omitempty"`
	At       time.Time `json:"at"`
}

func (p *Plan) dcc() string {
	if p.DCC != "" {
		return p.DCC
	}
	return DCC
}

func (p *Plan) device(id string) (Device, bool) {
	for _, d := range p.Devices {
		if d.ID == id {
			return d, true
		}
	}
	return Device{}, false
}

// items returns the devices a step acts on, in plan order, or nil for a
// single-item step.
func (p *Plan) items(s StepDef) []Device {
	if len(s.ForEach) == 0 {
		return nil
	}
	var out []Device
	for _, d := range p.Devices {
		if d.Role != s.Role {
			continue
		}
		for _, t := range s.ForEach {
			if d.Type == t {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

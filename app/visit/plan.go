package visit

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/jobs"
)

// Inputs are what a plan needs beyond the synced job: who acts, the install
// codes read from the devices' labels on site, and what is known of SM WAN
// coverage.
type Inputs struct {
	// Originator is the User's (supplier's) EUI-64, the Request ID
	// originator of the DUIS requests (DOMAIN.md §12).
	Originator string
	// InstallCodes are the ZigBee install codes by device ID (hex, 16 bytes),
	// needed for every HAN device the hub whitelists (DOMAIN.md §9).
	InstallCodes map[string]string
	// Coverage is the SM WAN coverage for the site's postcode as last synced
	// ("yes", "partial", "no", "unknown"; "" when never synced).
	Coverage string
	// Answers are the engineer's answers known before the run starts.
	Answers map[string]string
}

// hanTypes are the device types the install flow whitelists on the hub and
// which therefore need an install code.
var hanTypes = map[string]bool{"ESME": true, "GSME": true, "PPMID": true, "HCALCS": true, "IHD": true, "CAD": true}

// NeedsInstallCode reports whether the install flow needs an install code
// for a device of type typ.
func NeedsInstallCode(typ string) bool { return hanTypes[typ] }

// newStatus are the SMI statuses of a device not yet in service
// (DOMAIN.md §4): on an exchange job such a device is the one going in, any
// other of the exchanged type the one coming out.
var newStatus = map[string]bool{"": true, "Pending": true, "Whitelisted": true}

// FlowFor names the commissioning flow of a job: "install" for an install
// job; for an exchange, "exchange-ch" when the hub is exchanged and
// "exchange-meter" otherwise (see ExchangedTypes). Other kinds are
// ErrNoFlow.
func FlowFor(j *jobs.Job) (string, error) {
	switch j.Kind {
	case jobs.TaskInstall:
		return "install", nil
	case jobs.TaskExchange:
		if ExchangedTypes(j)["CHF"] {
			return "exchange-ch", nil
		}
		return "exchange-meter", nil
	}
	return "", fmt.Errorf("job %s of kind %q: %w", j.ID, j.Kind, ErrNoFlow)
}

// ExchangedTypes are the device types an exchange job replaces: those its
// exchange tasks name (Task.Device, a type or the ID of one of the job's
// devices); when no task names one, as with jobs pulled from the inventory,
// every type with both a device in service and a new device on the job.
func ExchangedTypes(j *jobs.Job) map[string]bool {
	out := map[string]bool{}
	for _, t := range j.Tasks {
		if t.Kind != jobs.TaskExchange || t.Device == "" {
			continue
		}
		typ := t.Device
		for _, d := range j.Devices {
			if d.ID == t.Device {
				typ = d.Type
			}
		}
		out[typ] = true
	}
	if len(out) > 0 {
		return out
	}
	inService, fresh := map[string]bool{}, map[string]bool{}
	for _, d := range j.Devices {
		if newStatus[d.Status] {
			fresh[d.Type] = true
		} else {
			inService[d.Type] = true
		}
	}
	for typ := range fresh {
		if inService[typ] {
			out[typ] = true
		}
	}
	return out
}

// InstallCodesNeeded lists the devices of a job whose install codes PlanFor
// needs: the HAN devices the flow whitelists on the hub (not those coming
// out, nor, on a meter exchange, the devices kept).
func InstallCodesNeeded(j *jobs.Job) ([]jobs.Device, error) {
	flow, err := FlowFor(j)
	if err != nil {
		return nil, err
	}
	exchanged := ExchangedTypes(j)
	var out []jobs.Device
	for _, d := range j.Devices {
		if !NeedsInstallCode(d.Type) || (flow != "install" && exchanged[d.Type] && !newStatus[d.Status]) ||
			(flow == "exchange-meter" && !exchanged[d.Type]) {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// PlanFor builds the commissioning plan of a synced job: the devices expected
// from pre-notification with their SMI and CPL status, the hub fitted, the
// site's import MPAN (or MPRN when the site has no MPAN) for 8.14.x, the
// postcode, and the install codes and answers in in. Type 1 and Type 2 devices
// (PPMID, HCALCS, IHD, CAD) join the electricity meter, or the gas meter on a
// gas-only site (8.7.x).
//
// On an exchange, a device of the exchanged type that is already in service
// (SMI status other than Pending or Whitelisted) is the one coming out (Role
// "old"). A hub exchange keeps every other device, which rejoins the new
// hub; a meter exchange plans only the meters exchanged (the hub stays, and
// the other devices are not touched).
func PlanFor(j *jobs.Job, in Inputs) (commission.Plan, error) {
	flow, err := FlowFor(j)
	if err != nil {
		return commission.Plan{}, err
	}
	p := commission.Plan{JobID: j.ID, Flow: flow, Originator: in.Originator, Postcode: j.Site.Postcode,
		Coverage: in.Coverage, Answers: map[string]string{}}
	for k, v := range in.Answers {
		p.Answers[k] = v
	}
	exchanged := ExchangedTypes(j)
	old := func(d jobs.Device) bool { return flow != "install" && exchanged[d.Type] && !newStatus[d.Status] }
	var esme, gsme string
	for _, d := range j.Devices {
		switch {
		case d.Type == "CHF" && old(d):
			p.OldCHF = d.ID
		case d.Type == "CHF" && p.CHF == "":
			p.CHF = d.ID
		case d.Type == "ESME" && esme == "" && !old(d):
			esme = d.ID
		case d.Type == "GSME" && gsme == "" && !old(d):
			gsme = d.ID
		}
	}
	if p.CHF == "" {
		return commission.Plan{}, fmt.Errorf("plan job %s: %w", j.ID, ErrNoHubDevice)
	}
	joinWith := esme
	if joinWith == "" {
		joinWith = gsme
	}
	for _, d := range j.Devices {
		if flow == "exchange-meter" && !exchanged[d.Type] {
			continue
		}
		cd := commission.Device{ID: d.ID, Type: d.Type, Status: d.Status, CPLStatus: d.CPLStatus, MPxN: d.ImportMPxN}
		if old(d) {
			cd.Role = "old"
		} else if NeedsInstallCode(d.Type) {
			code := strings.ToUpper(strings.TrimSpace(in.InstallCodes[d.ID]))
			if b, err := hex.DecodeString(code); err != nil || len(b) != 16 {
				return commission.Plan{}, fmt.Errorf("plan job %s: %s %s: %w", j.ID, d.Type, d.ID, ErrInstallCode)
			}
			cd.InstallCode = code
		}
		switch d.Type {
		case "PPMID", "HCALCS", "IHD", "CAD":
			cd.JoinWith = joinWith
		}
		p.Devices = append(p.Devices, cd)
	}
	p.MPxN = siteMPxN(j)
	return p, nil
}

// siteMPxN is the site's import MPAN (13 digits), else its MPRN, else the
// first meter's import MPxN.
func siteMPxN(j *jobs.Job) string {
	for _, m := range j.Site.MPxN {
		if len(m) == 13 {
			return m
		}
	}
	if len(j.Site.MPxN) > 0 {
		return j.Site.MPxN[0]
	}
	for _, d := range j.Devices {
		if d.ImportMPxN != "" {
			return d.ImportMPxN
		}
	}
	return ""
}

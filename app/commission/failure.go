package commission

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	ErrBadFlow       = errors.New("commission: bad flow definition")
	ErrUnknownFlow   = errors.New("commission: unknown flow")
	ErrNoRun         = errors.New("commission: no run for this job")
	ErrRunExists     = errors.New("commission: a run exists for this job with another plan")
	ErrNoHub         = errors.New("commission: no hub connected")
	ErrDeviceLogFull = errors.New("commission: hub device log full")
	ErrRunning       = errors.New("commission: the job's run is already in progress")
	// ErrInstallCode is an install code that is not 6 to 16 bytes in hex
	// (DOMAIN.md §2).
	ErrInstallCode = errors.New("commission: install code must be 6 to 16 bytes in hex")
	// ErrNoDevice is a device that is not on the run's plan.
	ErrNoDevice = errors.New("commission: no such device on the job")
	// ErrCodeLocked is an install code the run can no longer change
	// (SetInstallCode says when).
	ErrCodeLocked = errors.New("commission: install code can no longer change")
)

// Reason says why a step failed, in terms the UI maps to advice. Reasons are
// stored with the step; the list is append-only.
type Reason string

// Reasons a step fails.
const (
	ReasonMissingAnswer   Reason = "missing-answer"
	ReasonNotInSMI        Reason = "not-in-smi"
	ReasonStatus          Reason = "status-not-allowed"
	ReasonCPL             Reason = "not-on-cpl"
	ReasonNoHub           Reason = "no-hub"
	ReasonHubNotAnswering Reason = "hub-not-responding"
	ReasonDeviceLogFull   Reason = "device-log-full"
	ReasonJoinFailed      Reason = "join-failed"
	ReasonNotJoined       Reason = "not-joined"
	ReasonNotSeen         Reason = "not-seen-recently"
	ReasonRequest         Reason = "request-invalid"
	ReasonDelivery        Reason = "delivery-refused"
	ReasonMissingRead     Reason = "missing-read"
	ReasonNoWAN           Reason = "no-wan"
	ReasonDeliveryLost    Reason = "delivery-response-lost"
	ReasonMeterClock      Reason = "meter-clock-unreliable"
	ReasonNotInGPFLog     Reason = "not-in-gpf-log"
)

// StepError is a step that failed: which step and item, why, and what the
// engineer can try. Run returns it; Status shows the same for a stored run.
type StepError struct {
	Step   string
	Item   string // "-" or a device ID
	Reason Reason
	Code   int // GBCS join response code when the hub gave one (DOMAIN.md §10.3)
	Hint   string
	// Missing names every answer the step requires and the plan lacks, in
	// the step's order, for ReasonMissingAnswer (Err names the first), so
	// callers need not parse the error text.
	Missing []string
	Err     error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("commission: step %s item %s: %s: %v", e.Step, e.Item, e.Reason, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// joinReasons maps GBCS join response codes (DOMAIN.md §10.3) to what an
// installer can do about them.
var joinReasons = map[int]struct{ meaning, hint string }{
	1:  {"invalid message code for join method and role", "The join was sent with the wrong use case; ask the back office to resend the join service request."},
	2:  {"invalid join method and role", "The device type does not support this join method; check the device type on the job."},
	3:  {"incompatible with existing entry", "The device is not in the hub's device log or is listed differently; add it to the device log again (8.11) and retry the join."},
	4:  {"device log full", "The hub's device log is full: remove devices no longer on site (8.11 Remove) and retry."},
	5:  {"write failure", "Joining was not open or the device could not store the entry: open joining on the hub and press Join HAN on the device within the join window."},
	6:  {"key agreement: no resources", "The device is busy; wait a minute and retry the join."},
	7:  {"key agreement: unknown issuer", "The device's certificate is not trusted by the meter; check the device is on the CPL and report the device."},
	8:  {"key agreement: unsupported suite", "The devices do not share a security suite; check the models against the CPL."},
	9:  {"key agreement: bad message", "The join exchange was corrupted; move the device closer to the meter and retry."},
	10: {"key agreement: bad key confirm", "Key confirmation failed; check the install code typed for the device and retry."},
	11: {"invalid or missing certificate", "The device has no valid certificate; replace the device."},
	12: {"no partner link key received", "The device did not receive a link key; check the install code, power-cycle the device and retry."},
	13: {"no CBKE response", "The device did not answer key establishment; move it closer to the hub, power-cycle it and retry."},
}

// JoinFailure returns the meaning of a GBCS join response code and the
// suggested action (DOMAIN.md §10.3).
func JoinFailure(code int) (meaning, hint string) {
	if r, ok := joinReasons[code]; ok {
		return r.meaning, r.hint
	}
	return fmt.Sprintf("join response code %d", code), "Retry the join; if it fails again, report the device."
}

// hints for the other reasons.
var reasonHints = map[Reason]string{
	ReasonMissingAnswer:   "Answer the questions of this step and continue.",
	ReasonNotInSMI:        "The device is not known to the inventory: check the device ID on the label, or ask the back office to pre-notify it.",
	ReasonStatus:          "The device's SMI status does not allow this step: sync the job and check the device status with the back office.",
	ReasonCPL:             "The device model or firmware is not Active on the CPL: do not fit it; use another device.",
	ReasonNoHub:           "Connect the hub (probe or cable) and continue.",
	ReasonHubNotAnswering: "The hub is not answering: check the cable and that the hub is powered from the meter, then retry.",
	ReasonDeviceLogFull:   "The hub's device log is full: remove devices no longer on site and retry.",
	ReasonNotJoined:       "The device has not joined: press Join HAN on the device while joining is open, then retry this step.",
	ReasonNotSeen:         "The device has not talked to the hub recently: check it is powered and within range, then retry.",
	ReasonRequest:         "The service request could not be built from the job's data: check the identifiers and answers.",
	ReasonDelivery:        "The hub refused the command: sync to fetch fresh commands for local delivery and retry.",
	ReasonMissingRead:     "Read the register on the meter and record it.",
	ReasonNoWAN:           "The hub has no WAN: carry on with install and leave.",
	ReasonDeliveryLost:    "The hub took this command but the app stopped before saving the hub's answer: sync to fetch a fresh command for local delivery, then retry.",
	ReasonNotInGPFLog:     "The gas meter joined the hub but the GPF does not list it: add it to the hub's device log again (8.11) so the hub passes it to the GPF, then retry.",
	ReasonMeterClock:      "The meter's clock is not reliable: check the meter has joined the hub and the hub has SM WAN (it passes network time on), wait a minute, then retry.",
}

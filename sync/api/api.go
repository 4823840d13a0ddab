package api

import (
	_ "embed"
	"encoding/json"
	"time"
)

// OpenAPI is the OpenAPI 3.1 document of the protocol (openapi.json).
//
//go:embed openapi.json
var OpenAPI []byte

// Paths of the endpoints, relative to the service's base URL.
const (
	PathPush      = "/v1/push"
	PathChanges   = "/v1/changes"
	PathJobStatus = "/v1/jobs/{jobId}/status"
	PathSealKey   = "/v1/seal-key"
)

// Limits of the protocol. The OpenAPI document states the same numbers (a
// test checks the main ones).
const (
	MaxPushBytes    = 8 << 20   // body of one push request
	MaxPullBytes    = 32 << 20  // body of one pull response
	MaxBatch        = 100       // messages in one push
	MaxKeyLen       = 128       // idempotency key
	MaxIDLen        = 128       // job, site and installer IDs
	MaxKindLen      = 64        // message kind
	MaxDUISBytes    = 256 << 10 // DUIS XML of one service request
	MaxBodyBytes    = 4 << 20   // JSON body of a non-DUIS message
	MaxTextLen      = 1024      // free text: reasons, addresses
	MaxPullItems    = 5000      // records of each kind in one pull response
	MaxStatusItems  = 1000      // messages listed in a job status
	MaxDUISResponse = 256 << 10 // DUIS XML of one response
)

// Message kinds the app sends. Kind is open: the server answers "rejected"
// to a kind it does not know.
const (
	KindDUISRequest = "duis-request" // a DUIS service request (ServiceRequest set)
	KindEvidence    = "evidence"     // photos, readouts, install answers (Body set)
	KindJobUpdate   = "job-update"   // job progress (Body set)
)

// PushRequest is the body of POST /v1/push: outbox messages in queue order.
// Messages of one job are applied in the order given.
type PushRequest struct {
	InstallerID string        `json:"installerId"`
	Messages    []PushMessage `json:"messages"`
}

// PushMessage is one outbox message on the wire.
type PushMessage struct {
	// IdempotencyKey identifies the message for good: the server applies a
	// key at most once and answers a repeat with the stored result.
	IdempotencyKey string    `json:"idempotencyKey"`
	JobID          string    `json:"jobId"`
	ParentKey      string    `json:"parentKey,omitempty"` // a message that must be applied first
	Kind           string    `json:"kind"`
	CreatedAt      time.Time `json:"createdAt"`
	// ServiceRequest is set for KindDUISRequest, Body for every other kind.
	ServiceRequest *ServiceRequest `json:"serviceRequest,omitempty"`
	Body           json.RawMessage `json:"body,omitempty"`
}

// ServiceRequest carries a DUIS request (DUIS 5.4, SEC Appendix AD) as
// built by protocol/duis, for the inventory service to process.
type ServiceRequest struct {
	ServiceReferenceVariant string `json:"serviceReferenceVariant"` // "8.14.2", "8.11"
	XML                     string `json:"xml"`
}

// ResultStatus is what the server did with one pushed message.
type ResultStatus string

// The result statuses.
const (
	StatusApplied  ResultStatus = "applied"  // done; ack the outbox message
	StatusRejected ResultStatus = "rejected" // refused for good; Reason and ResponseCode say why
	StatusRetry    ResultStatus = "retry"    // not now (dependency missing, overload); send again later
)

// PushResponse answers a push with one result per message, in order.
type PushResponse struct {
	Results []PushResult `json:"results"`
}

// PushResult is the outcome of one pushed message; the app stores it as the
// outbox message's Outcome.
type PushResult struct {
	IdempotencyKey    string       `json:"idempotencyKey"`
	Status            ResultStatus `json:"status"`
	Duplicate         bool         `json:"duplicate,omitempty"`    // key seen before: this is the stored result
	ResponseCode      string       `json:"responseCode,omitempty"` // DUIS response code: I0, I99, E5, ...
	DUISResponse      string       `json:"duisResponse,omitempty"` // DUIS response XML
	Reason            string       `json:"reason,omitempty"`
	RetryAfterSeconds int          `json:"retryAfterSeconds,omitempty"`
}

// PullResponse is the body of GET /v1/changes: records changed since the
// request's cursor, for the installer the request is authenticated as.
// Pass Cursor back on the next pull; More says a further pull has more now.
type PullResponse struct {
	Cursor      string        `json:"cursor"`
	More        bool          `json:"more"`
	Jobs        []Job         `json:"jobs"`
	Devices     []Device      `json:"devices"`
	CPL         []CPLEntry    `json:"cpl"`
	WANCoverage []WANCoverage `json:"wanCoverage"`
	Removed     []Removed     `json:"removed"`
	// SealKey is the service's public key for sealing secrets to it
	// (SealFor): sent on every pull, kept by the tablet with the jobs.
	SealKey *SealKey `json:"sealKey,omitempty"`
}

// Job is a job assigned to the installer.
type Job struct {
	JobID        string    `json:"jobId"`
	SiteID       string    `json:"siteId"`
	Kind         string    `json:"kind"`   // "install", "exchange", "investigate", ...
	Status       string    `json:"status"` // "assigned", "cancelled", "done"
	Postcode     string    `json:"postcode"`
	Address      string    `json:"address,omitempty"`
	MPxN         []string  `json:"mpxn,omitempty"` // MPANs (13) and MPRNs (≤10) of the site
	ScheduledFor time.Time `json:"scheduledFor"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// Device is an SMI device record at one of the installer's sites (DUIS
// Device element of 8.2, DOMAIN.md §3.2, with the site it belongs to).
type Device struct {
	DeviceID        string    `json:"deviceId"`   // EUI-64 text form, 00-DB-12-34-56-78-90-A0
	DeviceType      string    `json:"deviceType"` // ESME, GSME, CHF, GPF, HCALCS, PPMID, IHD, CAD
	DeviceStatus    string    `json:"deviceStatus,omitempty"`
	Manufacturer    string    `json:"manufacturer"`
	Model           string    `json:"model"`
	FirmwareVersion string    `json:"firmwareVersion,omitempty"`
	CPLStatus       string    `json:"cplStatus,omitempty"`
	ImportMPxN      string    `json:"importMpxn,omitempty"`
	SiteID          string    `json:"siteId"`
	AssociatedCHF   string    `json:"associatedChf,omitempty"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// CPLEntry is one row of the Certified Products List (DOMAIN.md §15).
type CPLEntry struct {
	DeviceType      string    `json:"deviceType"`
	Manufacturer    string    `json:"manufacturer"`
	Model           string    `json:"model"`
	HardwareVersion string    `json:"hardwareVersion,omitempty"`
	FirmwareVersion string    `json:"firmwareVersion"`
	Status          string    `json:"status"` // Active, Cancelled, Expired, Withdrawn
	GBCSVersion     string    `json:"gbcsVersion,omitempty"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

// WANCoverage is the SM WAN coverage of a postcode, for deciding on site
// between install-and-commission and install-and-leave (DOMAIN.md §8).
type WANCoverage struct {
	Postcode  string    `json:"postcode"`
	CSPRegion string    `json:"cspRegion,omitempty"` // North, Central, South, ...
	Coverage  string    `json:"coverage"`            // "yes", "partial", "no", "unknown"
	UpdatedAt time.Time `json:"updatedAt"`
}

// Removed names a record that left the installer's view (job reassigned,
// device moved, CPL row withdrawn).
type Removed struct {
	Kind string `json:"kind"` // "job", "device", "cpl", "wanCoverage"
	ID   string `json:"id"`
}

// JobStatus is the body of GET /v1/jobs/{jobId}/status: what the service has
// applied of a job. AllApplied is the "safe to leave site" signal as far as
// sync goes.
type JobStatus struct {
	JobID      string `json:"jobId"`
	AllApplied bool   `json:"allApplied"`
	Applied    int    `json:"applied"`
	Pending    int    `json:"pending"`
	Rejected   int    `json:"rejected"`
	// ReadsRequested counts, among Applied, the post-check reads (8.9,
	// 11.2) the service accepted and relays toward the DCC: their results
	// are the devices', not the service's.
	ReadsRequested int `json:"readsRequested,omitempty"`
	// RestoresRequested counts, among Applied, the 8.12.1 Restore HAN
	// Device Log requests of a CH exchange the service accepted and relays
	// toward the DCC: the restore happens on the hub, which the DCC
	// reports, not the service.
	RestoresRequested int             `json:"restoresRequested,omitempty"`
	Messages          []MessageStatus `json:"messages"`
}

// Notes of a request the service accepted (DUIS I99) and relays toward the
// DCC: MessageStatus.Note.
const (
	NoteReadRequested    = "read requested"    // 8.9, 11.2
	NoteRestoreRequested = "restore requested" // 8.12.1
)

// MessageStatus is the service's view of one message of a job.
type MessageStatus struct {
	IdempotencyKey string       `json:"idempotencyKey"`
	Status         ResultStatus `json:"status"`
	ResponseCode   string       `json:"responseCode,omitempty"`
	Variant        string       `json:"variant,omitempty"` // Service Reference Variant of a DUIS request
	Note           string       `json:"note,omitempty"`    // e.g. NoteReadRequested
}

// Problem is an error answer (RFC 9457 problem details,
// application/problem+json).
type Problem struct {
	Type   string `json:"type,omitempty"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	Field  string `json:"field,omitempty"` // the request field at fault, e.g. messages[3].idempotencyKey
}

func (p *Problem) Error() string {
	if p.Detail != "" {
		return "api: " + p.Title + ": " + p.Detail
	}
	return "api: " + p.Title
}

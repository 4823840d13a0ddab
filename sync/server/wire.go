package server

import "time"

// The JSON wire types below stand in for sync/api until it lands; their
// field names follow the outbox (sync/outbox: kind, idempotency key, job).

// PushRequest is a batch of queued outbox entries from one tablet.
type PushRequest struct {
	Entries []PushEntry `json:"entries"`
}

// PushEntry is one outbox message: for Kind "duis-request" the Payload is
// the DUIS request XML.
type PushEntry struct {
	IdempotencyKey string    `json:"idempotencyKey"`
	JobID          string    `json:"jobId"`
	Kind           string    `json:"kind"`
	ActedAt        time.Time `json:"actedAt"` // when the installer acted on site
	Payload        string    `json:"payload"`
}

// Push result statuses, matching the outbox states the client moves to.
const (
	PushApplied  = "applied"  // applied now, or an idempotent replay of an applied one
	PushRejected = "rejected" // refused for good: a DUIS error code or a 4xx reason
	PushRetry    = "retry"    // a server-side failure: send again later
)

// PushResult answers one entry, in the order of the batch.
type PushResult struct {
	IdempotencyKey string   `json:"idempotencyKey"`
	Status         string   `json:"status"`
	RequestID      string   `json:"requestId,omitempty"`
	ResponseCode   string   `json:"responseCode,omitempty"`
	OutcomeCode    string   `json:"outcomeCode,omitempty"`
	Duplicate      bool     `json:"duplicate,omitempty"`
	Response       string   `json:"response,omitempty"` // DUIS response XML
	HTTPStatus     int      `json:"httpStatus,omitempty"`
	Error          string   `json:"error,omitempty"`
	Problems       []string `json:"problems,omitempty"`
	Warnings       []string `json:"warnings,omitempty"`
}

// PushResponse answers a PushRequest.
type PushResponse struct {
	Results []PushResult `json:"results"`
}

// Job is a site visit assigned to one installer, with the devices the
// installer may act on.
type Job struct {
	ID        string   `json:"id"`
	Installer string   `json:"installer"`
	Site      string   `json:"site"`
	Devices   []string `json:"devices"`
}

// DeviceView is a device as the API shows it: MPxNs masked unless the
// caller's role needs them.
type DeviceView struct {
	ID               string   `json:"id"`
	Type             string   `json:"type"`
	Status           string   `json:"status,omitempty"`
	StatusSince      string   `json:"statusSince,omitempty"`
	Manufacturer     string   `json:"manufacturer"`
	Model            string   `json:"model"`
	FirmwareVersion  string   `json:"firmwareVersion,omitempty"`
	CHF              string   `json:"chf,omitempty"`
	GPF              string   `json:"gpf,omitempty"`
	Meter            string   `json:"meter,omitempty"`
	ImportMPxN       string   `json:"importMPxN,omitempty"`
	DateCommissioned string   `json:"dateCommissioned,omitempty"`
	HasInstallCode   bool     `json:"hasInstallCode"`
	CPLFindings      []string `json:"cplFindings,omitempty"`
}

// Reading is one consumption reading (register read) taken on site.
type Reading struct {
	JobID    string    `json:"jobId"`
	DeviceID string    `json:"deviceId"`
	Register string    `json:"register"`
	Value    string    `json:"value"`
	ReadAt   time.Time `json:"readAt"`
}

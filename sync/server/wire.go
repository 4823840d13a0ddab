package server

import "time"

// The push, pull and job-status wire types are sync/api's; the types below
// are this service's own management API (jobs, devices, readings).

// Job is a site visit assigned to one installer, with the devices the
// installer may act on.
type Job struct {
	ID           string    `json:"id"`
	Installer    string    `json:"installer"`
	Site         string    `json:"site"`
	Postcode     string    `json:"postcode,omitempty"`
	Address      string    `json:"address,omitempty"`
	Kind         string    `json:"kind,omitempty"`   // default "install"
	Status       string    `json:"status,omitempty"` // default "assigned"
	ScheduledFor time.Time `json:"scheduledFor,omitempty"`
	Devices      []string  `json:"devices"`
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

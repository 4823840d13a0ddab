package jobs

import (
	"time"

	"github.com/smetskit/smetskit/sync/api"
)

// Task kinds of a job.
const (
	TaskInstall    = "install"
	TaskExchange   = "exchange"
	TaskFaultVisit = "fault-visit"
)

// Job is a work order for one site visit.
type Job struct {
	ID           string
	Kind         string // "install", "exchange", "fault-visit"
	Status       string // "assigned", "started", "done", "cancelled"
	Site         Site
	Tasks        []Task
	Devices      []Device // expected on site, from pre-notification
	Checklist    []ChecklistItem
	Notes        []Note
	Photos       []Photo
	Serials      []Serial
	ScheduledFor time.Time
	// Start and end of the visit, by the tablet's wall clock and by the
	// clock of the device read at that moment (a meter or the hub); the two
	// differ when the device clock is unreliable (DOMAIN.md §8.1).
	StartedAt, StartedDeviceAt time.Time
	EndedAt, EndedDeviceAt     time.Time
	UpdatedAt                  time.Time
}

// Site is where the job is.
type Site struct {
	ID       string   `json:"id"`
	Address  string   `json:"address,omitempty"`
	Postcode string   `json:"postcode"`
	UPRN     string   `json:"uprn,omitempty"`
	MPxN     []string `json:"mpxn,omitempty"` // MPANs (13 digits) and MPRNs (≤10)
}

// Task is one thing to do on the visit.
type Task struct {
	Kind   string `json:"kind"`             // TaskInstall, TaskExchange, TaskFaultVisit
	Device string `json:"device,omitempty"` // device type or ID it concerns
	Detail string `json:"detail,omitempty"`
}

// Device is a device expected on site (SMI record at pull time).
type Device struct {
	ID           string // EUI-64 text form
	Type         string // ESME, GSME, CHF, GPF, PPMID, IHD, ...
	Manufacturer string
	Model        string
	Status       string // SMI status when pulled
	CPLStatus    string
	ImportMPxN   string
}

// ChecklistItem is one line of the visit checklist.
type ChecklistItem struct {
	ID     string
	Label  string
	Done   bool
	DoneAt time.Time
}

// Note is free text the engineer added.
type Note struct {
	ID   int64
	Text string
	At   time.Time
}

// Photo is a picture attached to the job; its bytes are stored once under
// their SHA-256 (Hash, lower-case hex).
type Photo struct {
	Hash    string
	Caption string
	At      time.Time
}

// DefaultChecklist is the checklist a job gets when the inventory sends
// none: the safety and evidence points of an install visit.
func DefaultChecklist(kind string) []ChecklistItem {
	items := []ChecklistItem{
		{ID: "safety", Label: "Site safety check done"},
		{ID: "photos-before", Label: "Photos of the meter position before work"},
	}
	switch kind {
	case TaskExchange:
		items = append(items, ChecklistItem{ID: "final-read", Label: "Final register read of the old meter recorded"})
	}
	items = append(items,
		ChecklistItem{ID: "initial-read", Label: "Initial register read of the new meter recorded"},
		ChecklistItem{ID: "photos-after", Label: "Photos of the finished installation"},
		ChecklistItem{ID: "customer", Label: "Customer shown the in-home display"},
	)
	return items
}

// FromAPI turns a job and its site's devices from the inventory service
// into a Job with the default checklist.
func FromAPI(j api.Job, devices []api.Device) Job {
	out := Job{
		ID:           j.JobID,
		Kind:         j.Kind,
		Status:       j.Status,
		Site:         Site{ID: j.SiteID, Address: j.Address, Postcode: j.Postcode, MPxN: j.MPxN},
		Tasks:        []Task{{Kind: j.Kind}},
		ScheduledFor: j.ScheduledFor,
		Checklist:    DefaultChecklist(j.Kind),
	}
	for _, d := range devices {
		if d.SiteID != "" && d.SiteID != j.SiteID {
			continue
		}
		out.Devices = append(out.Devices, Device{
			ID: d.DeviceID, Type: d.DeviceType, Manufacturer: d.Manufacturer, Model: d.Model,
			Status: d.DeviceStatus, CPLStatus: d.CPLStatus, ImportMPxN: d.ImportMPxN,
		})
	}
	return out
}

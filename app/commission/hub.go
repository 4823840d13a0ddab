package commission

import (
	"context"
	"time"
)

// Hub is what the workflow needs from the communications hub on site: the
// hub profile (sim/HUBPROFILE.md; DOMAIN.md §9 for the device log). Each
// call blocks until the hub answers or ctx ends. DLMSHub implements it over
// a DLMS association; any other transport to a hub may too.
type Hub interface {
	// WAN reports whether the hub is registered on the SM WAN.
	WAN(ctx context.Context) (WANStatus, error)
	// WhitelistAdd adds a device to the CHF device log with its install
	// code (CCS01 semantics: a device already listed keeps its link key and
	// the add still succeeds). A full log is ErrDeviceLogFull.
	WhitelistAdd(ctx context.Context, device string, installCode []byte) error
	// WhitelistRemove removes a device from the device log (CCS02).
	WhitelistRemove(ctx context.Context, device string) error
	// EnableJoin opens joining for period (1 s … 3600 s).
	EnableJoin(ctx context.Context, period time.Duration) error
	// DeviceLog reads the device log with last-communication times (CCS06).
	DeviceLog(ctx context.Context) ([]LogEntry, error)
	// Clock reads the hub's clock and whether it is reliable.
	Clock(ctx context.Context) (time.Time, bool, error)
	// Deliver hands one GBCS command to the hub for local delivery and
	// returns the GBCS response.
	Deliver(ctx context.Context, gbcs []byte) ([]byte, error)
}

// WANStatus is what the hub says about its SM WAN connection.
type WANStatus struct {
	Registered bool   `json:"registered"`
	Status     int    `json:"status"` // GSM diagnostic registration status (class 47 attr 3)
	Operator   string `json:"operator,omitempty"`
	Signal     int    `json:"signal,omitempty"` // CSQ 0–31, 99 unknown
}

// LogEntry is one device of the CHF device log as CCS06 returns it.
type LogEntry struct {
	DeviceID string    `json:"deviceId"` // EUI-64 text form
	Joined   bool      `json:"joined"`   // a link key is established (status "reporting")
	LastSeen time.Time `json:"lastSeen,omitzero"`
	RSSI     int       `json:"rssi"`
}

// FirmwareReader is a Hub that can also report its firmware version; the
// post-checks record it as evidence when the hub offers it.
type FirmwareReader interface {
	Firmware(ctx context.Context) (string, error)
}

// JoinFailureReader is a Hub that can also say why a device's last HAN join
// failed: the GBCS join response code (DOMAIN.md §10.3) of the hub's last
// "device joining failed" event (0x8F48, DOMAIN.md §16.6) for the device
// recorded at or after since, or 0 when the hub recorded none or a later
// join succeeded. since is the start of the current join window by the
// hub's own clock (zero: every event counts), so a failure left in the log
// by an earlier attempt does not fail a new join. The join step uses it to
// give the code's meaning and action instead of a bare not-joined.
type JoinFailureReader interface {
	JoinFailure(ctx context.Context, device string, since time.Time) (int, error)
}

// MeterReader is a Hub that can also read a meter on site directly (the
// installer's optical probe on the meter, or any local association): its
// active firmware identifier (class 1, 1-0:0.2.0) and its clock with
// whether it is reliable. The post-checks record both as evidence and,
// with SM WAN, require the meter's clock to be reliable (DOMAIN.md §7 step
// 9). Site bundles a Hub with meter associations into one.
type MeterReader interface {
	MeterFirmware(ctx context.Context, device string) (string, error)
	MeterClock(ctx context.Context, device string) (time.Time, bool, error)
}

// GPFReader is a Hub whose GPF can be read: its device log (the gas meters
// it stands in for, DOMAIN.md §4) and its copy of the gas meter's volume
// register. The join step then requires a GSME to be in the GPF device log
// as well as joined to the CHF, and the post-checks record the volume.
type GPFReader interface {
	GPFDeviceLog(ctx context.Context) ([]string, error)
	GasVolume(ctx context.Context) (string, error)
}

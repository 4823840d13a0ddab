package commission

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/duis"
)

// ErrNotOffered is an optional hub call (FirmwareReader, JoinFailureReader,
// MeterReader) that the hub or site at hand cannot answer; the steps treat
// it as "cannot say" and record why.
var ErrNotOffered = errors.New("commission: not offered by this hub")

// Site is the hub on site together with local associations to the meters
// (the installer's probe on each meter's optical port): a Hub that is also
// a MeterReader (and a GPFReader when Hub is). Meters maps a device ID (EUI-64, any accepted form) to an
// open association; a meter without one is ErrNotOffered. Firmware and
// JoinFailure go to Hub when it offers them.
type Site struct {
	Hub
	Meters map[string]*dlms.Client
}

func (s Site) meter(device string) (*DLMSHub, error) {
	want, err := duis.ParseEUI64(device)
	if err != nil {
		return nil, err
	}
	for id, c := range s.Meters {
		if got, err := duis.ParseEUI64(id); err == nil && got == want && c != nil {
			// The clock and firmware objects of a meter are those of the
			// hub profile (same OBIS codes and classes).
			return &DLMSHub{C: c}, nil
		}
	}
	return nil, fmt.Errorf("meter %s: no local association: %w", device, ErrNotOffered)
}

// MeterFirmware reads the meter's active firmware identifier (class 1
// value, 1-0:0.2.0).
func (s Site) MeterFirmware(ctx context.Context, device string) (string, error) {
	m, err := s.meter(device)
	if err != nil {
		return "", err
	}
	return m.Firmware(ctx)
}

// MeterClock reads the meter's clock (class 8, 0-0:1.0.0) and whether
// neither the time's status nor the clock status flags it invalid or
// doubtful.
func (s Site) MeterClock(ctx context.Context, device string) (time.Time, bool, error) {
	m, err := s.meter(device)
	if err != nil {
		return time.Time{}, false, err
	}
	return m.Clock(ctx)
}

// Firmware is the hub's firmware when the hub offers it.
func (s Site) Firmware(ctx context.Context) (string, error) {
	if f, ok := s.Hub.(FirmwareReader); ok {
		return f.Firmware(ctx)
	}
	return "", ErrNotOffered
}

// JoinFailure is the hub's JoinFailure when it offers it.
func (s Site) JoinFailure(ctx context.Context, device string, since time.Time) (int, error) {
	if f, ok := s.Hub.(JoinFailureReader); ok {
		return f.JoinFailure(ctx, device, since)
	}
	return 0, ErrNotOffered
}

// GPFDeviceLog is the hub's GPF device log when the hub offers it.
func (s Site) GPFDeviceLog(ctx context.Context) ([]string, error) {
	if g, ok := s.Hub.(GPFReader); ok {
		return g.GPFDeviceLog(ctx)
	}
	return nil, ErrNotOffered
}

// GasVolume is the GPF's gas volume when the hub offers it.
func (s Site) GasVolume(ctx context.Context) (string, error) {
	if g, ok := s.Hub.(GPFReader); ok {
		return g.GasVolume(ctx)
	}
	return "", ErrNotOffered
}

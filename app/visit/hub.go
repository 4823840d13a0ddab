package visit

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/iec62056"
)

// Hub addressing of the management association (sim/HUBPROFILE.md): client
// SAP 1 (HLS-GMAC), server logical device 1, HDLC physical address 17.
const (
	ManagementSAP  = 1
	ServerLogical  = 1
	ServerPhysical = 17
)

// MaxTargetLen caps what ParseTarget looks at.
const MaxTargetLen = 1024

// Target is how to reach the hub: "tcp:HOST:PORT" (IEC 62056-47 wrapper)
// or "serial:PATH" (the hub's serial port speaking HDLC at once).
type Target struct {
	Kind string // "tcp" or "serial"
	Addr string // host:port or a port path
}

// ParseTarget reads a target in the form Target.String writes.
func ParseTarget(s string) (Target, error) {
	if len(s) > MaxTargetLen {
		return Target{}, fmt.Errorf("parse hub target: %d bytes: %w", len(s), ErrTarget)
	}
	kind, addr, ok := strings.Cut(s, ":")
	if !ok || addr == "" || (kind != "tcp" && kind != "serial") {
		return Target{}, fmt.Errorf("parse hub target %q (want tcp:HOST:PORT or serial:PATH): %w", s, ErrTarget)
	}
	if kind == "tcp" && !strings.Contains(addr, ":") {
		return Target{}, fmt.Errorf("parse hub target %q: no port: %w", s, ErrTarget)
	}
	return Target{Kind: kind, Addr: addr}, nil
}

// String returns the target as ParseTarget reads it.
func (t Target) String() string { return t.Kind + ":" + t.Addr }

// TCP returns a connector to the hub's management association over TCP with
// the IEC 62056-47 wrapper.
func TCP(addr string) diagnose.Connector {
	return diagnose.TCP(addr, ManagementSAP, ServerLogical)
}

// Serial returns a connector to the hub's management association over its
// serial port (HDLC at 8N1 from the first byte, no IEC 62056-21 sign-on).
func Serial(p iec62056.Port, name string, baud int) diagnose.Connector {
	return diagnose.Optical(p, diagnose.OpticalConfig{Name: name, SignOn: iec62056.Options{MaxBaud: baud},
		ClientSAP: ManagementSAP, ServerLogical: ServerLogical, ServerPhysical: ServerPhysical, DirectHDLC: true})
}

// HubConfig is the security of the management association: HLS-GMAC with
// suite 0 ciphering under the hub's keys (sim/HUBPROFILE.md).
type HubConfig struct {
	Keys        dlms.Keys
	SystemTitle []byte // 8 bytes; "SMKHHT01" when nil
	// InvocationCounter is the next frame counter to use; read back the
	// one the association ended with from Hub.InvocationCounter.
	InvocationCounter uint32
	Now               func() time.Time
}

// Hub is an open management association with the hub: a commission.Hub
// (commission.DLMSHub) that must be closed.
type Hub struct {
	commission.DLMSHub
	s *diagnose.Session
}

// ConnectHub connects through conn and opens the management association
// (HLS-GMAC, ciphered). It blocks until the hub answers or ctx ends.
func ConnectHub(ctx context.Context, conn diagnose.Connector, cfg HubConfig) (*Hub, error) {
	st := cfg.SystemTitle
	if st == nil {
		st = []byte("SMKHHT01")
	}
	ic := cfg.InvocationCounter
	if ic == 0 {
		ic = 1
	}
	s, err := diagnose.Open(ctx, conn, diagnose.Config{Now: cfg.Now, Client: dlms.ClientConfig{Mechanism: dlms.MechanismGMAC,
		Ciphered: true, Keys: cfg.Keys, SystemTitle: st, InvocationCounter: ic}})
	if err != nil {
		return nil, fmt.Errorf("connect to hub: %w", err)
	}
	return &Hub{DLMSHub: commission.DLMSHub{C: s.Client()}, s: s}, nil
}

// Close releases the association and closes the link.
func (h *Hub) Close(ctx context.Context) error { return h.s.Close(ctx) }

// NoWAN wraps a hub for an install and leave (DOMAIN.md §8): the SM WAN is
// reported as not available whatever the hub says, so the flow takes the
// 8.14.2 branch. The other calls go to h, and so do Firmware, JoinFailure,
// MeterFirmware, MeterClock, GPFDeviceLog and GasVolume when h offers them
// (commission.FirmwareReader, JoinFailureReader, MeterReader, GPFReader); when it does
// not they return commission.ErrNotOffered, which the engine treats as "the
// hub cannot say".
func NoWAN(h commission.Hub) commission.Hub { return noWAN{h} }

type noWAN struct{ commission.Hub }

func (n noWAN) WAN(ctx context.Context) (commission.WANStatus, error) {
	st, err := n.Hub.WAN(ctx)
	if err != nil {
		return st, err
	}
	st.Registered = false
	return st, nil
}

func (n noWAN) Firmware(ctx context.Context) (string, error) {
	if f, ok := n.Hub.(commission.FirmwareReader); ok {
		return f.Firmware(ctx)
	}
	return "", commission.ErrNotOffered
}

func (n noWAN) JoinFailure(ctx context.Context, device string, since time.Time) (int, error) {
	if f, ok := n.Hub.(commission.JoinFailureReader); ok {
		return f.JoinFailure(ctx, device, since)
	}
	return 0, commission.ErrNotOffered
}

func (n noWAN) MeterFirmware(ctx context.Context, device string) (string, error) {
	if m, ok := n.Hub.(commission.MeterReader); ok {
		return m.MeterFirmware(ctx, device)
	}
	return "", commission.ErrNotOffered
}

func (n noWAN) MeterClock(ctx context.Context, device string) (time.Time, bool, error) {
	if m, ok := n.Hub.(commission.MeterReader); ok {
		return m.MeterClock(ctx, device)
	}
	return time.Time{}, false, commission.ErrNotOffered
}

func (n noWAN) GPFDeviceLog(ctx context.Context) ([]string, error) {
	if g, ok := n.Hub.(commission.GPFReader); ok {
		return g.GPFDeviceLog(ctx)
	}
	return nil, commission.ErrNotOffered
}

func (n noWAN) GasVolume(ctx context.Context) (string, error) {
	if g, ok := n.Hub.(commission.GPFReader); ok {
		return g.GasVolume(ctx)
	}
	return "", commission.ErrNotOffered
}

// counterKey is the settings key of the next invocation counter to use
// with a hub.
func counterKey(hubID string) string { return "visit.hub-invocation-counter." + hubID }

// HubCounter returns the next invocation counter to use for the management
// association with hubID (1 when none is stored): a ciphered association
// must start above the last counter the hub accepted (PROTOCOLS.md §8.2).
func (v *Visit) HubCounter(ctx context.Context, hubID string) (uint32, error) {
	s, ok, err := v.DB.Setting(ctx, counterKey(hubID))
	if err != nil || !ok {
		return 1, err
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 1, nil
	}
	return uint32(n), nil
}

// SaveHubCounter stores the next invocation counter to use with hubID
// (read from Hub.InvocationCounter after the association).
func (v *Visit) SaveHubCounter(ctx context.Context, hubID string, next uint32) error {
	return v.DB.InTx(ctx, func(tx *sql.Tx) error {
		return store.SetSettingTx(ctx, tx, counterKey(hubID), strconv.FormatUint(uint64(next), 10))
	})
}

// InvocationCounter is the next invocation counter the association would
// use; store it with SaveHubCounter after Close.
func (h *Hub) InvocationCounter() uint32 { return h.C.InvocationCounter() }

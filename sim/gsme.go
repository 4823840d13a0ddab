package sim

import (
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// GSMEConfig configures a simulated gas meter.
type GSMEConfig struct {
	// Identity: DeviceID (EUI-64), InstallCode (16 bytes of hex, default
	// all zero), Firmware (default SIM-GSME-1.0.0); FLAG, model and serial
	// as for a meter.
	Identity Identity
	// Start is the meter's clock at creation; zero means the process clock.
	Start time.Time
	// DailyDm3 is the gas the household uses a day, in cubic decimetres
	// (litres; default 3000, about 33 kWh).
	DailyDm3 uint32
	// Quirks: join-fail-N makes every HAN join of this meter fail with N.
	Quirks Quirks
}

// GSME is a simulated gas meter, as minimal as the app needs: an identity
// with an install code, a HAN join through the hub's device log (the hub
// then also lists it in the GPF device log, DOMAIN.md §4) and a gas volume
// register, whose copy the GPF serves (HUBPROFILE.md, "The GPF"). A real
// GSME is a sleepy ZigBee device speaking GBZ; it has no DLMS port, and
// neither has this one.
type GSME struct {
	cfg   GSMEConfig
	id    EUI64
	code  []byte
	Clock *Clock

	mu     sync.Mutex
	start  time.Time
	joined map[string]bool // hub EUI-64 → joined
}

// NewGSME returns a gas meter; its clock starts at once.
func NewGSME(cfg GSMEConfig) (*GSME, error) {
	id, err := ParseEUI64(cfg.Identity.DeviceID)
	if err != nil {
		return nil, fmt.Errorf("sim: gas meter: %w", err)
	}
	code, err := parseInstallCode(cfg.Identity.InstallCode)
	if err != nil || len(code) < 6 || len(code) > 16 {
		return nil, fmt.Errorf("sim: gas meter %s: install code %q: want 6 to 16 bytes of hex", id, cfg.Identity.InstallCode)
	}
	if cfg.Identity.Firmware == "" {
		cfg.Identity.Firmware = "SIM-GSME-1.0.0"
	}
	if cfg.Identity.Serial == "" {
		cfg.Identity.Serial = hex.EncodeToString(id[4:])
	}
	if cfg.DailyDm3 == 0 {
		cfg.DailyDm3 = 3000
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Now()
	}
	return &GSME{cfg: cfg, id: id, code: code, Clock: NewClock(cfg.Start), start: cfg.Start, joined: map[string]bool{}}, nil
}

// Identity returns the gas meter's identity.
func (g *GSME) Identity() Identity { return g.cfg.Identity }

// ID returns the gas meter's EUI-64.
func (g *GSME) ID() EUI64 { return g.id }

// VolumeDm3 is the gas volume register (cubic decimetres since the meter's
// clock started): DailyDm3 a day, spread evenly.
func (g *GSME) VolumeDm3() uint32 {
	elapsed := g.Clock.Now().Sub(g.start)
	if elapsed < 0 {
		return 0
	}
	return uint32(uint64(elapsed/time.Second) * uint64(g.cfg.DailyDm3) / 86400)
}

// Joined reports whether the meter has joined the HAN of hub (EUI-64).
func (g *GSME) Joined(hub EUI64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.joined[hub.String()]
}

// The gas meter on a HAN (hanDevice).
func (g *GSME) hanID() (EUI64, bool) { return g.id, true }
func (g *GSME) joinQuirk() int       { return g.cfg.Quirks.JoinFailure() }
func (g *GSME) noteJoinFailed(int)   {}
func (g *GSME) noteJoined(hub EUI64) {
	g.mu.Lock()
	g.joined[hub.String()] = true
	g.mu.Unlock()
}

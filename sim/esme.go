package sim

import (
	"crypto/ecdsa"
	"fmt"
	"sync"
	"time"

	"github.com/smetskit/smetskit/protocol/dlms"
)

// Identity is what a device says about itself.
type Identity struct {
	// Flag is the three-letter FLAG manufacturer id; a lower-case third
	// letter announces the 20 ms reaction time (IEC 62056-21 §6.3.14).
	Flag string `json:"flag"`
	// Model is the identification text after the baud character (≤ 16).
	Model string `json:"model"`
	// LogicalDeviceName is the 16-character COSEM logical device name
	// (0-0:42.0.0*255), which starts with the FLAG id.
	LogicalDeviceName string `json:"logical_device_name"`
	Serial            string `json:"serial"`
	// DeviceID is the EUI-64 in DUIS text form (00-DB-12-…).
	DeviceID string `json:"device_id"`
	// Address is the IEC 62056-21 device address (default: the serial).
	Address string `json:"address,omitempty"`
	// Firmware versions: core (1-0:0.2.0*255) and communications
	// (1-1:0.2.0*255) on a meter, hub firmware on a hub.
	Firmware     string `json:"firmware"`
	CommFirmware string `json:"comm_firmware,omitempty"`
	// InstallCode is the ZigBee install code in hex (16 bytes).
	InstallCode string `json:"install_code,omitempty"`
}

// Secrets are a simulated device's keys. Zero values get fixed test keys,
// so scenarios need not carry secrets.
type Secrets struct {
	Password    []byte // LLS password of the reader association
	EK, AK      []byte // suite 0 global keys of the management association
	SystemTitle []byte // 8 bytes; derived from the FLAG id and serial when nil
	// SigningKey and ClientKey enable the HLS-ECDSA association (client
	// SAP 3); without them it is refused.
	SigningKey *ecdsa.PrivateKey
	ClientKey  *ecdsa.PublicKey
}

// Default secrets for simulated devices (documented, not secret).
var (
	DefaultPassword = []byte("00000000")
	DefaultEK       = []byte{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F}
	DefaultAK       = []byte{0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF}
)

// Client SAPs of the associations a simulated device accepts.
const (
	SAPManagement = 1  // HLS-GMAC, suite 0 ciphering
	SAPECDSA      = 3  // HLS-ECDSA (suite 1), when keys are configured
	SAPPublic     = 16 // no security
	SAPReader     = 17 // LLS
)

// ESMEConfig configures a simulated electricity meter.
type ESMEConfig struct {
	Identity Identity
	Secrets  Secrets
	// Start is the meter's clock at creation; zero means the process clock.
	Start time.Time
	// Installed is when the registers started; zero means 13 months
	// before Start.
	Installed time.Time
	// DailyWh and SolarWh shape the household (see Energy).
	DailyWh, SolarWh float64
	// MaxBaud is the speed the optical port proposes (default 9600).
	MaxBaud int
	// HDLC is the parameter set the meter offers (default 128/1, like
	// many meters; benchmarks offer 1024/7).
	MaxInfo, Window int
	// ReactionTime is the wait before each IEC 62056-21 answer (default
	// 200 ms, 20 ms with a lower-case third FLAG letter).
	ReactionTime time.Duration
	Quirks       Quirks
	// Logf receives an engineer's log of the device; nil discards it.
	Logf func(string, ...any)
}

// ESME is a simulated GB electricity meter: identity, clock, registers,
// profiles, event logs and disconnect control behind an optical port
// (IEC 62056-21 and mode E) and DLMS/COSEM associations.
type ESME struct {
	cfg    ESMEConfig
	Clock  *Clock
	energy Energy

	mu      sync.Mutex // guards the object model and the state below
	objects *objectTable
	servers map[int]*dlms.Server // by client SAP

	connected   bool // disconnect control output state
	controlMode uint8
	events      []event // appended as things happen on site
	sessions    int     // optical sessions served (for the reboot quirk)
	joined      map[string]bool
	sentIC      uint32 // see invocationCounter
	clockBase   uint8
	preset      [3]time.Time // preset time and validity window (Clock method 5)

	outageScan, swellScan slotScan
}

// NewESME returns a meter; its clock starts running at once.
func NewESME(cfg ESMEConfig) (*ESME, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	m := &ESME{cfg: cfg, Clock: NewClock(cfg.Start), connected: true, controlMode: 4, clockBase: 1, joined: map[string]bool{}}
	m.energy = Energy{Epoch: cfg.Installed, Seed: seedOf(cfg.Identity.Serial), DailyWh: cfg.DailyWh, SolarWh: cfg.SolarWh}
	m.objects = newObjectTable(&m.mu)
	m.buildObjects()
	m.servers = m.newServers()
	return m, nil
}

func (c *ESMEConfig) fill() error {
	id := &c.Identity
	if len(id.Flag) != 3 {
		return fmt.Errorf("sim: FLAG id %q: want three letters", id.Flag)
	}
	if id.Serial == "" {
		return fmt.Errorf("sim: meter %s has no serial number", id.Flag)
	}
	if id.Model == "" {
		id.Model = "SIM-E1"
	}
	if len(id.Model) > 16 {
		id.Model = id.Model[:16]
	}
	if id.LogicalDeviceName == "" {
		ldn := id.Flag + id.Serial
		for len(ldn) < 16 {
			ldn = id.Flag + "0" + ldn[3:]
		}
		id.LogicalDeviceName = ldn[:16]
	}
	if id.Address == "" {
		id.Address = id.Serial
	}
	if id.Firmware == "" {
		id.Firmware = "SIM-ESME-1.0.0"
	}
	if id.CommFirmware == "" {
		id.CommFirmware = "SIM-ZB-1.0.0"
	}
	if c.Start.IsZero() {
		c.Start = time.Now()
	}
	if c.Installed.IsZero() {
		c.Installed = c.Start.AddDate(0, -13, -1).Truncate(24 * time.Hour)
	}
	c.Installed = c.Installed.UTC()
	if c.MaxBaud == 0 {
		c.MaxBaud = 9600
	}
	if c.MaxInfo == 0 {
		c.MaxInfo = 128
	}
	if c.Window == 0 {
		c.Window = 1
	}
	if c.ReactionTime == 0 {
		c.ReactionTime = 200 * time.Millisecond
		if id.Flag[2] >= 'a' && id.Flag[2] <= 'z' {
			c.ReactionTime = 20 * time.Millisecond
		}
	}
	s := &c.Secrets
	if s.Password == nil {
		s.Password = DefaultPassword
	}
	if s.EK == nil {
		s.EK = DefaultEK
	}
	if s.AK == nil {
		s.AK = DefaultAK
	}
	if s.SystemTitle == nil {
		s.SystemTitle = systemTitle(id.Flag, id.Serial)
	}
	return nil
}

// systemTitle builds the 8-byte system title: the FLAG id and the low five
// bytes of the serial's hash (IEC 62056-5-3 §9.2.4.8.2 form: 3 letters +
// 5 bytes).
func systemTitle(flag, serial string) []byte {
	h := seedOf(serial)
	t := []byte{flag[0] &^ 0x20, flag[1] &^ 0x20, flag[2] &^ 0x20, 0, 0, 0, 0, 0}
	for i := 7; i >= 3; i-- {
		t[i] = byte(h)
		h >>= 8
	}
	return t
}

// seedOf hashes a string (FNV-1a) into a pattern seed.
func seedOf(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// Identity returns the meter's identity.
func (m *ESME) Identity() Identity { return m.cfg.Identity }

// Config returns the configuration the meter runs with, defaults filled.
func (m *ESME) Config() ESMEConfig { return m.cfg }

// Totals returns the energy registers now.
func (m *ESME) Totals() Totals { return m.energy.TotalsAt(m.Clock.Now()) }

// Connected reports the disconnect control's output state.
func (m *ESME) Connected() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.connected
}

func (m *ESME) logf(format string, args ...any) {
	if m.cfg.Logf != nil {
		m.cfg.Logf(format, args...)
	}
}

// newServers returns one DLMS server per association (client SAP).
func (m *ESME) newServers() map[int]*dlms.Server {
	s := m.cfg.Secrets
	out := map[int]*dlms.Server{
		SAPPublic: dlms.NewServer(m.view(LevelPublic), dlms.ServerConfig{Logf: m.cfg.Logf}),
		SAPReader: dlms.NewServer(m.view(LevelReader), dlms.ServerConfig{Mechanism: dlms.MechanismLLS, Password: s.Password, Logf: m.cfg.Logf}),
		SAPManagement: dlms.NewServer(m.view(LevelManagement), dlms.ServerConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
			Keys: dlms.Keys{EK: s.EK, AK: s.AK}, SystemTitle: s.SystemTitle, Logf: m.cfg.Logf}),
	}
	if s.SigningKey != nil && s.ClientKey != nil {
		out[SAPECDSA] = dlms.NewServer(m.view(LevelManagement), dlms.ServerConfig{Mechanism: dlms.MechanismECDSA, Ciphered: true,
			Keys: dlms.Keys{EK: s.EK, AK: s.AK}, SystemTitle: s.SystemTitle, SigningKey: s.SigningKey, ClientKey: s.ClientKey,
			SecurityControl: 0x31, Logf: m.cfg.Logf})
	}
	return out
}

func (m *ESME) view(l Level) *view {
	return &view{t: m.objects, level: l, encode: m.quirkEncode}
}

// Model returns the meter's object model as an association at level l
// sees it, for serving it over another transport (dlms.NewServer) or for
// reading it in-process.
func (m *ESME) Model(l Level) dlms.ObjectModel { return m.view(l) }

// Server returns the DLMS server of the association for client SAP sap
// (SAPPublic, SAPReader, SAPManagement, SAPECDSA), or nil.
func (m *ESME) Server(sap int) *dlms.Server { return m.servers[sap] }

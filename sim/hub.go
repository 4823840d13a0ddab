package sim

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
)

// WAN is the hub's view of the cellular network (GSM diagnostic, class 47).
type WAN struct {
	Operator string `json:"operator"`
	Region   string `json:"region,omitempty"` // CSP region: North, Central, South
	// Signal is the received signal strength in dBm (−113 … −51).
	Signal int    `json:"signal_dbm"`
	CellID uint32 `json:"cell_id"`
	LAC    uint16 `json:"lac"`
	MCC    uint16 `json:"mcc"`
	MNC    uint16 `json:"mnc"`
}

// HubConfig configures a simulated communications hub (CHF + GPF).
type HubConfig struct {
	Identity Identity
	// GPFID is the GPF's EUI-64 (default: the CHF's plus one).
	GPFID   string
	Secrets Secrets
	Start   time.Time
	WAN     WAN
	// Capacity is the size of the CHF device log (default 16, the
	// SmartDCC hub emulator's limit, DOMAIN.md §10.4).
	Capacity int
	// KeyAgreement is the hub's key-agreement private key and ACB the
	// Access Control Broker's public key: with both, local-delivery
	// commands in General-Ciphering frames must carry a valid MAC and
	// responses are sealed (GBCS §18.4, DOMAIN.md §16.7). Without them
	// MACs are neither checked nor computed (left zero).
	KeyAgreement *ecdh.PrivateKey
	ACB          *ecdh.PublicKey
	Quirks       Quirks
	Logf         func(string, ...any)
}

// LogEntry is one CHF device log entry (DOMAIN.md §9).
type LogEntry struct {
	DeviceID    EUI64
	InstallCode []byte
	// LinkKeyHash is empty until the device has joined with a TC link key.
	LinkKeyHash []byte
	LastSeen    time.Time
	RSSI        int8
	// JoinFailure is the GBCS join response code (DOMAIN.md §10.3) of the
	// device's last failed join, 0 when it has not failed since it last
	// joined. The CHF event log records each failure (EventJoinFailed).
	JoinFailure int
}

// EUI64 is a device identifier.
type EUI64 [8]byte

// ParseEUI64 reads "00-DB-12-34-56-78-90-A0", "00DB1234567890A0" or the
// colon form.
func ParseEUI64(s string) (EUI64, error) {
	var e EUI64
	b, err := hex.DecodeString(strings.NewReplacer("-", "", ":", "", " ", "").Replace(s))
	if err != nil || len(b) != 8 {
		return e, fmt.Errorf("sim: device id %q: want 8 bytes of hex", s)
	}
	copy(e[:], b)
	return e, nil
}

func (e EUI64) String() string {
	var b strings.Builder
	for i, c := range e {
		if i > 0 {
			b.WriteByte('-')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// Hub is a simulated GB communications hub: a DLMS server on a serial
// line (or TCP) with the ZigBee network control object (class 104), WAN
// diagnostics, the CHF clock and event log, and local delivery of GBCS
// commands to itself and the meters on its HAN (see HUBPROFILE.md).
type Hub struct {
	cfg   HubConfig
	Clock *Clock

	mu          sync.Mutex
	objects     *objectTable
	servers     map[int]*dlms.Server
	id, gpf     EUI64
	log         []LogEntry
	historic    []LogEntry
	joinEnabled bool
	joinTimeout uint16
	joinUntil   time.Time
	meters      map[EUI64]*ESME
	gasMeters   map[EUI64]*GSME  // gas meters on the HAN (AttachGSME)
	counters    map[EUI64]uint64 // last originator counter accepted, per remote party
	events      []event
	delivered   int
	gpfLog      []EUI64       // GPF device log: the GSMEs the GPF stands in for
	panID       EUI64         // extended PAN ID: the CHF's id until a restore (CCS03)
	joinFails   map[EUI64]int // last join failure code, also for devices not in the log
}

// Hub objects.
var (
	obisNetworkControl  = cosem.OBIS{0, 0, 30, 3, 0, 255}
	obisHistoricLog     = cosem.OBIS{0, 0, 30, 3, 1, 255}
	obisGPFDeviceLog    = cosem.OBIS{0, 0, 30, 3, 2, 255} // simulator's choice (HUBPROFILE.md)
	obisGSMDiagnostic   = cosem.OBIS{0, 0, 25, 6, 0, 255}
	obisHubEventLog     = cosem.OBIS{0, 0, 99, 98, 0, 255}
	obisHubEventCode    = cosem.OBIS{0, 0, 96, 11, 0, 255}
	obisHubEventDevice  = cosem.OBIS{0, 0, 128, 2, 0, 255} // simulator's choice (HUBPROFILE.md)
	obisHubEventDetail  = cosem.OBIS{0, 0, 128, 2, 1, 255} // simulator's choice (HUBPROFILE.md)
	obisGPFDeviceID     = cosem.OBIS{0, 0, 96, 1, 2, 255}
	obisGPFGasVolume    = cosem.OBIS{7, 0, 3, 0, 0, 255} // simulator's choice (HUBPROFILE.md)
	obisLocalDelivery   = cosem.OBIS{0, 0, 128, 1, 0, 255}
	classLocalDelivery  = cosem.ClassID(128)
	defaultHubCapacity  = 16
	historicLogCapacity = 15
)

// Exported names of the hub profile (HUBPROFILE.md).
var (
	NetworkControlOBIS = obisNetworkControl
	HistoricLogOBIS    = obisHistoricLog
	GPFDeviceLogOBIS   = obisGPFDeviceLog
	GPFGasVolumeOBIS   = obisGPFGasVolume
	HubEventLogOBIS    = obisHubEventLog
	GSMDiagnosticOBIS  = obisGSMDiagnostic
	LocalDeliveryOBIS  = obisLocalDelivery
)

// LocalDeliveryClass is the manufacturer-specific interface class of the
// simulator's local-delivery object (IEC 62056-6-2 reserves 128 … 199).
const LocalDeliveryClass = cosem.ClassID(128)

// Hub event codes (CHF event log; GB alert codes of DOMAIN.md §16.6 where
// one exists).
const (
	// EventDeviceLogChanged (CS14) is recorded whenever a device is added
	// to or removed from the CHF device log or its hashed link key
	// changes (DOMAIN.md §9), including a restore (CCS03).
	EventDeviceLogChanged uint16 = 0x8F12
	// EventJoinFailed is recorded when a device fails to join the HAN;
	// the entry's detail column holds the GBCS join response code
	// (DOMAIN.md §10.3) and its device column the device's EUI-64.
	EventJoinFailed uint16 = 0x8F48
	// EventJoinSucceeded is recorded when a device joins the HAN.
	EventJoinSucceeded uint16 = 0x8F49
	// EventGPFDeviceLogChanged is recorded when a GSME is added to the
	// GPF device log (the GPF's alert, kept in the CHF event log here).
	EventGPFDeviceLogChanged uint16 = 0x8071
	// EventDeviceAdded is EventDeviceLogChanged.
	EventDeviceAdded = EventDeviceLogChanged
	// Deprecated: removals are recorded as EventDeviceLogChanged, as CS14
	// requires; the hub no longer writes 0x8F13.
	EventDeviceRemoved uint16 = 0x8F13
	EventJoinEnabled   uint16 = 0x8F14
	EventWANUp         uint16 = 0x8F20
	EventWANDown       uint16 = 0x8F21
)

// NewHub returns a hub; its clock starts at once.
func NewHub(cfg HubConfig) (*Hub, error) {
	id, err := ParseEUI64(cfg.Identity.DeviceID)
	if err != nil {
		return nil, err
	}
	if len(cfg.Identity.Flag) != 3 {
		return nil, fmt.Errorf("sim: FLAG id %q: want three letters", cfg.Identity.Flag)
	}
	if cfg.Identity.Serial == "" {
		cfg.Identity.Serial = hex.EncodeToString(id[4:])
	}
	if cfg.Identity.Firmware == "" {
		cfg.Identity.Firmware = "SIM-CH-1.0.0"
	}
	if cfg.Identity.LogicalDeviceName == "" {
		cfg.Identity.LogicalDeviceName = (cfg.Identity.Flag + "CH" + cfg.Identity.Serial + "0000000000000")[:16]
	}
	gpf := id
	gpf[7]++
	if cfg.GPFID != "" {
		if gpf, err = ParseEUI64(cfg.GPFID); err != nil {
			return nil, err
		}
	}
	if cfg.Capacity <= 0 {
		cfg.Capacity = defaultHubCapacity
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Now()
	}
	if cfg.WAN.Operator == "" && !cfg.Quirks.Has(QuirkNoWAN) {
		cfg.WAN = WAN{Operator: "SIM Mobile", Region: "Central", Signal: -71, CellID: 0x1A2B3C, LAC: 0x3E8, MCC: 234, MNC: 10}
	}
	s := &cfg.Secrets
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
		s.SystemTitle = id[:]
	}
	h := &Hub{cfg: cfg, Clock: NewClock(cfg.Start), id: id, gpf: gpf, joinTimeout: 90, panID: id,
		meters: map[EUI64]*ESME{}, gasMeters: map[EUI64]*GSME{}, counters: map[EUI64]uint64{}, joinFails: map[EUI64]int{}}
	// The GPF is in the CHF device log, without a TC link key (DOMAIN.md
	// §9); it is always entry 0 and does not count against Capacity.
	h.log = []LogEntry{{DeviceID: gpf, LastSeen: cfg.Start, RSSI: -30}}
	if cfg.Quirks.Has(QuirkFullDeviceLog) {
		for i := 0; i < cfg.Capacity; i++ {
			e := EUI64{0x00, 0xDB, 0x12, 0xFF, 0xEE, 0x00, 0x00, byte(i)}
			h.log = append(h.log, LogEntry{DeviceID: e, InstallCode: bytes.Repeat([]byte{byte(i)}, 16),
				LinkKeyHash: bytes.Repeat([]byte{0xA5, byte(i)}, 8), LastSeen: cfg.Start.Add(-time.Duration(i) * time.Hour), RSSI: -60})
		}
	}
	h.objects = newObjectTable(&h.mu)
	h.buildObjects()
	h.servers = map[int]*dlms.Server{
		SAPPublic: dlms.NewServer(&view{t: h.objects, level: LevelPublic}, dlms.ServerConfig{Logf: cfg.Logf}),
		SAPReader: dlms.NewServer(&view{t: h.objects, level: LevelReader}, dlms.ServerConfig{Mechanism: dlms.MechanismLLS, Password: s.Password, Logf: cfg.Logf}),
		SAPManagement: dlms.NewServer(&view{t: h.objects, level: LevelManagement}, dlms.ServerConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
			Keys: dlms.Keys{EK: s.EK, AK: s.AK}, SystemTitle: s.SystemTitle, Logf: cfg.Logf}),
	}
	return h, nil
}

// Identity returns the CHF's identity.
func (h *Hub) Identity() Identity { return h.cfg.Identity }

// AttachMeter puts m on the hub's HAN, so local delivery can reach it.
func (h *Hub) AttachMeter(m *ESME) error {
	id, err := ParseEUI64(m.cfg.Identity.DeviceID)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.meters[id] = m
	h.mu.Unlock()
	return nil
}

// ErrDeviceLogFull is returned when a device log has no room.
var ErrDeviceLogFull = errors.New("sim: device log full")

// ID returns the CHF's EUI-64.
func (h *Hub) ID() EUI64 { return h.id }

// GPFID returns the GPF's EUI-64.
func (h *Hub) GPFID() EUI64 { return h.gpf }

// WhitelistGSME adds a gas meter to the CHF device log (as CCS01 does) and
// to the GPF device log, which the GPF keeps for the GSMEs it stands in
// for (DOMAIN.md §4), recording 0x8F12 and 0x8071 in the CHF event log. A
// GSME already listed keeps its entries. It returns ErrDeviceLogFull when
// the CHF log has no room. Only the logs are simulated: the GPF's GBZ use
// cases and the GSME's radio are not.
func (h *Hub) WhitelistGSME(id EUI64, installCode []byte) error {
	if len(installCode) < 6 || len(installCode) > 16 {
		return fmt.Errorf("sim: install code of %d bytes: want 6 to 16", len(installCode))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.register(id, installCode) {
		return fmt.Errorf("whitelist GSME %s: %w", id, ErrDeviceLogFull)
	}
	h.addToGPFLog(id)
	return nil
}

// addToGPFLog lists a GSME in the GPF device log (once), recording 0x8071.
// The caller holds h.mu.
func (h *Hub) addToGPFLog(id EUI64) {
	for _, g := range h.gpfLog {
		if g == id {
			return
		}
	}
	h.gpfLog = append(h.gpfLog, id)
	h.addDeviceEvent(EventGPFDeviceLogChanged, id, 0, "GPF device log: added "+id.String())
}

// AttachGSME puts a gas meter within the hub's HAN range: once it is on
// the CHF device log (register_device, CCS01 — the hub then also lists it
// in the GPF device log, as it knows the device is a gas meter) it joins
// when joining is open, like an attached electricity meter, and the GPF
// serves its gas volume (HUBPROFILE.md).
func (h *Hub) AttachGSME(g *GSME) {
	h.mu.Lock()
	h.gasMeters[g.id] = g
	h.mu.Unlock()
}

// JoinGSME is the gas meter pressing "join" (as Join for a meter).
func (h *Hub) JoinGSME(g *GSME) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.join(g)
}

// joinedGas is the first gas meter of the GPF device log that has joined
// the HAN, or nil. The caller holds h.mu.
func (h *Hub) joinedGas() *GSME {
	for _, id := range h.gpfLog {
		g, ok := h.gasMeters[id]
		if i := h.find(id); ok && i >= 0 && len(h.log[i].LinkKeyHash) > 0 {
			return g
		}
	}
	return nil
}

// GPFDeviceLog returns a copy of the GPF device log.
func (h *Hub) GPFDeviceLog() []EUI64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]EUI64(nil), h.gpfLog...)
}

// devices is the number of CHF device log entries that count against
// Capacity: all but the GPF's. The caller holds h.mu.
func (h *Hub) devices() int { return len(h.log) - 1 }

// DeviceLog returns a copy of the CHF device log's HAN devices: every
// entry but the GPF's own (GPFID), which backup_PAN lists first.
func (h *Hub) DeviceLog() []LogEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]LogEntry(nil), h.log[1:]...)
}

func (h *Hub) server(sap int) *dlms.Server { return h.servers[sap] }
func (h *Hub) quirks() Quirks              { return h.cfg.Quirks }
func (h *Hub) noteClientIC([]byte)         {}
func (h *Hub) logf(format string, args ...any) {
	if h.cfg.Logf != nil {
		h.cfg.Logf(format, args...)
	}
}

func (h *Hub) now() time.Time { return h.Clock.Now() }

// JoinFailure returns the GBCS join response code (DOMAIN.md §10.3) of
// the device's last failed join, or 0 when its last attempt succeeded or
// it has not tried. Unlike LogEntry.JoinFailure it covers devices that are
// not in the device log (codes 3 and 4).
func (h *Hub) JoinFailure(id EUI64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.joinFails[id]
}

// HubEvent is one CHF event log entry.
type HubEvent struct {
	At   time.Time
	Code uint16
	// Device is the device the event concerns (zero when none) and
	// Detail the event's detail code: the join response code for
	// EventJoinFailed.
	Device EUI64
	Detail int
	Text   string
}

// Events returns a copy of the CHF event log, oldest first.
func (h *Hub) Events() []HubEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]HubEvent, len(h.events))
	for i, e := range h.events {
		out[i] = HubEvent{At: e.at, Code: e.code, Device: e.device, Detail: e.detail, Text: e.text}
	}
	return out
}

// addEvent records a CHF event; the caller holds h.mu.
func (h *Hub) addEvent(code uint16, text string) { h.addDeviceEvent(code, EUI64{}, 0, text) }

// addDeviceEvent records a CHF event about one device; the caller holds h.mu.
func (h *Hub) addDeviceEvent(code uint16, dev EUI64, detail int, text string) {
	h.events = append(h.events, event{at: h.now(), code: code, text: text, device: dev, detail: detail})
	if len(h.events) > eventLogEntries {
		h.events = h.events[len(h.events)-eventLogEntries:]
	}
	h.logf("hub event %04X %s", code, text)
}

func (h *Hub) find(id EUI64) int {
	for i, e := range h.log {
		if e.DeviceID == id {
			return i
		}
	}
	return -1
}

// register adds a device to the log (CCS01 semantics, DOMAIN.md §9): an
// existing entry keeps its link key and reports success. It returns false
// when the log is full. The caller holds h.mu.
func (h *Hub) register(id EUI64, code []byte) bool {
	if h.find(id) >= 0 {
		return true
	}
	if h.devices() >= h.cfg.Capacity {
		return false
	}
	h.log = append(h.log, LogEntry{DeviceID: id, InstallCode: append([]byte(nil), code...), RSSI: -58})
	h.addDeviceEvent(EventDeviceLogChanged, id, 0, "device log: added "+id.String())
	if _, gas := h.gasMeters[id]; gas {
		h.addToGPFLog(id)
	}
	return true
}

// unregister removes a device (CCS02), keeping an established link key
// in the historic log (15 entries, oldest dropped). The caller holds h.mu.
func (h *Hub) unregister(id EUI64) bool {
	i := h.find(id)
	if i <= 0 { // not listed, or the GPF, which stays
		return false
	}
	e := h.log[i]
	h.log = append(h.log[:i], h.log[i+1:]...)
	if len(e.LinkKeyHash) > 0 {
		h.historic = append(h.historic, e)
		if len(h.historic) > historicLogCapacity {
			h.historic = h.historic[1:]
		}
	}
	h.addDeviceEvent(EventDeviceLogChanged, id, 0, "device log: removed "+id.String())
	return true
}

// Join is a meter on the HAN pressing "join": it joins when it is in the
// device log and joining is enabled. It returns the GBCS join response
// code (DOMAIN.md §10.3): 0 success, the meter's join-fail-N quirk, 4 when
// the hub's log is full and the meter is not in it, 3 when it is not in
// the log, 5 (write failure) when joining is not enabled.
func (h *Hub) Join(m *ESME) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.join(m)
}

// hanDevice is a device that joins the HAN through the CHF device log: an
// electricity meter or a gas meter.
type hanDevice interface {
	hanID() (EUI64, bool)
	joinQuirk() int        // the device's join-fail-N, or 0
	noteJoinFailed(rc int) // the device's own record of a failed join
	noteJoined(hub EUI64)  // the device's own record of joining hub
}

func (m *ESME) hanID() (EUI64, bool) {
	id, err := ParseEUI64(m.cfg.Identity.DeviceID)
	return id, err == nil
}
func (m *ESME) joinQuirk() int { return m.cfg.Quirks.JoinFailure() }
func (m *ESME) noteJoinFailed(rc int) {
	m.mu.Lock()
	m.addEvent(logComms, EventHANJoinFailed, fmt.Sprintf("HAN join failed, code %d", rc))
	m.mu.Unlock()
}
func (m *ESME) noteJoined(hub EUI64) {
	m.mu.Lock()
	m.joined[hub.String()] = true
	m.addEvent(logComms, EventHANJoined, "HAN joined "+hub.String())
	m.mu.Unlock()
}

// join is Join with h.mu held. A failure is recorded in the CHF event log
// (EventJoinFailed with the code) and on the device's log entry.
func (h *Hub) join(d hanDevice) int {
	id, ok := d.hanID()
	if !ok {
		return 5
	}
	i := h.find(id)
	rc := d.joinQuirk()
	switch {
	case rc != 0:
		d.noteJoinFailed(rc)
	case i < 0 && h.devices() >= h.cfg.Capacity:
		rc = 4
	case i < 0:
		rc = 3
	case !h.joinEnabled || h.now().After(h.joinUntil):
		rc = 5
	}
	if rc != 0 {
		h.joinFails[id] = rc
		if i >= 0 {
			h.log[i].JoinFailure = rc
		}
		h.addDeviceEvent(EventJoinFailed, id, rc, fmt.Sprintf("device joining failed: %s, code %d", id, rc))
		return rc
	}
	delete(h.joinFails, id)
	h.log[i].JoinFailure = 0
	h.log[i].LinkKeyHash = linkKeyHash(h.log[i].InstallCode)
	h.log[i].LastSeen = h.now()
	switch m := d.(type) {
	case *ESME:
		h.meters[id] = m
	case *GSME:
		h.gasMeters[id] = m
	}
	h.addDeviceEvent(EventJoinSucceeded, id, 0, "device joining succeeded: "+id.String())
	h.addDeviceEvent(EventDeviceLogChanged, id, 0, "device log: link key for "+id.String())
	d.noteJoined(h.id)
	return 0
}

// joinWaiting lets every attached meter that is in the device log but has
// no link key join, as installers press "join" once the hub shows the HAN
// is joinable. The caller holds h.mu.
func (h *Hub) joinWaiting() {
	for id, g := range h.gasMeters {
		if i := h.find(id); i >= 0 && len(h.log[i].LinkKeyHash) == 0 {
			if rc := h.join(g); rc != 0 {
				h.logf("gas meter %s: HAN join failed with code %d", id, rc)
			}
		}
	}
	for id, m := range h.meters {
		if i := h.find(id); i >= 0 && len(h.log[i].LinkKeyHash) == 0 {
			if rc := h.join(m); rc != 0 {
				h.logf("meter %s: HAN join failed with code %d", id, rc)
			}
		}
	}
}

// linkKeyHash stands for the hashed TC link key the CHF records: the
// install code folded to 16 bytes (the real hash needs the key itself,
// which the simulator does not derive here).
func linkKeyHash(code []byte) []byte {
	out := make([]byte, 16)
	for i, c := range code {
		out[i%16] ^= c ^ byte(i*29)
	}
	return out
}

// ServeSerial serves the hub's DLMS server on a serial line (HDLC at the
// line's speed, 8N1) until ctx ends or the line closes. The hub answers
// HDLC address 1/17 and 03 like the meters.
func (h *Hub) ServeSerial(ctx context.Context, p Port) error {
	return h.serveSerial(ctx, p, nil)
}

// ServeSerialTrace is ServeSerial with a frame trace.
func (h *Hub) ServeSerialTrace(ctx context.Context, p Port, trace func(dir string, b []byte)) error {
	return h.serveSerial(ctx, p, trace)
}

func (h *Hub) serveSerial(ctx context.Context, p Port, trace func(string, []byte)) error {
	stop := context.AfterFunc(ctx, func() { p.SetReadDeadline(time.Now()) })
	defer stop()
	var lastSAP int
	cfg := hdlc.Config{ServerLogical: 1, ServerPhysical: HDLCPhysical, InactivityTimeout: 120 * time.Second,
		Params: hdlc.Params{MaxInfoTx: 1024, MaxInfoRx: 1024, WindowTx: 7, WindowRx: 7},
		Trace: func(dir hdlc.Direction, frame []byte) {
			if f, err := hdlc.DecodeFrame(frame); err == nil && dir == hdlc.Rx {
				lastSAP = int(f.Src.Upper)
			}
			if trace != nil {
				trace(dir.String(), frame)
			}
		}}
	for ctx.Err() == nil {
		link, err := hdlc.Accept(ctx, p, cfg)
		if err != nil {
			if ctx.Err() != nil || isClosed(err) {
				return nil
			}
			continue
		}
		d := newDispatcher(ctx, h, link, func() int { return lastSAP })
		err = d.run(0)
		d.close()
		if ctx.Err() != nil || isClosed(err) {
			return nil
		}
	}
	return nil
}

// Model returns the hub's object model as an association at level l sees it.
func (h *Hub) Model(l Level) dlms.ObjectModel { return &view{t: h.objects, level: l} }

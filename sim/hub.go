package sim

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
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
	counters    map[EUI64]uint64 // last originator counter accepted, per remote party
	events      []event
	delivered   int
}

// Hub objects.
var (
	obisNetworkControl  = cosem.OBIS{0, 0, 30, 3, 0, 255}
	obisHistoricLog     = cosem.OBIS{0, 0, 30, 3, 1, 255}
	obisGSMDiagnostic   = cosem.OBIS{0, 0, 25, 6, 0, 255}
	obisHubEventLog     = cosem.OBIS{0, 0, 99, 98, 0, 255}
	obisHubEventCode    = cosem.OBIS{0, 0, 96, 11, 0, 255}
	obisGPFDeviceID     = cosem.OBIS{0, 0, 96, 1, 2, 255}
	obisLocalDelivery   = cosem.OBIS{0, 0, 128, 1, 0, 255}
	classLocalDelivery  = cosem.ClassID(128)
	defaultHubCapacity  = 16
	historicLogCapacity = 15
)

// Exported names of the hub profile (HUBPROFILE.md).
var (
	NetworkControlOBIS = obisNetworkControl
	GSMDiagnosticOBIS  = obisGSMDiagnostic
	LocalDeliveryOBIS  = obisLocalDelivery
)

// LocalDeliveryClass is the manufacturer-specific interface class of the
// simulator's local-delivery object (IEC 62056-6-2 reserves 128 … 199).
const LocalDeliveryClass = cosem.ClassID(128)

// Hub event codes (CHF event log).
const (
	EventDeviceAdded   uint16 = 0x8F12 // CS14: device log changed (DOMAIN.md §9)
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
	h := &Hub{cfg: cfg, Clock: NewClock(cfg.Start), id: id, gpf: gpf, joinTimeout: 90,
		meters: map[EUI64]*ESME{}, counters: map[EUI64]uint64{}}
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

// DeviceLog returns a copy of the CHF device log.
func (h *Hub) DeviceLog() []LogEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]LogEntry(nil), h.log...)
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

// addEvent records a CHF event; the caller holds h.mu.
func (h *Hub) addEvent(code uint16, text string) {
	h.events = append(h.events, event{at: h.now(), code: code, text: text})
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
	if len(h.log) >= h.cfg.Capacity {
		return false
	}
	h.log = append(h.log, LogEntry{DeviceID: id, InstallCode: append([]byte(nil), code...), RSSI: -58})
	h.addEvent(EventDeviceAdded, "device log: added "+id.String())
	return true
}

// unregister removes a device (CCS02), keeping an established link key
// in the historic log (15 entries, oldest dropped). The caller holds h.mu.
func (h *Hub) unregister(id EUI64) bool {
	i := h.find(id)
	if i < 0 {
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
	h.addEvent(EventDeviceRemoved, "device log: removed "+id.String())
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

// join is Join with h.mu held.
func (h *Hub) join(m *ESME) int {
	id, err := ParseEUI64(m.cfg.Identity.DeviceID)
	if err != nil {
		return 5
	}
	if code := m.cfg.Quirks.JoinFailure(); code != 0 {
		m.mu.Lock()
		m.addEvent(logComms, EventHANJoinFailed, fmt.Sprintf("HAN join failed, code %d", code))
		m.mu.Unlock()
		return code
	}
	i := h.find(id)
	switch {
	case i < 0 && len(h.log) >= h.cfg.Capacity:
		return 4
	case i < 0:
		return 3
	case !h.joinEnabled || h.now().After(h.joinUntil):
		return 5
	}
	h.log[i].LinkKeyHash = linkKeyHash(h.log[i].InstallCode)
	h.log[i].LastSeen = h.now()
	h.meters[id] = m
	h.addEvent(EventDeviceAdded, "device log: link key for "+id.String())
	m.mu.Lock()
	m.joined[h.id.String()] = true
	m.addEvent(logComms, EventHANJoined, "HAN joined "+h.id.String())
	m.mu.Unlock()
	return 0
}

// joinWaiting lets every attached meter that is in the device log but has
// no link key join, as installers press "join" once the hub shows the HAN
// is joinable. The caller holds h.mu.
func (h *Hub) joinWaiting() {
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

// buildObjects fills the hub's object table.
func (h *Hub) buildObjects() {
	t := h.objects
	id := h.cfg.Identity
	clock := t.add(&object{class: cosem.ClassClock, ln: obisClock})
	clock.attrs[2] = &attribute{get: dynamic(func() axdr.Value {
		return axdr.OctetString(dateTime(h.now(), false).AppendBody(nil))
	}), set: func(v axdr.Value) dlms.DataAccessResult {
		d, err := axdr.ParseDateTime(v.Bytes())
		if err != nil {
			return dlms.TypeUnmatched
		}
		tm, err := d.Time(nil, axdr.DeviationNormal)
		if err != nil {
			return dlms.TypeUnmatched
		}
		h.Clock.Set(tm)
		return dlms.Success
	}, write: LevelManagement}
	clock.attrs[3] = &attribute{get: value(axdr.Int16(0))}
	clock.attrs[4] = &attribute{get: dynamic(func() axdr.Value {
		if h.cfg.Quirks.Has(QuirkNoWAN) {
			return axdr.Uint8(uint8(axdr.StatusDoubtful)) // no network time: unreliable
		}
		return axdr.Uint8(0)
	})}
	for ln, s := range map[cosem.OBIS]string{obisLDN: id.LogicalDeviceName} {
		t.add(&object{class: cosem.ClassData, ln: ln}).attrs[2] = &attribute{get: value(axdr.OctetString([]byte(s)))}
	}
	for _, kv := range []struct {
		ln cosem.OBIS
		s  string
	}{{obisSerial, id.Serial}, {obisDeviceID, h.id.String()}, {obisGPFDeviceID, h.gpf.String()}, {obisFirmware, id.Firmware}} {
		t.add(&object{class: cosem.ClassData, ln: kv.ln}).attrs[2] = &attribute{get: value(axdr.VisibleString(kv.s))}
	}

	// ZigBee network control (class 104; DOMAIN.md §9 for the GB use).
	nc := t.add(&object{class: cosem.ClassZigBeeNetworkControl, ln: obisNetworkControl})
	nc.attrs[2] = &attribute{get: dynamic(func() axdr.Value { return axdr.Bool(h.joinEnabled && !h.now().After(h.joinUntil)) }),
		read: LevelReader, write: LevelManagement, set: func(v axdr.Value) dlms.DataAccessResult {
			if v.Type() != axdr.TypeBoolean {
				return dlms.TypeUnmatched
			}
			h.joinEnabled = v.Bool()
			h.joinUntil = h.now().Add(time.Duration(h.joinTimeout) * time.Second)
			if h.joinEnabled {
				h.addEvent(EventJoinEnabled, fmt.Sprintf("joining enabled for %d s", h.joinTimeout))
				h.joinWaiting()
			}
			return dlms.Success
		}}
	nc.attrs[3] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint16(h.joinTimeout) }),
		read: LevelReader, write: LevelManagement, set: func(v axdr.Value) dlms.DataAccessResult {
			if v.Type() != axdr.TypeLongUnsigned || v.Uint() < 1 || v.Uint() > 3600 {
				return dlms.TypeUnmatched
			}
			h.joinTimeout = uint16(v.Uint())
			return dlms.Success
		}}
	nc.attrs[4] = &attribute{get: dynamic(func() axdr.Value { return h.activeDevices() }), read: LevelReader}
	nc.methods[1] = func(p axdr.Value) (axdr.Value, dlms.ActionResult) { // register_device
		if p.Type() != axdr.TypeStructure || p.Len() < 3 || len(p.Index(0).Bytes()) != 8 {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		var e EUI64
		copy(e[:], p.Index(0).Bytes())
		code := p.Index(2).Bytes()
		if len(code) < 6 || len(code) > 16 {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		if !h.register(e, code) {
			return axdr.Null(), dlms.ActionResult(dlms.TemporaryFailure)
		}
		return axdr.Null(), 0
	}
	nc.methods[2] = func(p axdr.Value) (axdr.Value, dlms.ActionResult) { // unregister_device
		if len(p.Bytes()) != 8 {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		var e EUI64
		copy(e[:], p.Bytes())
		if !h.unregister(e) {
			return axdr.Null(), dlms.ActionResult(dlms.ObjectUnavailable)
		}
		return axdr.Null(), 0
	}
	nc.methods[3] = func(axdr.Value) (axdr.Value, dlms.ActionResult) { // unregister_all
		for len(h.log) > 0 {
			h.unregister(h.log[0].DeviceID)
		}
		return axdr.Null(), 0
	}
	nc.methods[4] = func(axdr.Value) (axdr.Value, dlms.ActionResult) { return h.backup(h.log), 0 } // backup_PAN

	hl := t.add(&object{class: cosem.ClassZigBeeNetworkControl, ln: obisHistoricLog})
	hl.methods[4] = func(axdr.Value) (axdr.Value, dlms.ActionResult) { return h.backup(h.historic), 0 }

	// WAN: GSM diagnostic (class 47).
	gsm := t.add(&object{class: cosem.ClassGSMDiagnostic, version: 1, ln: obisGSMDiagnostic})
	noWAN := h.cfg.Quirks.Has(QuirkNoWAN)
	w := h.cfg.WAN
	gsm.attrs[2] = &attribute{get: value(axdr.VisibleString(w.Operator))}
	gsm.attrs[3] = &attribute{get: value(axdr.Enum(map[bool]uint8{true: 0, false: 1}[noWAN]))} // 0 not registered, 1 home network
	gsm.attrs[4] = &attribute{get: value(axdr.Enum(map[bool]uint8{true: 0, false: 1}[noWAN]))} // CS attachment
	gsm.attrs[5] = &attribute{get: value(axdr.Enum(map[bool]uint8{true: 0, false: 4}[noWAN]))} // PS status: 4 = LTE/attached (unverified)
	gsm.attrs[6] = &attribute{get: value(h.cellInfo())}
	gsm.attrs[7] = &attribute{get: value(axdr.Array())}
	gsm.attrs[8] = &attribute{get: dynamic(func() axdr.Value { return axdr.OctetString(dateTime(h.now(), false).AppendBody(nil)) })}

	// CHF event log.
	code := t.add(&object{class: cosem.ClassData, ln: obisHubEventCode})
	code.attrs[2] = &attribute{get: dynamic(func() axdr.Value {
		if len(h.events) == 0 {
			return axdr.Uint16(0)
		}
		return axdr.Uint16(h.events[len(h.events)-1].code)
	}), read: LevelReader}
	el := t.add(&object{class: cosem.ClassProfileGeneric, version: 1, ln: obisHubEventLog})
	el.attrs[2] = &attribute{get: func(*dlms.SelectiveAccess) (axdr.Value, dlms.DataAccessResult) {
		rows := make([]axdr.Value, len(h.events))
		for i, e := range h.events {
			rows[i] = axdr.Structure(axdr.OctetString(dateTime(e.at, false).AppendBody(nil)), axdr.Uint16(e.code))
		}
		return axdr.Array(rows...), dlms.Success
	}, read: LevelReader}
	el.attrs[3] = &attribute{get: value(axdr.Array(capture(cosem.ClassClock, obisClock, 2), capture(cosem.ClassData, obisHubEventCode, 2)))}
	el.attrs[7] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint32(uint32(len(h.events))) })}
	el.attrs[8] = &attribute{get: value(axdr.Uint32(eventLogEntries))}

	assoc := t.add(&object{class: cosem.ClassAssociationLN, version: 1, ln: obisAssociation})
	assoc.attrs[2] = &attribute{} // the object list, per association (view.GetAttribute)
	assoc.attrs[8] = &attribute{get: value(axdr.Enum(2))}

	// Local delivery (HUBPROFILE.md).
	ld := t.add(&object{class: LocalDeliveryClass, ln: obisLocalDelivery})
	ld.attrs[2] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint32(uint32(h.delivered)) }), read: LevelReader}
	ld.methods[1] = func(p axdr.Value) (axdr.Value, dlms.ActionResult) {
		if p.Type() != axdr.TypeOctetString {
			return axdr.Null(), dlms.ActionResult(dlms.TypeUnmatched)
		}
		resp, err := h.deliver(p.Bytes())
		if err != nil {
			h.logf("local delivery: %v", err)
			return axdr.Null(), dlms.ActionResult(dlms.OtherReason)
		}
		h.delivered++
		return axdr.OctetString(resp), 0
	}
}

// cellInfo is the GSM diagnostic cell_info structure (class 47 attr 6).
func (h *Hub) cellInfo() axdr.Value {
	w := h.cfg.WAN
	csq := uint8(99)
	if !h.cfg.Quirks.Has(QuirkNoWAN) {
		csq = uint8(max(0, min(31, (w.Signal+113)/2)))
	}
	return axdr.Structure(axdr.Uint32(w.CellID), axdr.Uint16(w.LAC), axdr.Uint8(csq), axdr.Uint8(99),
		axdr.Uint16(w.MCC), axdr.Uint16(w.MNC), axdr.Uint32(0))
}

// activeDevices is class 104 attribute 4: one 14-field entry per device
// (DOMAIN.md §9: mac, status, RSSI max/avg/min, LQI max/avg/min, last
// communication, hops, failures, successes, application and stack version).
func (h *Hub) activeDevices() axdr.Value {
	rows := make([]axdr.Value, 0, len(h.log))
	for _, e := range h.log {
		status := byte(0x80) // authorised
		if len(e.LinkKeyHash) > 0 {
			status |= 0x40 // reporting
		}
		last := axdr.OctetString(bytes.Repeat([]byte{0xFF}, 12))
		if !e.LastSeen.IsZero() {
			last = axdr.OctetString(dateTime(e.LastSeen, false).AppendBody(nil))
		}
		rows = append(rows, axdr.Structure(axdr.OctetString(e.DeviceID[:]), axdr.BitString([]byte{status}, 5),
			axdr.Int8(e.RSSI+12), axdr.Int8(e.RSSI), axdr.Int8(e.RSSI-20),
			axdr.Uint8(255), axdr.Uint8(220), axdr.Uint8(160), last,
			axdr.Uint8(1), axdr.Uint16(0), axdr.Uint16(412), axdr.Uint8(1), axdr.Uint8(2)))
	}
	return axdr.Array(rows...)
}

// backup is the backup structure of CS14 and CCS07: {date-time, extended
// PAN id, array of {EUI-64, hashed link key (0 or 16 bytes)}}.
func (h *Hub) backup(log []LogEntry) axdr.Value {
	rows := make([]axdr.Value, len(log))
	for i, e := range log {
		rows[i] = axdr.Structure(axdr.OctetString(e.DeviceID[:]), axdr.OctetString(e.LinkKeyHash))
	}
	return axdr.Structure(axdr.OctetString(dateTime(h.now(), false).AppendBody(nil)), axdr.OctetString(h.id[:]), axdr.Array(rows...))
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

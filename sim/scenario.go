package sim

import (
	"bytes"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed scenarios/*.json
var scenarioFS embed.FS

// Scenario is one site as data: which devices, their identities, install
// codes, SMI statuses and quirks. Demo, training and test sites are
// scenario files, not code.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Start is the devices' clock at start-up (RFC 3339); empty = now.
	Start  string          `json:"start,omitempty"`
	Hub    *HubScenario    `json:"hub,omitempty"`
	Meters []MeterScenario `json:"meters"`
	// GasMeters are the site's gas meters (GSME), in the hub's HAN range;
	// they need a hub.
	GasMeters []GasMeterScenario `json:"gas_meters,omitempty"`
}

// GasMeterScenario describes one gas meter.
type GasMeterScenario struct {
	Identity Identity `json:"identity"`
	Status   string   `json:"status,omitempty"`
	Quirks   []Quirk  `json:"quirks,omitempty"`
	DailyDm3 uint32   `json:"daily_dm3,omitempty"`
	// Whitelisted puts the gas meter in the CHF and GPF device logs at
	// start-up; Joined also gives it a link key.
	Whitelisted bool `json:"whitelisted,omitempty"`
	Joined      bool `json:"joined,omitempty"`
}

// HubScenario describes the site's communications hub.
type HubScenario struct {
	Identity Identity `json:"identity"`
	Status   string   `json:"status,omitempty"` // SMI status, for the inventory side
	Quirks   []Quirk  `json:"quirks,omitempty"`
	WAN      *WAN     `json:"wan,omitempty"`
	Capacity int      `json:"capacity,omitempty"`
}

// MeterScenario describes one electricity meter.
type MeterScenario struct {
	Identity Identity `json:"identity"`
	Status   string   `json:"status,omitempty"`
	Quirks   []Quirk  `json:"quirks,omitempty"`
	DailyWh  float64  `json:"daily_wh,omitempty"`
	SolarWh  float64  `json:"solar_wh,omitempty"`
	MaxBaud  int      `json:"max_baud,omitempty"`
	MaxInfo  int      `json:"max_info,omitempty"`
	Window   int      `json:"window,omitempty"`
	// Whitelisted puts the meter in the hub's device log at start-up;
	// Joined also gives it a link key.
	Whitelisted bool `json:"whitelisted,omitempty"`
	Joined      bool `json:"joined,omitempty"`
}

// ErrScenario wraps every scenario validation error.
var ErrScenario = errors.New("sim: bad scenario")

// maxScenarioSize caps a scenario file.
const maxScenarioSize = 1 << 20

// ParseScenario reads a scenario from JSON and checks it: unknown fields,
// bad quirks, device ids and duplicate ids are errors.
func ParseScenario(b []byte) (*Scenario, error) {
	if len(b) > maxScenarioSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrScenario, len(b), maxScenarioSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrScenario, err)
	}
	if err := sc.validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

func (sc *Scenario) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrScenario, sc.Name, fmt.Sprintf(format, args...))
	}
	if sc.Name == "" {
		return bad("no name")
	}
	if sc.Start != "" {
		if _, err := time.Parse(time.RFC3339, sc.Start); err != nil {
			return bad("start: %v", err)
		}
	}
	if sc.Hub == nil && len(sc.Meters) == 0 {
		return bad("no devices")
	}
	seen := map[EUI64]bool{}
	check := func(what string, id Identity, quirks []Quirk) error {
		e, err := ParseEUI64(id.DeviceID)
		if err != nil {
			return bad("%s: %v", what, err)
		}
		if seen[e] {
			return bad("%s: device id %s used twice", what, e)
		}
		seen[e] = true
		if len(id.Flag) != 3 {
			return bad("%s: FLAG id %q", what, id.Flag)
		}
		for _, q := range quirks {
			if !validQuirk(q) {
				return bad("%s: %v %q", what, ErrUnknownQuirk, q)
			}
		}
		return nil
	}
	if sc.Hub != nil {
		if err := check("hub", sc.Hub.Identity, sc.Hub.Quirks); err != nil {
			return err
		}
	}
	for i, m := range sc.Meters {
		if m.Identity.Serial == "" {
			return bad("meter %d: no serial", i)
		}
		if err := check(fmt.Sprintf("meter %d", i), m.Identity, m.Quirks); err != nil {
			return err
		}
	}
	if len(sc.GasMeters) > 0 && sc.Hub == nil {
		return bad("gas meters need a hub")
	}
	for i, g := range sc.GasMeters {
		if err := check(fmt.Sprintf("gas meter %d", i), g.Identity, g.Quirks); err != nil {
			return err
		}
		if code, err := parseInstallCode(g.Identity.InstallCode); err != nil || len(code) < 6 || len(code) > 16 {
			return bad("gas meter %d: install code %q", i, g.Identity.InstallCode)
		}
	}
	return nil
}

// LoadScenario reads a scenario: a file path, or the name of an embedded
// scenario ("demo", "training", "faults").
func LoadScenario(nameOrPath string) (*Scenario, error) {
	if b, err := scenarioFS.ReadFile("scenarios/" + nameOrPath + ".json"); err == nil {
		return ParseScenario(b)
	}
	f, err := os.Open(nameOrPath)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxScenarioSize+1))
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	return ParseScenario(b)
}

// ScenarioNames lists the embedded scenarios.
func ScenarioNames() []string {
	entries, _ := fs.ReadDir(scenarioFS, "scenarios")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(path.Base(e.Name()), ".json"))
	}
	sort.Strings(out)
	return out
}

// Site is a scenario brought to life: the hub and the meters on its HAN.
type Site struct {
	Scenario *Scenario
	Hub      *Hub // nil when the scenario has none
	Meters   []*ESME
	// GasMeters are in the hub's HAN range (Hub.AttachGSME).
	GasMeters []*GSME
}

// NewSite builds the devices of a scenario. start overrides the
// scenario's start time when not zero.
func NewSite(sc *Scenario, start time.Time, logf func(string, ...any)) (*Site, error) {
	if start.IsZero() && sc.Start != "" {
		start, _ = time.Parse(time.RFC3339, sc.Start)
	}
	if start.IsZero() {
		start = time.Now()
	}
	s := &Site{Scenario: sc}
	if h := sc.Hub; h != nil {
		cfg := HubConfig{Identity: h.Identity, Start: start, Capacity: h.Capacity, Quirks: quirkSet(h.Quirks), Logf: logf}
		if h.WAN != nil {
			cfg.WAN = *h.WAN
		}
		hub, err := NewHub(cfg)
		if err != nil {
			return nil, err
		}
		s.Hub = hub
	}
	for _, ms := range sc.Meters {
		m, err := NewESME(ESMEConfig{Identity: ms.Identity, Start: start, DailyWh: ms.DailyWh, SolarWh: ms.SolarWh,
			MaxBaud: ms.MaxBaud, MaxInfo: ms.MaxInfo, Window: ms.Window, Quirks: quirkSet(ms.Quirks), Logf: logf})
		if err != nil {
			return nil, err
		}
		s.Meters = append(s.Meters, m)
		if s.Hub == nil {
			continue
		}
		if err := s.Hub.AttachMeter(m); err != nil {
			return nil, err
		}
		if ms.Whitelisted || ms.Joined {
			id, _ := ParseEUI64(ms.Identity.DeviceID)
			code, _ := parseInstallCode(ms.Identity.InstallCode)
			s.Hub.mu.Lock()
			s.Hub.register(id, code)
			if ms.Joined {
				if i := s.Hub.find(id); i >= 0 {
					s.Hub.log[i].LinkKeyHash = linkKeyHash(code)
					s.Hub.log[i].LastSeen = start
				}
			}
			s.Hub.mu.Unlock()
		}
	}
	for _, gs := range sc.GasMeters {
		g, err := NewGSME(GSMEConfig{Identity: gs.Identity, Start: start, DailyDm3: gs.DailyDm3, Quirks: quirkSet(gs.Quirks)})
		if err != nil {
			return nil, err
		}
		s.GasMeters = append(s.GasMeters, g)
		s.Hub.AttachGSME(g)
		if gs.Whitelisted || gs.Joined {
			s.Hub.mu.Lock()
			s.Hub.register(g.id, g.code)
			if gs.Joined {
				if i := s.Hub.find(g.id); i >= 0 {
					s.Hub.log[i].LinkKeyHash = linkKeyHash(g.code)
					s.Hub.log[i].LastSeen = start
				}
				g.noteJoined(s.Hub.id)
			}
			s.Hub.mu.Unlock()
		}
	}
	return s, nil
}

func parseInstallCode(s string) ([]byte, error) {
	if s == "" {
		return make([]byte, 16), nil
	}
	return hex.DecodeString(s)
}

func quirkSet(list []Quirk) Quirks {
	q := Quirks{}
	for _, x := range list {
		q[x] = true
	}
	return q
}

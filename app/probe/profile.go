package probe

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Profile is what worked for one meter model: how Detect reached it, so the
// next detection of the same manufacturer and model tries that first.
type Profile struct {
	// Manufacturer is the three-letter FLAG id and Model the
	// identification text (IEC 62056-21 §6.3.2), or the model part of the
	// logical device name for meters found over direct HDLC.
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	Protocol     Protocol `json:"protocol"`
	// Baud is the speed that worked: the agreed speed after the option
	// select (mode C and E), or the line speed (direct HDLC).
	Baud    int      `json:"baud"`
	Address *Address `json:"hdlc_address,omitempty"`
	// Echo is set when the probe heard its own transmissions.
	Echo bool `json:"echo,omitempty"`
	// Settings are the engineer's manual settings for this model (mode,
	// speed, addresses, security, deviation sign), without the secret;
	// nil when none were given. A detection that stores what worked keeps
	// them.
	Settings *Settings `json:"settings,omitempty"`
}

// RememberSettings stores the manual settings of a meter model in st,
// keeping what detection learnt of it. The secret is not stored, nor
// needed: a security level is remembered without it.
func RememberSettings(st Store, manufacturer, model string, s Settings) error {
	if strings.TrimSpace(manufacturer) == "" && strings.TrimSpace(model) == "" {
		return fmt.Errorf("remember settings: %w: no manufacturer or model", ErrSettings)
	}
	if err := s.validate(false); err != nil {
		return fmt.Errorf("remember settings of %s %s: %w", manufacturer, model, err)
	}
	p, ok, err := st.Get(manufacturer, model)
	if err != nil {
		return fmt.Errorf("remember settings of %s %s: %w", manufacturer, model, err)
	}
	if !ok {
		p = Profile{Manufacturer: manufacturer, Model: model, Protocol: s.Protocol, Baud: s.Baud, Address: s.Address}
	}
	s.Secret = ""
	p.Settings = &s
	return st.Put(p)
}

// LookupSettings returns the manual settings remembered for a meter model.
func LookupSettings(st Store, manufacturer, model string) (Settings, bool, error) {
	p, ok, err := st.Get(manufacturer, model)
	if err != nil || !ok || p.Settings == nil {
		return Settings{}, false, err
	}
	return *p.Settings, true, nil
}

// key is the store key of a manufacturer and model. The FLAG id compares
// without case: a lower-case third letter only announces the fast reaction
// time (IEC 62056-21 §6.3.2).
func key(manufacturer, model string) string {
	return strings.ToUpper(strings.TrimSpace(manufacturer)) + "\x00" + strings.TrimSpace(model)
}

// Store remembers profiles per manufacturer and model. The app's SQLite
// store can implement it; FileStore keeps them in a JSON file.
type Store interface {
	// Get returns the profile of a manufacturer and model; ok is false
	// when there is none.
	Get(manufacturer, model string) (p Profile, ok bool, err error)
	// Put stores p, replacing the profile of the same manufacturer and
	// model.
	Put(p Profile) error
}

// FileStore is a Store in one JSON file. Each Put rewrites the file through
// a temporary file and a rename, so a crash leaves the old or the new file,
// never half of one. It is safe for concurrent use within one process.
type FileStore struct {
	path string
	mu   sync.Mutex
}

// maxStoreFile caps the profile file read, so a damaged file cannot
// exhaust memory.
const maxStoreFile = 4 << 20

// ErrStoreFile wraps problems with the content of a profile file.
var ErrStoreFile = errors.New("probe: bad profile file")

// NewFileStore returns a store in the file at path; the file and its
// directory are created on the first Put.
func NewFileStore(path string) *FileStore { return &FileStore{path: path} }

// storeFile is the file's layout.
type storeFile struct {
	Version  int       `json:"version"`
	Profiles []Profile `json:"profiles"`
}

// Get returns the stored profile of manufacturer and model.
func (s *FileStore) Get(manufacturer, model string) (Profile, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.load()
	if err != nil {
		return Profile{}, false, err
	}
	p, ok := all[key(manufacturer, model)]
	return p, ok, nil
}

// Put stores p.
func (s *FileStore) Put(p Profile) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	all, err := s.load()
	if err != nil && !errors.Is(err, ErrStoreFile) {
		return err
	}
	if all == nil {
		all = map[string]Profile{} // a damaged file is replaced
	}
	all[key(p.Manufacturer, p.Model)] = p
	f := storeFile{Version: 1, Profiles: make([]Profile, 0, len(all))}
	for _, q := range all {
		f.Profiles = append(f.Profiles, q)
	}
	sort.Slice(f.Profiles, func(i, j int) bool {
		return key(f.Profiles[i].Manufacturer, f.Profiles[i].Model) < key(f.Profiles[j].Manufacturer, f.Profiles[j].Model)
	})
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode profiles: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return fmt.Errorf("store profile: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".profiles-*")
	if err != nil {
		return fmt.Errorf("store profile: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("store profile: %w", err)
	}
	return nil
}

// load reads every profile; a missing file holds none.
func (s *FileStore) load() (map[string]Profile, error) {
	f, err := os.Open(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Profile{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read profiles: %w", err)
	}
	defer f.Close()
	var sf storeFile
	dec := json.NewDecoder(&limitedReader{f: f, n: maxStoreFile})
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("read %s: %w: %v", s.path, ErrStoreFile, err)
	}
	all := make(map[string]Profile, len(sf.Profiles))
	for _, p := range sf.Profiles {
		all[key(p.Manufacturer, p.Model)] = p
	}
	return all, nil
}

// limitedReader is io.LimitReader that fails instead of ending quietly.
type limitedReader struct {
	f *os.File
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("file too large")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.f.Read(p)
	l.n -= int64(n)
	return n, err
}

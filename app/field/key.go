package field

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/smetskit/smetskit/app/inventory"
)

// KeyFile is the name of the sealing key in the data folder: 32 random
// bytes (AES-256-GCM, inventory.Sealer), readable by the user only, that
// seal install codes in stored commissioning plans.
const KeyFile = "seal.key"

// ErrBadKey means the key file exists but is not a key; it is never
// replaced, since plans sealed with it would no longer open.
var ErrBadKey = errors.New("field: sealing key file is damaged")

// loadSealer reads the sealing key in dir, creating the folder (0700) and
// the key (0600) when missing.
func loadSealer(dir string) (*inventory.Sealer, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	path := filepath.Join(dir, KeyFile)
	key, err := readKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(path)
	}
	if err != nil {
		return nil, err
	}
	s, err := inventory.NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("load sealing key %s: %w", path, err)
	}
	return s, nil
}

func readKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// One byte more than a key, to see a longer file.
	key, err := io.ReadAll(io.LimitReader(f, 33))
	if err != nil {
		return nil, fmt.Errorf("read sealing key %s: %w", path, err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("read sealing key %s: not 32 bytes: %w", path, ErrBadKey)
	}
	return key[:32], nil
}

// createKey writes a new random key; O_EXCL keeps a key another process
// wrote meanwhile.
func createKey(path string) ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make sealing key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("create sealing key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write sealing key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write sealing key: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write sealing key: %w", err)
	}
	return key, nil
}

//go:build linux || darwin

package sim

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/creack/pty"
)

// PTY is a pseudo-terminal for a simulated device: the device serves the
// master side, and any serial client (our serial package, npm serialport,
// minicom) opens SlavePath like a real port. Baud rate and format are the
// client's business on a pty: bytes move at once whatever the speed, so
// SetLine does nothing.
type PTY struct {
	master, slave *os.File
	link          string
	in            *pump
	closeOnce     sync.Once
	closeErr      error
}

// OpenPTY opens a pseudo-terminal. When link is not empty a symbolic link
// of that name points at the slave (an existing link is replaced), so
// scripts can use a fixed path.
func OpenPTY(link string) (*PTY, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open pseudo-terminal: %w", err)
	}
	p := &PTY{master: master, slave: slave, in: newPump(master)}
	if err := makeRaw(slave); err != nil {
		p.Close()
		return nil, fmt.Errorf("set pseudo-terminal raw: %w", err)
	}
	if link != "" {
		if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			os.Remove(link)
		}
		if err := os.Symlink(slave.Name(), link); err != nil {
			p.Close()
			return nil, fmt.Errorf("link %s to %s: %w", link, slave.Name(), err)
		}
		p.link = link
	}
	return p, nil
}

// SlavePath is the path a client opens (/dev/pts/N), or the link.
func (p *PTY) SlavePath() string {
	if p.link != "" {
		return p.link
	}
	return p.slave.Name()
}

// DevicePath is the slave's device path, whatever the link.
func (p *PTY) DevicePath() string { return p.slave.Name() }

// Read reads what the client wrote.
func (p *PTY) Read(b []byte) (int, error) { return p.in.Read(b) }

// Write sends bytes to the client.
func (p *PTY) Write(b []byte) (int, error) { return p.master.Write(b) }

// SetReadDeadline bounds the next Read.
// The master is in blocking mode (creack/pty), so a pump goroutine gives
// it deadlines.
func (p *PTY) SetReadDeadline(t time.Time) error { return p.in.SetReadDeadline(t) }

// SetLine does nothing on a pseudo-terminal.
func (p *PTY) SetLine(int, string) error { return nil }

// Close closes both sides and removes the link. It is idempotent and safe
// to call from several goroutines: later calls return the first call's
// result.
func (p *PTY) Close() error {
	p.closeOnce.Do(func() {
		if p.link != "" {
			os.Remove(p.link)
		}
		p.in.stop()
		p.slave.Close()
		p.closeErr = p.master.Close()
	})
	return p.closeErr
}

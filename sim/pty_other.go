//go:build !linux && !darwin

package sim

import (
	"errors"
	"time"
)

// PTY is not available on this system; use TCP.
type PTY struct{}

// ErrNoPTY is returned by OpenPTY where there are no pseudo-terminals.
var ErrNoPTY = errors.New("sim: no pseudo-terminals on this system; use --tcp")

// OpenPTY fails with ErrNoPTY.
func OpenPTY(string) (*PTY, error) { return nil, ErrNoPTY }

func (*PTY) SlavePath() string               { return "" }
func (*PTY) DevicePath() string              { return "" }
func (*PTY) Read([]byte) (int, error)        { return 0, ErrNoPTY }
func (*PTY) Write([]byte) (int, error)       { return 0, ErrNoPTY }
func (*PTY) SetReadDeadline(time.Time) error { return ErrNoPTY }
func (*PTY) SetLine(int, string) error       { return nil }
func (*PTY) Close() error                    { return nil }

//go:build linux || darwin

package serial

import (
	"os"
	"testing"

	"github.com/creack/pty"
)

// openPTY returns the master end of a new pseudo-terminal and the name of its
// slave end, which the test opens with Open like any serial port. A pty
// carries bytes instantly whatever the speed; the termios settings of the
// slave are still real and can be read back from the master (linux).
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal on this system: %v", err)
	}
	name := slave.Name()
	// Keep the slave open until the test ends, so the master never sees
	// a hang-up between the test's opens and closes.
	t.Cleanup(func() {
		slave.Close()
		master.Close()
	})
	return master, name
}

// openTestPort opens the slave end of a new pty at 300 Bd 7E1.
func openTestPort(t *testing.T) (*os.File, *Port) {
	t.Helper()
	master, name := openPTY(t)
	p, err := Open(name, Mode{Baud: 300, DataBits: 7, Parity: EvenParity})
	if err != nil {
		t.Fatalf("Open(%s) = %v", name, err)
	}
	t.Cleanup(func() { p.Close() })
	return master, p
}

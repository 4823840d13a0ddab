package serial_test

import (
	"io"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/serial"
)

// probe is the shape app declares for serial ports and USB probes alike.
type probe interface {
	io.ReadWriteCloser
	SetReadDeadline(t time.Time) error
	SetLine(baud int, format string) error
	SetDTR(on bool) error
	SetRTS(on bool) error
	Flush() error
	Drain() error
}

var (
	_ iec62056.Port = (*serial.Port)(nil)
	_ probe         = (*serial.Port)(nil)
)

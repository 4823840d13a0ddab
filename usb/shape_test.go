package usb_test

import (
	"io"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/usb"
)

// probe is the shape app declares for serial ports and USB probes alike
// (the same declaration is in serial's tests).
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
	_ iec62056.Port = (*usb.Port)(nil)
	_ probe         = (*usb.Port)(nil)
)

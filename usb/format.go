package usb

import (
	"errors"
	"fmt"
)

// errFormat is the cause of every refused speed or format.
var errFormat = errors.New("usb: bad line setting")

var (
	parityLetters = [...]byte{0: 'N', 1: 'O', 2: 'E', 3: 'M', 4: 'S'}
	stopNames     = [...]string{0: "1", 1: "1.5", 2: "2"}
)

// maxBaud is far above any bridge's top speed; it only stops nonsense.
const maxBaud = 12_000_000

// parseLine reads a speed and a character format such as "7E1" or "8N1":
// data bits 5–8, parity N, E, O, M or S, stop bits 1, 1.5 or 2. Whether the
// chip supports it is the chip's business.
func parseLine(baud int, format string) (line, error) {
	if baud <= 0 || baud > maxBaud {
		return line{}, fmt.Errorf("%w: speed %d Bd", errFormat, baud)
	}
	if len(format) < 3 || len(format) > 5 || format[0] < '5' || format[0] > '8' {
		return line{}, fmt.Errorf("%w: format %q, want data bits, parity and stop bits as in 7E1", errFormat, format)
	}
	l := line{baud: baud, dataBits: int(format[0] - '0'), parity: 0xFF, stop: 0xFF}
	for i, c := range parityLetters {
		if format[1] == c || format[1] == c+'a'-'A' {
			l.parity = uint8(i)
		}
	}
	for i, s := range stopNames {
		if format[2:] == s {
			l.stop = uint8(i)
		}
	}
	if l.parity == 0xFF || l.stop == 0xFF {
		return line{}, fmt.Errorf("%w: format %q, want parity N, E, O, M or S and stop bits 1, 1.5 or 2", errFormat, format)
	}
	return l, nil
}

// format returns "7E1" for l.
func (l line) format() string {
	p, s := byte('?'), "?"
	if int(l.parity) < len(parityLetters) {
		p = parityLetters[l.parity]
	}
	if int(l.stop) < len(stopNames) {
		s = stopNames[l.stop]
	}
	return fmt.Sprintf("%d%c%s", l.dataBits, p, s)
}

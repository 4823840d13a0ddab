package serial

import (
	"errors"
	"fmt"
	"strconv"

	bugst "go.bug.st/serial"
)

// Parity is the parity bit of each character.
type Parity uint8

// Parities, with the letter ParseFormat reads.
const (
	NoParity    Parity = iota // N
	EvenParity                // E
	OddParity                 // O
	MarkParity                // M
	SpaceParity               // S
)

var parityLetters = [...]byte{NoParity: 'N', EvenParity: 'E', OddParity: 'O', MarkParity: 'M', SpaceParity: 'S'}

// StopBits is the number of stop bits.
type StopBits uint8

// Stop bits.
const (
	OneStopBit           StopBits = iota // 1
	OnePointFiveStopBits                 // 1.5 (refused by most Unix drivers)
	TwoStopBits                          // 2
)

var stopNames = [...]string{OneStopBit: "1", OnePointFiveStopBits: "1.5", TwoStopBits: "2"}

// Lines are the modem control outputs. Some optical probes take their power
// from DTR or RTS.
type Lines struct {
	DTR, RTS bool
}

// Mode is a line setting: speed and character format.
//
// 7E1 (IEC 62056-21 §6.3.1: 7 data bits, even parity, 1 stop bit) maps to
// go.bug.st/serial's Mode{DataBits: 7, Parity: EvenParity}. Linux, macOS
// and the BSDs set it natively through termios (CS7|PARENB); Windows
// through the driver's DCB, and some USB bridges (notably CH340 and early
// PL2303 drivers) refuse 7 data bits or ignore them: use 8N1 there and do
// the parity in software (iec62056.Options.SoftParity, PROTOCOLS.md §1.1).
type Mode struct {
	Baud     int
	DataBits int // 5 to 8; 0 means 8
	Parity   Parity
	StopBits StopBits
	// Lines, when set, drives DTR and RTS as the port opens. Nil leaves
	// the system default (both asserted on most systems). Pseudo-terminals
	// have no modem lines: leave it nil there.
	Lines *Lines
}

// Formats used by IEC 62056-21.
const (
	Format7E1 = "7E1" // sign-on, readout, programming mode
	Format8N1 = "8N1" // after the mode E hand-over (HDLC)
)

// errFormat is the cause of every refused format string.
var errFormat = errors.New("serial: bad character format")

// maxFormat bounds a format string: "8E1.5" is the longest valid one.
const maxFormat = 5

// ParseFormat reads a character format such as "7E1", "8N1", "8E1", "7O1"
// or "8N2": data bits 5–8, a parity letter (N, E, O, M, S) and stop bits
// (1, 1.5, 2).
func ParseFormat(s string) (dataBits int, p Parity, stop StopBits, err error) {
	if len(s) < 3 || len(s) > maxFormat {
		return 0, 0, 0, fmt.Errorf("%w %q: want data bits, parity and stop bits, as in 7E1", errFormat, s)
	}
	if s[0] < '5' || s[0] > '8' {
		return 0, 0, 0, fmt.Errorf("%w %q: data bits must be 5 to 8", errFormat, s)
	}
	dataBits = int(s[0] - '0')
	found := false
	for i, l := range parityLetters {
		if s[1] == l || s[1] == l+'a'-'A' {
			p, found = Parity(i), true
		}
	}
	if !found {
		return 0, 0, 0, fmt.Errorf("%w %q: parity must be N, E, O, M or S", errFormat, s)
	}
	found = false
	for i, n := range stopNames {
		if s[2:] == n {
			stop, found = StopBits(i), true
		}
	}
	if !found {
		return 0, 0, 0, fmt.Errorf("%w %q: stop bits must be 1, 1.5 or 2", errFormat, s)
	}
	return dataBits, p, stop, nil
}

// ModeFor returns the Mode for a speed and a format such as "7E1".
func ModeFor(baud int, format string) (Mode, error) {
	d, p, s, err := ParseFormat(format)
	if err != nil {
		return Mode{}, err
	}
	m := Mode{Baud: baud, DataBits: d, Parity: p, StopBits: s}
	return m, m.check()
}

// Format returns the character format, such as "7E1".
func (m Mode) Format() string {
	d := m.DataBits
	if d == 0 {
		d = 8
	}
	p, s := byte('?'), "?"
	if int(m.Parity) < len(parityLetters) {
		p = parityLetters[m.Parity]
	}
	if int(m.StopBits) < len(stopNames) {
		s = stopNames[m.StopBits]
	}
	return strconv.Itoa(d) + string(p) + s
}

// String returns "300 Bd 7E1".
func (m Mode) String() string { return strconv.Itoa(m.Baud) + " Bd " + m.Format() }

// maxBaud is far above any serial adapter; it only stops nonsense.
const maxBaud = 20_000_000

func (m Mode) check() error {
	switch {
	case m.Baud <= 0 || m.Baud > maxBaud:
		return fmt.Errorf("%w: speed %d Bd", errFormat, m.Baud)
	case m.DataBits != 0 && (m.DataBits < 5 || m.DataBits > 8):
		return fmt.Errorf("%w: %d data bits", errFormat, m.DataBits)
	case int(m.Parity) >= len(parityLetters):
		return fmt.Errorf("%w: parity %d", errFormat, m.Parity)
	case int(m.StopBits) >= len(stopNames):
		return fmt.Errorf("%w: stop bits %d", errFormat, m.StopBits)
	}
	return nil
}

// bugstMode converts m for go.bug.st/serial.
func (m Mode) bugstMode() *bugst.Mode {
	d := m.DataBits
	if d == 0 {
		d = 8
	}
	bm := &bugst.Mode{BaudRate: m.Baud, DataBits: d}
	bm.Parity = map[Parity]bugst.Parity{
		NoParity: bugst.NoParity, EvenParity: bugst.EvenParity, OddParity: bugst.OddParity,
		MarkParity: bugst.MarkParity, SpaceParity: bugst.SpaceParity,
	}[m.Parity]
	bm.StopBits = map[StopBits]bugst.StopBits{
		OneStopBit: bugst.OneStopBit, OnePointFiveStopBits: bugst.OnePointFiveStopBits, TwoStopBits: bugst.TwoStopBits,
	}[m.StopBits]
	if m.Lines != nil {
		bm.InitialStatusBits = &bugst.ModemOutputBits{DTR: m.Lines.DTR, RTS: m.Lines.RTS}
	}
	return bm
}

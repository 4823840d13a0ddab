package sim

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"os"
	"sync"
	"time"
)

// ErrDisconnected is returned by reads and writes after the line broke
// (Faults.DisconnectAfter).
var ErrDisconnected = errors.New("sim: line disconnected")

// ErrLineFormat reports a character format other than 7E1, 8N1, 8E1 and
// their relatives ([78][NEO][12]), or a baud rate below 1.
var ErrLineFormat = errors.New("sim: bad line settings")

// LineConfig configures a Line. Zero values mean 300 Bd, 7E1, no
// turnaround, no echo and no faults: the state of an optical port at the
// start of an IEC 62056-21 exchange.
type LineConfig struct {
	Baud       int           // initial rate of both ends
	Format     string        // initial character format of both ends: "7E1", "8N1", "8E1"
	Turnaround time.Duration // added before the first character after a change of direction
	Echo       bool          // the probe end (a) hears its own characters, as an IR head does
	Faults     Faults
	Seed       int64 // seeds the fault and garble generators; same seed, same faults
}

// Faults are injected per character, independently in each direction, from
// generators seeded by LineConfig.Seed. Echoed characters are never faulted.
type Faults struct {
	// BitErrorRate is the probability that a character arrives with one
	// of its data bits flipped (a per-character rate, not per bit).
	BitErrorRate float64
	// DropRate is the probability that a character is lost.
	DropRate float64
	// GarbageRate is the probability that 1 to 4 random characters are
	// inserted before a character.
	GarbageRate float64
	// Stalls holds the line silent for a while before some characters.
	Stalls Stalls
	// DisconnectAfter breaks the line for good once this many characters
	// (both directions together) have been sent; 0 means never.
	DisconnectAfter int64
}

// Stalls makes the line pause for Duration before a character, with
// probability Rate per character.
type Stalls struct {
	Rate     float64
	Duration time.Duration
}

// charFormat is a UART character format.
type charFormat struct {
	data   int  // 7 or 8 data bits
	parity byte // 'N', 'E' or 'O'
	stop   int  // 1 or 2
}

func parseFormat(s string) (charFormat, error) {
	if len(s) != 3 || (s[0] != '7' && s[0] != '8') || (s[1] != 'N' && s[1] != 'E' && s[1] != 'O') ||
		(s[2] != '1' && s[2] != '2') {
		return charFormat{}, fmt.Errorf("parse format %q: %w", s, ErrLineFormat)
	}
	return charFormat{data: int(s[0] - '0'), parity: s[1], stop: int(s[2] - '0')}, nil
}

// bits returns the character length on the wire: start, data, parity, stop.
func (f charFormat) bits() int {
	n := 1 + f.data + f.stop
	if f.parity != 'N' {
		n++
	}
	return n
}

func (f charFormat) String() string { return fmt.Sprintf("%d%c%d", f.data, f.parity, f.stop) }

// line is the state the two ends share.
type line struct {
	cfg          LineConfig
	mu           sync.Mutex
	lastDir      int // index of the end that sent last, -1 before any
	sent         int64
	disconnected bool
	ends         [2]*End
}

// End is one side of a Line. It has the shape of a serial port: Read,
// Write, Close, SetReadDeadline, and SetLine to change speed and format
// mid-session. One goroutine may read while another writes.
type End struct {
	line *line
	idx  int // 0 = probe (a), 1 = device (b)

	wmu sync.Mutex // serialises writers; guards rng
	rng *rand.Rand // faults and garbling of the characters this end sends

	mu       sync.Mutex // guards the fields below
	rx       []byte
	wake     chan struct{}
	deadline time.Time
	closed   bool
	baud     int
	format   charFormat
}

// NewLine returns the two ends of an emulated serial line: a is the
// client or probe side (it hears the echo when cfg.Echo is set), b the
// device side. Settings that cannot be parsed fall back to 300 Bd 7E1.
func NewLine(cfg LineConfig) (a, b *End) {
	if cfg.Baud <= 0 {
		cfg.Baud = 300
	}
	f, err := parseFormat(cfg.Format)
	if err != nil {
		f = charFormat{data: 7, parity: 'E', stop: 1}
	}
	l := &line{cfg: cfg, lastDir: -1}
	for i := range l.ends {
		l.ends[i] = &End{
			line:   l,
			idx:    i,
			rng:    rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(i)+0x5EED)),
			wake:   make(chan struct{}, 1),
			baud:   cfg.Baud,
			format: f,
		}
	}
	return l.ends[0], l.ends[1]
}

func (e *End) peer() *End { return e.line.ends[1-e.idx] }

// SetLine changes this end's baud rate and character format, as a UART
// does between characters (IEC 62056-21 switches after the option select).
// Characters already delivered are not affected. If the ends disagree, the
// receiver gets: random characters when the rates differ; the parity bit in
// bit 7 when a 7-bit sender meets an 8-bit receiver; bit 7 cleared when an
// 8-bit sender meets a 7-bit receiver (parity errors are not signalled).
func (e *End) SetLine(baud int, format string) error {
	f, err := parseFormat(format)
	if err != nil {
		return err
	}
	if baud < 1 {
		return fmt.Errorf("set %d baud: %w", baud, ErrLineFormat)
	}
	e.mu.Lock()
	e.baud, e.format = baud, f
	e.mu.Unlock()
	return nil
}

// Baud returns this end's current baud rate.
func (e *End) Baud() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.baud
}

// Format returns this end's current character format, such as "7E1".
func (e *End) Format() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.format.String()
}

// SetReadDeadline sets the time after which Read returns
// os.ErrDeadlineExceeded; the zero time means none. It wakes a blocked Read.
func (e *End) SetReadDeadline(t time.Time) error {
	e.mu.Lock()
	e.deadline = t
	e.mu.Unlock()
	e.signal()
	return nil
}

func (e *End) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Read returns the characters received so far, blocking until at least one
// arrives. It returns io.EOF at once after this end's Close, and after the
// peer's Close once the received characters are drained; ErrDisconnected
// after the line broke (also after draining); os.ErrDeadlineExceeded after
// the read deadline.
func (e *End) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return 0, io.EOF
		}
		if len(e.rx) > 0 {
			n := copy(p, e.rx)
			e.rx = e.rx[n:]
			if len(e.rx) == 0 {
				e.rx = nil
			}
			e.mu.Unlock()
			return n, nil
		}
		dl := e.deadline
		e.mu.Unlock()
		if err := e.line.broken(); err != nil {
			return 0, err
		}
		if e.peer().isClosed() {
			return 0, io.EOF
		}
		var expire <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, os.ErrDeadlineExceeded
			}
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			expire = timer.C
		}
		select {
		case <-e.wake:
		case <-expire:
		}
	}
}

func (e *End) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

func (l *line) broken() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.disconnected {
		return ErrDisconnected
	}
	return nil
}

// Close closes this end. Reads on both ends then return io.EOF once drained;
// writes on both return io.ErrClosedPipe.
func (e *End) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.signal()
	e.peer().signal()
	return nil
}

// Characters reach the reader in groups spanning at most maxGroupTime of
// line time and at most maxGroup characters; a group is delivered when its
// last character has left the wire.
const (
	maxGroup     = 128
	maxGroupTime = 20 * time.Millisecond
)

// Write sends p at this end's baud rate and blocks until the last character
// has been transmitted (as tcdrain does), so a caller's response timer
// starts when the line is quiet. The first character after a change of
// direction waits LineConfig.Turnaround first (the line itself is full
// duplex: both ends may send at once). Faults apply per character.
// Write returns ErrDisconnected when the line breaks during or before the
// write, io.ErrClosedPipe after either end is closed.
func (e *End) Write(p []byte) (int, error) {
	e.wmu.Lock()
	defer e.wmu.Unlock()
	l := e.line
	if len(p) == 0 {
		return 0, nil
	}
	if e.isClosed() || e.peer().isClosed() {
		return 0, io.ErrClosedPipe
	}
	l.mu.Lock()
	if l.disconnected {
		l.mu.Unlock()
		return 0, ErrDisconnected
	}
	turn := l.lastDir >= 0 && l.lastDir != e.idx
	l.lastDir = e.idx
	l.mu.Unlock()
	if turn && l.cfg.Turnaround > 0 {
		time.Sleep(l.cfg.Turnaround)
	}
	e.mu.Lock()
	baud, f := e.baud, e.format
	e.mu.Unlock()
	start := time.Now()
	var stalled time.Duration
	charTime := func(k int) time.Duration {
		return time.Duration(int64(k) * int64(f.bits()) * int64(time.Second) / int64(baud))
	}
	fl := &l.cfg.Faults
	group := int(int64(maxGroupTime) * int64(baud) / (int64(f.bits()) * int64(time.Second)))
	group = max(1, min(maxGroup, group))
	sent := 0
	out := make([]byte, 0, 2*group)
	echo := make([]byte, 0, group)
	for sent < len(p) {
		n := min(group, len(p)-sent)
		allowed, cut := l.take(int64(n))
		n = int(allowed)
		peer := e.peer()
		peer.mu.Lock()
		rbaud, rf := peer.baud, peer.format
		peer.mu.Unlock()
		out, echo = out[:0], echo[:0]
		for _, c := range p[sent : sent+n] {
			if f.data == 7 {
				c &= 0x7F
			}
			echo = append(echo, c)
			if fl.Stalls.Rate > 0 && e.rng.Float64() < fl.Stalls.Rate {
				stalled += fl.Stalls.Duration
			}
			if fl.GarbageRate > 0 && e.rng.Float64() < fl.GarbageRate {
				for range 1 + e.rng.IntN(4) {
					out = append(out, byte(e.rng.IntN(256)))
				}
			}
			if fl.DropRate > 0 && e.rng.Float64() < fl.DropRate {
				continue
			}
			if fl.BitErrorRate > 0 && e.rng.Float64() < fl.BitErrorRate {
				c ^= 1 << e.rng.IntN(f.data)
			}
			out = append(out, receive(c, baud, f, rbaud, rf, e.rng))
		}
		sent += n
		if d := time.Until(start.Add(charTime(sent) + stalled)); d > 0 {
			time.Sleep(d)
		}
		if e.peer().isClosed() || e.isClosed() {
			return sent, io.ErrClosedPipe
		}
		peer.deliver(out)
		if l.cfg.Echo && e.idx == 0 {
			e.deliver(echo)
		}
		if cut {
			l.disconnect()
			return sent, ErrDisconnected
		}
	}
	return sent, nil
}

// receive returns what a receiver set to rbaud/rf reads when c is sent at
// baud/f.
func receive(c byte, baud int, f charFormat, rbaud int, rf charFormat, rng *rand.Rand) byte {
	switch {
	case rbaud != baud:
		return byte(rng.IntN(256))
	case f.data == 7 && rf.data == 8:
		var p byte
		switch f.parity {
		case 'E':
			p = byte(bits.OnesCount8(c) & 1)
		case 'O':
			p = byte(bits.OnesCount8(c)&1) ^ 1
		default:
			p = 1 // the stop bit
		}
		return c | p<<7
	case f.data == 8 && rf.data == 7:
		return c & 0x7F
	}
	return c
}

// take counts n characters against DisconnectAfter; it returns how many may
// be sent and whether the line breaks after them.
func (l *line) take(n int64) (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.cfg.Faults.DisconnectAfter
	if limit <= 0 {
		return n, false
	}
	left := limit - l.sent
	if n >= left {
		l.sent = limit
		return max(left, 0), true
	}
	l.sent += n
	return n, false
}

func (l *line) disconnect() {
	l.mu.Lock()
	l.disconnected = true
	l.mu.Unlock()
	for _, e := range l.ends {
		e.signal()
	}
}

func (e *End) deliver(b []byte) {
	if len(b) == 0 {
		return
	}
	e.mu.Lock()
	e.rx = append(e.rx, b...)
	e.mu.Unlock()
	e.signal()
}

// Buffered returns the number of received characters not yet read.
func (e *End) Buffered() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.rx)
}

package probe

import (
	"errors"
	"os"
	"sync"
	"time"
)

// Port is the probe Detect and SelfTest talk through: a serial port, a USB
// optical probe or an end of the simulator's line. It has the shape of
// iec62056.Port, so all of them fit without an adapter. SetLine changes the
// speed and character format ("7E1" or "8N1") mid-session. A Read past the
// deadline returns an error satisfying errors.Is(err, os.ErrDeadlineExceeded)
// or whose Timeout() is true; any other error from the port (closed,
// unplugged) ends the detection at once.
type Port interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	SetReadDeadline(t time.Time) error
	SetLine(baud int, format string) error
}

// watchedPort sits between the protocol stack and the probe. It keeps the
// first hard failure of the port, so a probe pulled out mid-read stops the
// whole detection instead of looking like a silent meter at every speed,
// and it counts what came back: the echo of our own transmission, and
// anything else.
type watchedPort struct {
	Port

	mu     sync.Mutex
	err    error  // first error that is not a time-out
	tx     []byte // our last transmission, while its echo may arrive
	open   bool   // received bytes are still compared with tx
	match  int    // bytes of tx matched so far
	echoes int64  // transmissions that came back whole
	other  int64  // received bytes that were not an echo
}

// maxEcho bounds the transmission kept for the echo comparison.
const maxEcho = 64

func (w *watchedPort) Read(p []byte) (int, error) {
	n, err := w.Port.Read(p)
	w.mu.Lock()
	for _, c := range p[:n] {
		if w.open {
			if c&0x7F == w.tx[w.match]&0x7F { // 7E1 seen as 8 bits: ignore parity
				w.match++
				if w.match == len(w.tx) {
					w.echoes++
					w.open = false
				}
				continue
			}
			w.other += int64(w.match) // an answer that began like our message
			w.open = false
		}
		w.other++
	}
	w.mu.Unlock()
	w.note(err)
	return n, err
}

func (w *watchedPort) Write(p []byte) (int, error) {
	w.mu.Lock()
	k := min(len(p), maxEcho)
	w.tx = append(w.tx[:0], p[:k]...)
	// A meter confirms mode E with the very option select it was sent
	// (PROTOCOLS.md §9.2), so an ACK message proves no echo. No meter
	// sends a request or a frame addressed to itself: those echoes do.
	w.match, w.open = 0, k > 0 && p[0] != 0x06
	w.mu.Unlock()
	n, err := w.Port.Write(p)
	w.note(err)
	return n, err
}

func (w *watchedPort) SetLine(baud int, format string) error {
	err := w.Port.SetLine(baud, format)
	w.note(err)
	return err
}

// note keeps err when it is the port's own failure, not a time-out.
func (w *watchedPort) note(err error) {
	if err == nil || isTimeout(err) {
		return
	}
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// failed returns the port's first hard failure, or nil.
func (w *watchedPort) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// counts returns how many transmissions came back whole and how many
// other bytes were received so far.
func (w *watchedPort) counts() (echoes, other int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.echoes, w.other
}

// isTimeout reports whether err is a read deadline passing.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

package iec62056

import (
	"context"
	"fmt"
	"time"
)

// WakeUp is the wake-up sequence of battery-powered meters: NUL
// characters for Duration, then a Pause before the request (IEC21
// client.py; PROTOCOLS.md §1.6). Spacing is the gap between NULs, which
// sources dispute: 0 sends them back to back.
type WakeUp struct {
	Duration time.Duration // default 2.2 s
	Pause    time.Duration // default 1.6 s
	Spacing  time.Duration
}

// wakeUp sends the NULs (300 Bd, 33 ms each) in chunks of at most 30,
// or one at a time with Spacing, then waits the pause; the echo is dropped
// by the line silence that follows. Chunks are timed from the start of
// each write, so a port whose Write returns at once and one that drains
// give the same sequence.
func (cl *Client) wakeUp(ctx context.Context, w *WakeUp) error {
	end := time.Now().Add(orDefault(w.Duration, 2200*time.Millisecond))
	per := charTime(300)
	for time.Now().Before(end) {
		start := time.Now()
		n := int((end.Sub(start) + per/2) / per)
		if n == 0 {
			break
		}
		next := start.Add(time.Duration(n) * per)
		switch {
		case w.Spacing > 0:
			n, next = 1, start.Add(per+w.Spacing)
		case n > 30:
			n, next = 30, start.Add(30*per)
		}
		if _, err := cl.port.Write(make([]byte, n)); err != nil {
			return &portError{fmt.Errorf("write wake-up: %w", err)}
		}
		if next.After(end) {
			next = end
		}
		if err := sleep(ctx, time.Until(next)); err != nil {
			return err
		}
	}
	return sleep(ctx, orDefault(w.Pause, 1600*time.Millisecond))
}

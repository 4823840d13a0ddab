package diagnose

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// ErrBadNTP reports an SNTP answer that cannot be used.
var ErrBadNTP = errors.New("diagnose: unusable NTP answer")

// ntpEpochOffset is the seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
const ntpEpochOffset = 2208988800

// SNTP asks the server at addr ("pool.ntp.org:123") for the time once
// (SNTPv4, RFC 4330 §4–§5) and returns it corrected by half the round
// trip. It blocks until the answer, ctx's deadline or 5 s, whichever is
// first; without an answer the error wraps context.DeadlineExceeded. now
// is the laptop clock (time.Now when nil).
func SNTP(ctx context.Context, addr string, now func() time.Time) (time.Time, error) {
	if now == nil {
		now = time.Now
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return time.Time{}, fmt.Errorf("ntp %s: %w", addr, err)
	}
	defer conn.Close()
	deadline := now().Add(5 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()

	req := make([]byte, 48)
	req[0] = 0x23 // LI 0, version 4, mode 3 (client)
	sent := now()
	binary.BigEndian.PutUint64(req[40:], ntpTime(sent))
	if _, err := conn.Write(req); err != nil {
		return time.Time{}, fmt.Errorf("ntp %s: %w", addr, err)
	}
	resp := make([]byte, 128)
	n, err := conn.Read(resp)
	if err != nil {
		if ctx.Err() != nil {
			return time.Time{}, fmt.Errorf("ntp %s: %w", addr, ctx.Err())
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The socket's deadline is ctx's or the 5 s cap: say it as a
			// deadline, whichever fired first.
			return time.Time{}, fmt.Errorf("ntp %s: no answer: %w", addr, context.DeadlineExceeded)
		}
		return time.Time{}, fmt.Errorf("ntp %s: %w", addr, err)
	}
	got := now()
	t, err := ParseSNTP(resp[:n], req[40:48])
	if err != nil {
		return time.Time{}, fmt.Errorf("ntp %s: %w", addr, err)
	}
	return t.Add(got.Sub(sent) / 2), nil
}

// ParseSNTP reads a server answer (RFC 4330 §4): mode 4 (server), a
// stratum from 1 to 15, no alarm, and the originate timestamp equal to
// the one sent. It returns the transmit timestamp.
func ParseSNTP(b []byte, originate []byte) (time.Time, error) {
	if len(b) < 48 {
		return time.Time{}, fmt.Errorf("%d bytes: %w", len(b), ErrBadNTP)
	}
	if li, mode := b[0]>>6, b[0]&7; li == 3 || mode != 4 {
		return time.Time{}, fmt.Errorf("leap %d mode %d: %w", li, mode, ErrBadNTP)
	}
	if b[1] == 0 || b[1] > 15 {
		return time.Time{}, fmt.Errorf("stratum %d: %w", b[1], ErrBadNTP)
	}
	if originate != nil && string(b[24:32]) != string(originate) {
		return time.Time{}, fmt.Errorf("answer to another request: %w", ErrBadNTP)
	}
	ts := binary.BigEndian.Uint64(b[40:48])
	if ts == 0 {
		return time.Time{}, fmt.Errorf("no transmit time: %w", ErrBadNTP)
	}
	return fromNTP(ts), nil
}

func ntpTime(t time.Time) uint64 {
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}

func fromNTP(ts uint64) time.Time {
	secs := int64(ts>>32) - ntpEpochOffset
	nanos := int64((ts & 0xFFFFFFFF) * 1e9 >> 32)
	return time.Unix(secs, nanos).UTC()
}

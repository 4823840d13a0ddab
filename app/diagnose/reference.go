package diagnose

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// ReferenceClock is a time source better than the laptop's clock: an NTP
// server (NTPClock) or, where the kit has one, a GPS receiver. A session
// compares the device clock with it as well as with the laptop.
type ReferenceClock interface {
	// Time returns the reference time now. It blocks at most until ctx
	// ends; an error says why there is no reference (no network, no fix).
	Time(ctx context.Context) (time.Time, error)
	// Source names the reference for the evidence and the engineer ("NTP
	// pool.ntp.org", "GPS").
	Source() string
}

// ErrNoNetwork reports that the laptop has no network to ask a time
// server through: the clock is compared with the laptop's only.
var ErrNoNetwork = errors.New("diagnose: no network for a time reference")

// NTPClock is a ReferenceClock that asks an SNTP server (RFC 4330) when
// the laptop has a network, and then keeps the server's offset from the
// laptop clock for MaxAge, so a day of readouts asks once in a while, not
// at every read. It is safe for concurrent use.
type NTPClock struct {
	// Server is host:port ("pool.ntp.org:123"; the port defaults to 123).
	Server string
	// Timeout bounds one query (default 3 s); ctx may end it sooner.
	Timeout time.Duration
	// MaxAge is how long an answer's offset is used (default 15 min).
	MaxAge time.Duration
	// Now is the laptop clock; time.Now when nil.
	Now func() time.Time
	// Online reports whether the laptop has a network; nil checks for an
	// interface that is up with a routable address. A server given as a
	// loopback address is always asked.
	Online func() bool

	mu     sync.Mutex
	offset time.Duration // server minus laptop
	at     time.Time     // laptop time of the answer; zero: none
}

// Source returns "NTP " and the server.
func (c *NTPClock) Source() string { return "NTP " + c.host() }

func (c *NTPClock) host() string {
	if h, _, err := net.SplitHostPort(c.Server); err == nil {
		return h
	}
	return c.Server
}

func (c *NTPClock) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Time returns the server's time: the laptop clock plus the offset of a
// recent answer, or a new query when there is none. Without a network it
// returns ErrNoNetwork at once, without waiting for a timeout.
func (c *NTPClock) Time(ctx context.Context) (time.Time, error) {
	maxAge := c.MaxAge
	if maxAge <= 0 {
		maxAge = 15 * time.Minute
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if !c.at.IsZero() && now.Sub(c.at) >= 0 && now.Sub(c.at) < maxAge {
		return now.Add(c.offset), nil
	}
	addr := c.Server
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "123")
	}
	if !c.loopback() {
		online := c.Online
		if online == nil {
			online = hasNetwork
		}
		if !online() {
			return time.Time{}, fmt.Errorf("ask %s for the time: %w", c.Server, ErrNoNetwork)
		}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	qctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t, err := SNTP(qctx, addr, c.Now)
	if err != nil {
		return time.Time{}, err
	}
	got := c.now()
	c.offset, c.at = t.Sub(got), got
	return t, nil
}

// loopback reports whether the server is a loopback address (a local
// server, as in tests): it is asked even with no network.
func (c *NTPClock) loopback() bool {
	ip := net.ParseIP(c.host())
	return ip != nil && ip.IsLoopback()
}

// hasNetwork reports whether an interface is up with a routable unicast
// address (not loopback, not link-local): without one no time server can
// be reached.
func hasNetwork() bool {
	ifs, err := net.Interfaces()
	if err != nil {
		return false
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if ok && ipn.IP.IsGlobalUnicast() {
				return true
			}
		}
	}
	return false
}

// referenceQuery asks a ReferenceClock in the background while the
// session reads the object list, so a slow or absent network costs the
// readout no time.
type referenceQuery struct {
	source string
	done   chan struct{}
	cancel context.CancelFunc
	t      time.Time // the reference at laptop time at
	at     time.Time
	err    error
}

// startReference starts asking rc; now is the laptop clock.
func startReference(rc ReferenceClock, now func() time.Time) *referenceQuery {
	ctx, cancel := context.WithCancel(context.Background())
	q := &referenceQuery{source: rc.Source(), done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(q.done)
		q.t, q.err = rc.Time(ctx)
		q.at = now()
	}()
	return q
}

// wait returns the reference time at laptop time now, waiting for the
// answer until ctx ends.
func (q *referenceQuery) wait(ctx context.Context, now time.Time) (time.Time, error) {
	select {
	case <-q.done:
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("ask %s for the time: %w", q.source, ctx.Err())
	}
	if q.err != nil {
		return time.Time{}, q.err
	}
	return q.t.Add(now.Sub(q.at)), nil
}

// stop ends the query and waits for its goroutine.
func (q *referenceQuery) stop() {
	q.cancel()
	<-q.done
}

package sim

import (
	"sync"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// Clock is a device's clock: an offset from the process clock, so it runs
// in virtual time inside testing/synctest and can be set by a client.
// Its methods are safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// NewClock returns a clock that reads start now and runs from there.
// A zero start follows the process clock.
func NewClock(start time.Time) *Clock {
	c := &Clock{}
	if !start.IsZero() {
		c.offset = time.Until(start)
	}
	return c
}

// Now returns the device's time (UTC).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset).UTC()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.offset = time.Until(t)
	c.mu.Unlock()
}

// Shift moves the clock by d (Clock method shift_time).
func (c *Clock) Shift(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// ukDST reports whether t falls in British Summer Time: from 01:00 UTC on
// the last Sunday of March to 01:00 UTC on the last Sunday of October.
func ukDST(t time.Time) bool {
	t = t.UTC()
	y := t.Year()
	return !t.Before(lastSunday(y, time.March)) && t.Before(lastSunday(y, time.October))
}

// lastSunday returns 01:00 UTC on the last Sunday of month m of year y.
func lastSunday(y int, m time.Month) time.Time {
	d := time.Date(y, m+1, 1, 1, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	for d.Weekday() != time.Sunday {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// UK civil time zones.
var (
	zoneGMT = time.FixedZone("GMT", 0)
	zoneBST = time.FixedZone("BST", 3600)
)

// ukLocal returns t in UK civil time (GMT or BST) as a fixed zone.
func ukLocal(t time.Time) time.Time {
	if ukDST(t) {
		return t.In(zoneBST)
	}
	return t.In(zoneGMT)
}

// dateTime encodes t as a GB meter does: UK local fields, deviation and the
// DST status bit (IEC 62056-6-2 §4.1.6.1). reversed writes the deviation
// with the wrong sign (quirk inverted-deviation, PROTOCOLS.md §11.4).
func dateTime(t time.Time, reversed bool) axdr.DateTime {
	lt := ukLocal(t)
	d := axdr.FromTime(lt)
	if ukDST(t) {
		d.Status |= axdr.StatusDST
	}
	if reversed {
		d.Deviation = -d.Deviation
	}
	return d
}

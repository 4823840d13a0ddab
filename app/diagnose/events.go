package diagnose

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// maxEventEntries caps the entries decoded from one event log buffer.
const maxEventEntries = 1 << 16

// EventLogs returns the event logs the device offers (profile generics
// 0-x:99.98.y*255).
func (s *Session) EventLogs() []cosem.OBIS {
	var out []cosem.OBIS
	for _, o := range s.offered(cosem.ClassProfileGeneric) {
		if isEventLog(o.LogicalName) {
			out = append(out, o.LogicalName)
		}
	}
	return out
}

// Events reads every event log the device offers. With from and to both
// zero it reads whole buffers, otherwise the entries in [from, to]
// (selector 1). A log that cannot be read is skipped and reported in the
// error; a log with corrupted entries is returned whole, the bad entries
// marked.
func (s *Session) Events(ctx context.Context, from, to time.Time) ([]EventLog, error) {
	var out []EventLog
	var errs []error
	start := s.cfg.Now()
	rows := 0
	for _, ln := range s.EventLogs() {
		l, err := s.eventLog(ctx, ln, from, to)
		if err != nil {
			if ctx.Err() != nil {
				return out, err
			}
			errs = append(errs, err)
			continue
		}
		out = append(out, *l)
		rows += len(l.Entries)
		s.progress(SectionEvents, ln, rows, rows, start)
	}
	return out, errors.Join(errs...)
}

func (s *Session) eventLog(ctx context.Context, ln cosem.OBIS, from, to time.Time) (*EventLog, error) {
	cv, err := s.get(ctx, cosem.ClassProfileGeneric, ln, 3)
	if err != nil {
		return nil, err
	}
	cols, err := cosem.ParseCaptureObjects(cv)
	if err != nil {
		return nil, fmt.Errorf("event log %s capture objects: %w", ln, err)
	}
	var sel *dlms.SelectiveAccess
	if !from.IsZero() || !to.IsZero() {
		if to.IsZero() {
			to = s.cfg.Now()
		}
		if sel, err = dlms.RangeAccess(cosem.RangeDescriptor{Restricting: cosem.ClockRestriction,
			From: axdr.FromTime(from.UTC()), To: axdr.FromTime(to.UTC())}); err != nil {
			return nil, err
		}
	}
	buf, err := s.client.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassProfileGeneric, Instance: ln, Attribute: 2}, sel)
	if err != nil {
		return nil, fmt.Errorf("read event log %s: %w", ln, err)
	}
	evs, err := DecodeEventLog(buf, cols, s.cfg.DeviationSign, s.cfg.Now())
	if err != nil {
		return nil, fmt.Errorf("decode event log %s: %w", ln, err)
	}
	l := &EventLog{OBIS: ln, Name: objectName(ln), Entries: evs}
	for _, e := range evs {
		if e.Corrupt {
			l.Corrupted++
		}
	}
	return l, nil
}

// earliestPlausible is the earliest event time taken as real: no SMETS
// meter logged before it.
var earliestPlausible = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// DecodeEventLog decodes an event log buffer (class 7 attribute 2, an
// array of structures) with its capture objects: the clock column gives
// the time, the first other column the event code. Entries whose date is
// impossible, far in the future (after now plus a day) or whose code is
// 0xFFFF are kept and marked Corrupt; only a buffer that is not an array
// of structures is an error. Nothing in buf can make it panic.
func DecodeEventLog(buf []byte, cols []cosem.CaptureObject, sign axdr.DeviationSign, now time.Time) ([]Event, error) {
	v, n, err := axdr.Decode(buf)
	if err != nil {
		return nil, err
	}
	if n != len(buf) {
		return nil, fmt.Errorf("%d bytes after the buffer", len(buf)-n)
	}
	if v.Type() != axdr.TypeArray && v.Type() != axdr.TypeCompactArray {
		return nil, fmt.Errorf("buffer is %v, want array: %w", v.Type(), cosem.ErrShape)
	}
	timeCol, codeCol := 0, 1
	if len(cols) > 0 {
		timeCol, codeCol = -1, -1
		for i, c := range cols {
			switch {
			case timeCol < 0 && c.IsClockTime():
				timeCol = i
			case codeCol < 0 && !c.IsClockTime():
				codeCol = i
			}
		}
	}
	entries := v.Elems()
	if len(entries) > maxEventEntries {
		entries = entries[:maxEventEntries]
	}
	out := make([]Event, 0, len(entries))
	for i, e := range entries {
		ev := Event{}
		if e.Type() != axdr.TypeStructure {
			ev.Corrupt, ev.Problem = true, fmt.Sprintf("entry %d is %v, not a structure", i+1, e.Type())
			out = append(out, ev)
			continue
		}
		cells := e.Elems()
		if timeCol >= 0 && timeCol < len(cells) {
			ev.Time, ev.RawTime, ev.Problem = eventTime(cells[timeCol], sign, now)
		} else {
			ev.Problem = "no time column"
		}
		if codeCol >= 0 && codeCol < len(cells) {
			c := cells[codeCol]
			if _, ok := c.Number(); ok && c.Uint() <= 0xFFFF && c.Int() >= 0 {
				ev.Code = uint16(c.Uint())
			} else {
				ev.Problem = joinProblem(ev.Problem, "event code "+c.String()+" is not a 16-bit code")
				ev.Code = 0xFFFF
			}
		} else {
			ev.Problem = joinProblem(ev.Problem, "no event code column")
		}
		ev.Name = EventName(ev.Code)
		if ev.Code == 0xFFFF {
			ev.Problem = joinProblem(ev.Problem, "code 0xFFFF is never written by a meter")
		}
		ev.Corrupt = ev.Problem != ""
		out = append(out, ev)
	}
	return out, nil
}

func eventTime(c axdr.Value, sign axdr.DeviationSign, now time.Time) (time.Time, string, string) {
	var dt axdr.DateTime
	var err error
	switch c.Type() {
	case axdr.TypeOctetString:
		dt, err = axdr.ParseDateTime(c.Bytes())
	case axdr.TypeDateTime:
		dt, err = c.DateTime()
	default:
		return time.Time{}, c.String(), "time is " + c.Type().String()
	}
	if err != nil {
		return time.Time{}, fmt.Sprintf("%X", c.Bytes()), "time: " + err.Error()
	}
	raw := dt.String()
	t, err := dt.Time(nil, sign)
	if err != nil {
		return time.Time{}, raw, "impossible date " + raw
	}
	if t.Before(earliestPlausible) || (!now.IsZero() && t.After(now.Add(24*time.Hour))) {
		return t.UTC(), raw, "implausible date " + raw
	}
	return t.UTC(), raw, ""
}

func joinProblem(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

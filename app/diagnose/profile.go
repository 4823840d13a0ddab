package diagnose

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// maxProfileReserve caps the rows Profile reserves up front from what the
// device says it holds (a year of half-hours is 17,520): a bogus capture
// period or entry count must not allocate much before any row arrives.
const maxProfileReserve = 1 << 15

// isEventLog reports whether a profile generic is an event log
// (0-x:99.98.y*255, IEC 62056-6-1 §7.4.5).
func isEventLog(o cosem.OBIS) bool { return o.A() == 0 && o.C() == 99 && o.D() == 98 }

// LoadProfiles returns the profile generics (class 7) that are not event
// logs: load profiles, billing profiles.
func (s *Session) LoadProfiles() []cosem.OBIS {
	var out []cosem.OBIS
	for _, o := range s.offered(cosem.ClassProfileGeneric) {
		if !isEventLog(o.LogicalName) {
			out = append(out, o.LogicalName)
		}
	}
	return out
}

// profileHeader reads capture_objects, capture_period and entries_in_use,
// and the scaler_unit of every register column (IEC 62056-6-2 §4.3.6).
func (s *Session) profileHeader(ctx context.Context, ln cosem.OBIS) (*cosem.ProfileGeneric, error) {
	g := &cosem.ProfileGeneric{}
	for _, a := range []int8{3, 4, 7} {
		v, err := s.get(ctx, cosem.ClassProfileGeneric, ln, a)
		if err != nil {
			if a == 3 {
				return nil, err
			}
			continue // capture_period and entries_in_use are optional for reading rows
		}
		if err := g.SetAttribute(a, v); err != nil && a == 3 {
			return nil, fmt.Errorf("profile %s capture objects: %w", ln, err)
		}
	}
	for _, d := range g.ScalerObjects() {
		v, err := s.get(ctx, d.Class, d.Instance, d.Attribute)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			continue // the column stays unscaled
		}
		if su, err := cosem.ParseScalerUnit(v); err == nil {
			g.SetScalerUnit(d.Instance, su)
		}
	}
	return g, nil
}

// Profile reads the entries of profile ln whose clock lies in [from, to],
// one Config.ProfileChunk at a time with a range descriptor (selector 1),
// reporting progress after each chunk. Cancelling ctx stops it between
// and inside requests; the rows read so far come back with the error.
func (s *Session) Profile(ctx context.Context, ln cosem.OBIS, from, to time.Time) (*ProfileReading, error) {
	if !s.has(cosem.ClassProfileGeneric, ln) {
		return nil, fmt.Errorf("profile %s: %w", ln, ErrNotOffered)
	}
	g, err := s.profileHeader(ctx, ln)
	if err != nil {
		return nil, err
	}
	pr := &ProfileReading{OBIS: ln, Name: objectName(ln), From: from.UTC(), To: to.UTC(), CapturePeriod: g.CapturePeriod}
	for _, c := range g.Columns {
		pr.Columns = append(pr.Columns, c.Name())
		unit := ""
		if c.Scaled {
			unit = c.ScalerUnit.Unit.Symbol()
		}
		pr.Units = append(pr.Units, unit)
	}
	expected := 0
	if g.CapturePeriod > 0 && to.After(from) {
		expected = int(to.Sub(from)/(time.Duration(g.CapturePeriod)*time.Second)) + 1
		if g.EntriesInUse > 0 && expected > int(g.EntriesInUse) {
			expected = int(g.EntriesInUse)
		}
	}
	pr.Rows = make([]ProfileRow, 0, min(expected, maxProfileReserve))
	start := s.cfg.Now()
	for lo := from; !lo.After(to); lo = lo.Add(s.cfg.ProfileChunk) {
		if err := ctx.Err(); err != nil {
			return pr, fmt.Errorf("read profile %s: %w", ln, err)
		}
		hi := lo.Add(s.cfg.ProfileChunk - time.Second)
		if hi.After(to) {
			hi = to
		}
		sel, err := dlms.RangeAccess(cosem.RangeDescriptor{Restricting: cosem.ClockRestriction,
			From: axdr.FromTime(lo.UTC()), To: axdr.FromTime(hi.UTC())})
		if err != nil {
			return pr, fmt.Errorf("read profile %s: %w", ln, err)
		}
		buf, err := s.client.Get(ctx, dlms.AttributeDescriptor{Class: cosem.ClassProfileGeneric, Instance: ln, Attribute: 2}, sel)
		if err != nil {
			return pr, fmt.Errorf("read profile %s from %s: %w", ln, lo.UTC().Format(time.RFC3339), err)
		}
		rows, err := dlms.ProfileRows(g, buf)
		if err != nil {
			return pr, fmt.Errorf("decode profile %s from %s: %w", ln, lo.UTC().Format(time.RFC3339), err)
		}
		pr.Rows = appendProfileRows(pr.Rows, g, rows)
		s.progress(SectionProfile, ln, len(pr.Rows), max(expected, len(pr.Rows)), start)
	}
	return pr, nil
}

// appendProfileRows appends the rows of one response to dst. The rows'
// cells, values and numeric flags share three backing arrays per response
// (each row's slices capped at its own length), three allocations instead
// of three a row.
func appendProfileRows(dst []ProfileRow, g *cosem.ProfileGeneric, rows []dlms.ProfileRow) []ProfileRow {
	n := 0
	for _, r := range rows {
		n += len(r.Cells)
	}
	cells, values, numeric := make([]string, n), make([]float64, n), make([]bool, n)
	dst = slices.Grow(dst, len(rows))
	for _, r := range rows {
		k := len(r.Cells)
		out := ProfileRow{Time: r.Time.UTC(), Cells: cells[:k:k], Values: values[:k:k], Numeric: numeric[:k:k]}
		cells, values, numeric = cells[k:], values[k:], numeric[k:]
		fillProfileRow(&out, g, r)
		dst = append(dst, out)
	}
	return dst
}

// fillProfileRow fills out's cells, values and numeric flags (as long as
// r's cells) from r.
func fillProfileRow(out *ProfileRow, g *cosem.ProfileGeneric, r dlms.ProfileRow) {
	for j, cell := range r.Cells {
		out.Cells[j] = g.Cell(r.Cells, j)
		if j < len(g.Columns) && g.Columns[j].Object.IsClockTime() {
			continue
		}
		if f, ok := cell.Number(); ok {
			if j < len(g.Columns) && g.Columns[j].Scaled {
				if x, err := g.Columns[j].ScalerUnit.Apply(cell); err == nil {
					f = x
				}
			}
			out.Values[j], out.Numeric[j] = f, true
		}
	}
}

// progress reports a long read; ETA extrapolates the time per row so far.
func (s *Session) progress(sec Section, ln cosem.OBIS, rows, expected int, start time.Time) {
	if s.cfg.Progress == nil {
		return
	}
	el := s.cfg.Now().Sub(start)
	var eta time.Duration
	if rows > 0 && expected > rows {
		eta = time.Duration(float64(el) / float64(rows) * float64(expected-rows))
	}
	s.cfg.Progress(Progress{Section: sec, Object: ln, Rows: rows, Expected: expected,
		Bytes: s.trace.byteCount(), Elapsed: el, ETA: eta})
}

package dlms

import (
	"context"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
)

// Profile generic attributes (IEC 62056-6-2 class 7; PROTOCOLS.md §7.1).
const (
	profileBuffer         = 2
	profileCaptureObjects = 3
	profileCapturePeriod  = 4
)

// Profile is a read of a profile generic buffer: the typed view (columns,
// capture period) and one row per entry.
type Profile struct {
	Generic cosem.ProfileGeneric
	Rows    []ProfileRow
}

// ProfileRow is one buffer entry. Time is the entry's clock column read
// with the standard deviation sign (zero when the profile has no clock
// column); a null clock cell (a compressed profile) is the previous row's
// time plus the capture period.
type ProfileRow struct {
	Time  time.Time
	Cells cosem.Row
}

// ReadProfile reads the entries of the profile generic obis whose clock lies
// between from and to, inclusive, with a range descriptor on the clock
// (selector 1).
func (c *Client) ReadProfile(ctx context.Context, obis cosem.OBIS, from, to time.Time) (*Profile, error) {
	sel, err := RangeAccess(cosem.RangeDescriptor{Restricting: cosem.ClockRestriction,
		From: axdr.FromTime(from), To: axdr.FromTime(to)})
	if err != nil {
		return nil, err
	}
	return c.readProfile(ctx, obis, sel)
}

// ReadProfileEntries reads entries first..last (counting from 1; last 0 =
// to the newest) with an entry descriptor (selector 2).
func (c *Client) ReadProfileEntries(ctx context.Context, obis cosem.OBIS, first, last uint32) (*Profile, error) {
	return c.readProfile(ctx, obis, EntryAccess(cosem.EntryDescriptor{FromEntry: first, ToEntry: last}))
}

func (c *Client) readProfile(ctx context.Context, obis cosem.OBIS, sel *SelectiveAccess) (*Profile, error) {
	p := &Profile{}
	attr := func(i int8) AttributeDescriptor {
		return AttributeDescriptor{Class: cosem.ClassProfileGeneric, Instance: obis, Attribute: i}
	}
	for _, i := range []int8{profileCaptureObjects, profileCapturePeriod} {
		d, err := c.Get(ctx, attr(i), nil)
		if err != nil {
			if i == profileCapturePeriod {
				continue // optional for the rows; some meters deny it
			}
			return nil, fmt.Errorf("read profile %s: %w", obis, err)
		}
		v, _, err := axdr.Decode(d)
		if err == nil {
			err = p.Generic.SetAttribute(i, v)
		}
		if err != nil {
			return nil, fmt.Errorf("read profile %s: %w", obis, err)
		}
	}
	buf, err := c.Get(ctx, attr(profileBuffer), sel)
	if err != nil {
		return nil, fmt.Errorf("read profile %s: %w", obis, err)
	}
	if p.Rows, err = ProfileRows(&p.Generic, buf); err != nil {
		return nil, fmt.Errorf("read profile %s: %w", obis, err)
	}
	return p, nil
}

// ProfileRows decodes a profile buffer with the view's columns and gives
// each row its time from the clock column, if there is one.
func ProfileRows(g *cosem.ProfileGeneric, buf Data) ([]ProfileRow, error) {
	rows, _, err := g.Rows(buf)
	if err != nil {
		return nil, err
	}
	clockCol := -1
	for i, c := range g.Columns {
		if c.Object.IsClockTime() {
			clockCol = i
			break
		}
	}
	period := time.Duration(g.CapturePeriod) * time.Second
	out := make([]ProfileRow, len(rows))
	var prev time.Time
	for i, r := range rows {
		out[i].Cells = r
		if clockCol < 0 || clockCol >= len(r) {
			continue
		}
		cell := r[clockCol]
		switch {
		case cell.IsNull() && !prev.IsZero() && period > 0:
			out[i].Time = prev.Add(period)
		default:
			dt, err := cell.DateTime()
			if err != nil {
				return nil, fmt.Errorf("profile entry %d: clock column: %w", i, err)
			}
			if t, err := dt.Time(nil, axdr.DeviationNormal); err == nil {
				out[i].Time = t
			}
		}
		prev = out[i].Time
	}
	return out, nil
}

// ReadObjectList reads attribute 2 of the current Association LN
// (0.0.40.0.0.255), usually in several blocks.
func (c *Client) ReadObjectList(ctx context.Context) ([]cosem.ObjectListElement, error) {
	d, err := c.Get(ctx, ObjectListAttr, nil)
	if err != nil {
		return nil, fmt.Errorf("read object list: %w", err)
	}
	l, _, err := cosem.ReadObjectList(d)
	if err != nil {
		return nil, fmt.Errorf("read object list: %w", err)
	}
	return l, nil
}

package dlms

import (
	"context"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// Profile generic attributes (IEC 62056-6-2 class 7; PROTOCOLS.md §7.1).
const (
	profileBuffer         = 2
	profileCaptureObjects = 3
	profileCapturePeriod  = 4
)

// Profile is a read of a profile generic buffer: the capture objects (the
// columns) and one row per entry.
type Profile struct {
	Columns       []CaptureObject
	CapturePeriod time.Duration // 0 when not read or asynchronous
	Rows          []ProfileRow
}

// ProfileRow is one buffer entry. Time is the entry's clock column
// interpreted with the standard deviation sign (zero when the profile has
// no clock column); a null clock value (compressed profile) is filled in
// from the previous row plus the capture period.
type ProfileRow struct {
	Time   time.Time
	Values []axdr.Value
}

// ReadProfile reads the entries of the profile generic obis whose clock lies
// between from and to, with a range descriptor on the clock
// (selector 1).
func (c *Client) ReadProfile(ctx context.Context, obis [6]byte, from, to time.Time) (*Profile, error) {
	rd := RangeDescriptor{Restricting: ClockTime,
		From: DateTimeData(axdr.FromTime(from).Bytes()), To: DateTimeData(axdr.FromTime(to).Bytes())}
	return c.readProfile(ctx, obis, rd.Selective())
}

// ReadProfileEntries reads entries first..last (counting from 1; last 0 =
// to the newest) with an entry descriptor (selector 2).
func (c *Client) ReadProfileEntries(ctx context.Context, obis [6]byte, first, last uint32) (*Profile, error) {
	return c.readProfile(ctx, obis, EntryDescriptor{FromEntry: first, ToEntry: last}.Selective())
}

func (c *Client) readProfile(ctx context.Context, obis [6]byte, sel *SelectiveAccess) (*Profile, error) {
	p := &Profile{}
	cols, err := c.Get(ctx, AttributeDescriptor{ClassID: 7, Instance: obis, Attribute: profileCaptureObjects}, nil)
	if err != nil {
		return nil, fmt.Errorf("read profile %s: %w", obisString(obis), err)
	}
	if p.Columns, err = ParseCaptureObjects(cols); err != nil {
		return nil, fmt.Errorf("read profile %s: %w", obisString(obis), err)
	}
	if d, err := c.Get(ctx, AttributeDescriptor{ClassID: 7, Instance: obis, Attribute: profileCapturePeriod}, nil); err == nil {
		if v, _, err := axdr.Decode(d); err == nil {
			p.CapturePeriod = time.Duration(v.Uint()) * time.Second
		}
	}
	buf, err := c.Get(ctx, AttributeDescriptor{ClassID: 7, Instance: obis, Attribute: profileBuffer}, sel)
	if err != nil {
		return nil, fmt.Errorf("read profile %s: %w", obisString(obis), err)
	}
	if p.Rows, err = ParseProfileBuffer(buf, p.Columns, p.CapturePeriod); err != nil {
		return nil, fmt.Errorf("read profile %s: %w", obisString(obis), err)
	}
	return p, nil
}

// ParseCaptureObjects decodes attribute 3 of a profile generic.
func ParseCaptureObjects(d Data) ([]CaptureObject, error) {
	r := &reader{b: d}
	r.expect(0x01)
	n := r.count(18)
	out := make([]CaptureObject, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.captureObject())
	}
	return out, named(r.err, "capture_objects")
}

// ParseProfileBuffer decodes a profile buffer (array of structures) into
// rows, reading the clock column, if any, as the row time.
func ParseProfileBuffer(d Data, cols []CaptureObject, period time.Duration) ([]ProfileRow, error) {
	v, n, err := axdr.Decode(d)
	if err != nil {
		return nil, fmt.Errorf("decode buffer: %w", err)
	}
	if n != len(d) || v.Type() != axdr.TypeArray {
		return nil, fmt.Errorf("%w: buffer is not one array", ErrMalformed)
	}
	clockCol := -1
	for i, c := range cols {
		if c.ClassID == ClockTime.ClassID && c.Instance == ClockTime.Instance && c.Attribute == 2 {
			clockCol = i
			break
		}
	}
	rows := make([]ProfileRow, 0, v.Len())
	var prev time.Time
	for i, e := range v.Elems() {
		row := ProfileRow{Values: e.Elems()}
		if clockCol >= 0 && clockCol < len(row.Values) {
			cv := row.Values[clockCol]
			if cv.IsNull() && !prev.IsZero() && period > 0 {
				row.Time = prev.Add(period)
			} else if dt, err := cv.DateTime(); err == nil {
				if t, err := dt.Time(nil, axdr.DeviationNormal); err == nil {
					row.Time = t
				}
			} else {
				return nil, fmt.Errorf("row %d: clock column: %w", i, err)
			}
			prev = row.Time
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// ObjectListEntry is one element of the Association LN object_list:
// class-id, version and logical name (access rights are not kept).
type ObjectListEntry struct {
	ClassID  uint16
	Version  uint8
	Instance [6]byte
}

// ReadObjectList reads attribute 2 of the current Association LN
// (0.0.40.0.0.255), usually in several blocks.
func (c *Client) ReadObjectList(ctx context.Context) ([]ObjectListEntry, error) {
	d, err := c.Get(ctx, ObjectListAttr, nil)
	if err != nil {
		return nil, fmt.Errorf("read object list: %w", err)
	}
	v, _, err := axdr.Decode(d)
	if err != nil {
		return nil, fmt.Errorf("read object list: %w", err)
	}
	var out []ObjectListEntry
	for i, e := range v.Elems() {
		if e.Len() < 3 || len(e.Index(2).Bytes()) != 6 {
			return nil, fmt.Errorf("read object list: %w: element %d", ErrMalformed, i)
		}
		o := ObjectListEntry{ClassID: uint16(e.Index(0).Uint()), Version: uint8(e.Index(1).Uint())}
		copy(o.Instance[:], e.Index(2).Bytes())
		out = append(out, o)
	}
	return out, nil
}

package dlms

import (
	"context"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
)

var (
	ldnObis     = [6]byte{0, 0, 42, 0, 0, 255}
	profileObis = [6]byte{1, 0, 99, 1, 0, 255}
	energyObis  = [6]byte{1, 0, 1, 8, 0, 255}
	echoObis    = [6]byte{0, 0, 96, 99, 0, 255}
	bigObis     = [6]byte{0, 0, 96, 99, 1, 255}
)

// testMeter is a small object model: clock, logical device name, a
// half-hourly load profile, an echo method and a large settable blob.
type testMeter struct {
	t       testing.TB
	clock   Data
	big     Data
	start   time.Time
	entries int
}

func newTestMeter(t testing.TB, months int) *testMeter {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, months, 0)
	return &testMeter{t: t, clock: DateTimeData(axdr.FromTime(start).Bytes()), start: start,
		entries: int(end.Sub(start) / (30 * time.Minute))}
}

func enc(t testing.TB, v axdr.Value) Data {
	b, err := axdr.Append(nil, v)
	if err != nil {
		t.Fatalf("axdr.Append: %v", err)
	}
	return b
}

func (m *testMeter) row(i int) axdr.Value {
	ts := m.start.Add(time.Duration(i) * 30 * time.Minute)
	return axdr.Structure(axdr.OctetString(func() []byte { b := axdr.FromTime(ts).Bytes(); return b[:] }()), axdr.Uint32(uint32(1000+i)))
}

func (m *testMeter) GetAttribute(ctx context.Context, a AttributeDescriptor, sel *SelectiveAccess) (Data, DataAccessResult) {
	switch {
	case a == ClockTimeAttr:
		return m.clock, Success
	case a.Instance == ldnObis && a.Attribute == 2:
		return enc(m.t, axdr.OctetString([]byte("SMK0000000000001"))), Success
	case a.Instance == bigObis && a.Attribute == 2:
		return m.big, Success
	case a == ObjectListAttr:
		var objs []axdr.Value
		for _, o := range []struct {
			class uint16
			obis  [6]byte
		}{{8, clockObis}, {1, ldnObis}, {7, profileObis}, {3, energyObis}, {15, AssociationLN}, {1, echoObis}} {
			objs = append(objs, axdr.Structure(axdr.Uint16(o.class), axdr.Uint8(0), axdr.OctetString(o.obis[:]),
				axdr.Structure(axdr.Array(), axdr.Array())))
		}
		return enc(m.t, axdr.Array(objs...)), Success
	case a.Class == 7 && a.Instance == profileObis:
		switch a.Attribute {
		case 3:
			return enc(m.t, axdr.Array(
				axdr.Structure(axdr.Uint16(8), axdr.OctetString(clockObis[:]), axdr.Int8(2), axdr.Uint16(0)),
				axdr.Structure(axdr.Uint16(3), axdr.OctetString(energyObis[:]), axdr.Int8(2), axdr.Uint16(0)))), Success
		case 4:
			return enc(m.t, axdr.Uint32(1800)), Success
		case 2:
			return m.buffer(sel)
		}
	}
	return nil, ObjectUndefined
}

func (m *testMeter) buffer(sel *SelectiveAccess) (Data, DataAccessResult) {
	first, last := 0, m.entries-1
	switch {
	case sel == nil:
	case sel.Selector == cosem.SelectorEntry:
		ed, err := ParseEntryAccess(sel)
		if err != nil {
			return nil, TypeUnmatched
		}
		first = int(ed.FromEntry) - 1
		if ed.ToEntry != 0 {
			last = min(int(ed.ToEntry)-1, last)
		}
	case sel.Selector == cosem.SelectorRange:
		rd, err := ParseRangeAccess(sel)
		if err != nil {
			return nil, TypeUnmatched
		}
		from, err1 := rd.From.Time(nil, axdr.DeviationNormal)
		to, err2 := rd.To.Time(nil, axdr.DeviationNormal)
		if err1 != nil || err2 != nil {
			return nil, TypeUnmatched
		}
		first = max(0, int((from.Sub(m.start)+30*time.Minute-1)/(30*time.Minute)))
		last = min(last, int(to.Sub(m.start)/(30*time.Minute)))
	default:
		return nil, ScopeOfAccessViolated
	}
	out := []byte{0x01}
	n := max(0, last-first+1)
	out = axdr.AppendLength(out, n)
	for i := first; i <= last; i++ {
		var err error
		if out, err = axdr.Append(out, m.row(i)); err != nil {
			return nil, HardwareFault
		}
	}
	return out, Success
}

func (m *testMeter) SetAttribute(ctx context.Context, a AttributeDescriptor, sel *SelectiveAccess, v Data) DataAccessResult {
	switch {
	case a == ClockTimeAttr:
		if len(v) != 14 || v[0] != 0x09 {
			return TypeUnmatched
		}
		m.clock = append(Data(nil), v...)
		return Success
	case a.Instance == bigObis && a.Attribute == 2:
		m.big = append(Data(nil), v...)
		return Success
	}
	return ReadWriteDenied
}

// Invoke implements the echo method: it returns its parameter, twice, in a
// structure.
func (m *testMeter) Invoke(ctx context.Context, md MethodDescriptor, p Data) (Data, ActionResult) {
	if md.Instance == echoObis && md.Method == 1 {
		return append(append(Data{0x02, 0x02}, p...), p...), 0
	}
	return nil, ActionResult(ObjectUndefined)
}

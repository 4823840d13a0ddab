package sim

import (
	"encoding/binary"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// Profile capacities: 13 months of half hours and of days.
const (
	loadProfileEntries = 396 * 48
	billingEntries     = 396
	// maxProfileRows caps one buffer read so a hostile selector cannot
	// make the simulator build more than the profile holds.
	maxProfileRows = loadProfileEntries
)

// series is a profile whose entries are computed, not stored: entry j
// (1 … n, oldest first) is captured at first + (j-1)·period.
type series struct {
	period   time.Duration
	capacity int
	// last returns the capture time of the newest entry at now.
	last func(now time.Time) time.Time
	// row appends the encoded row captured at t.
	row func(dst []byte, t time.Time, acc *rowAcc) []byte
	// columns is the capture_objects value.
	columns axdr.Value
	// earliest is the first capture time there can be.
	earliest time.Time
}

// rowAcc carries running totals between consecutive rows, so a range of
// thousands of rows costs one pass.
type rowAcc struct {
	n            int64 // slots accumulated
	imp, r1, exp float64
	started      bool
}

// bounds returns the capture times of the oldest and newest entries and
// their count.
func (s *series) bounds(now time.Time) (first, last time.Time, n int) {
	last = s.last(now)
	if last.Before(s.earliest) {
		return time.Time{}, time.Time{}, 0
	}
	n = int(last.Sub(s.earliest)/s.period) + 1
	if n > s.capacity {
		n = s.capacity
	}
	first = last.Add(-time.Duration(n-1) * s.period)
	return first, last, n
}

// buffer encodes the entries the selective access asks for (IEC 62056-6-2
// §4.3.6: selector 1 range on the clock, selector 2 entries).
func (s *series) buffer(now time.Time, sel *dlms.SelectiveAccess) (dlms.Data, dlms.DataAccessResult) {
	first, _, n := s.bounds(now)
	from, to := 1, n
	if sel != nil {
		v, k, err := axdr.Decode(sel.Parameters)
		if err != nil || k != len(sel.Parameters) {
			return nil, dlms.TypeUnmatched
		}
		switch sel.Selector {
		case cosem.SelectorRange:
			d, err := cosem.ParseRangeDescriptor(v)
			if err != nil {
				return nil, dlms.TypeUnmatched
			}
			a, err1 := d.From.Time(nil, axdr.DeviationNormal)
			b, err2 := d.To.Time(nil, axdr.DeviationNormal)
			if err1 != nil || err2 != nil {
				return nil, dlms.TypeUnmatched
			}
			from, to = n+1, 0
			if n > 0 {
				from = max(1, ceilDiv(a.Sub(first), s.period)+1)
				to = min(n, floorDiv(b.Sub(first), s.period)+1)
			}
		case cosem.SelectorEntry:
			d, err := cosem.ParseEntryDescriptor(v)
			if err != nil {
				return nil, dlms.TypeUnmatched
			}
			from = max(1, int(d.FromEntry))
			if d.ToEntry != 0 {
				to = min(n, int(d.ToEntry))
			}
		default:
			return nil, dlms.ObjectUnavailable
		}
	}
	count := max(0, to-from+1)
	count = min(count, maxProfileRows)
	out := axdr.AppendLength([]byte{byte(axdr.TypeArray)}, count)
	var acc rowAcc
	for j := 0; j < count; j++ {
		t := first.Add(time.Duration(from-1+j) * s.period)
		out = s.row(out, t, &acc)
	}
	return out, dlms.Success
}

func floorDiv(d, p time.Duration) int {
	q := d / p
	if d < 0 && d%p != 0 {
		q--
	}
	return int(q)
}

func ceilDiv(d, p time.Duration) int {
	q := d / p
	if d > 0 && d%p != 0 {
		q++
	}
	return int(q)
}

// advance brings the running totals to slot n (whole slots since the
// epoch), computing from scratch the first time.
func (m *ESME) advance(acc *rowAcc, n int64) {
	e := &m.energy
	if !acc.started || n < acc.n {
		acc.imp, acc.r1, acc.exp = e.cumulative(n)
		acc.n, acc.started = n, true
		return
	}
	for ; acc.n < n; acc.n++ {
		v := e.SlotImport(acc.n)
		acc.imp += v
		if night(acc.n) {
			acc.r1 += v
		}
		acc.exp += e.SlotExport(acc.n)
	}
}

// outage reports whether slot i saw a power failure (about ten in 13
// months), shown in the profile status and the power-quality log.
func (m *ESME) outage(i int64) bool { return mix(m.energy.Seed^uint64(i)*0x5851f42d4c957f2d)%1800 == 0 }

func appendDateTime(dst []byte, d axdr.DateTime) []byte {
	dst = append(dst, byte(axdr.TypeOctetString), 12)
	return d.AppendBody(dst)
}

func appendU32(dst []byte, v uint32) []byte {
	dst = append(dst, byte(axdr.TypeDoubleLongUnsigned))
	return binary.BigEndian.AppendUint32(dst, v)
}

// addProfiles adds the half-hourly load profile and the daily billing
// profile (class 7).
func (m *ESME) addProfiles() {
	reversed := m.cfg.Quirks.Has(QuirkInvertedDeviation)
	epoch := m.energy.Epoch
	load := &series{
		period: slot, capacity: loadProfileEntries, earliest: epoch.Add(slot),
		last: func(now time.Time) time.Time { return epoch.Add(time.Duration(m.energy.slotIndex(now)) * slot) },
		columns: axdr.Array(capture(cosem.ClassClock, obisClock, 2), capture(cosem.ClassData, obisStatus, 2),
			capture(cosem.ClassRegister, obisImport, 2), capture(cosem.ClassRegister, obisExport, 2)),
	}
	load.row = func(dst []byte, t time.Time, acc *rowAcc) []byte {
		n := m.energy.slotIndex(t)
		m.advance(acc, n)
		var status uint8
		if ukDST(t) {
			status |= 0x08
		}
		if n > 0 && m.outage(n-1) {
			status |= 0x20 // power down during the period
		}
		dst = append(dst, byte(axdr.TypeStructure), 4)
		dst = appendDateTime(dst, dateTime(t, reversed))
		dst = append(dst, byte(axdr.TypeUnsigned), status)
		dst = appendU32(dst, uint32(acc.imp))
		return appendU32(dst, uint32(acc.exp))
	}
	m.addProfile(obisLoadProfile, load, 1800)

	day := 24 * time.Hour
	billing := &series{
		period: day, capacity: billingEntries, earliest: epoch.Truncate(day).Add(day),
		last: func(now time.Time) time.Time { return now.Truncate(day) },
		columns: axdr.Array(capture(cosem.ClassClock, obisClock, 2), capture(cosem.ClassData, obisStatus, 2),
			capture(cosem.ClassRegister, obisImport, 2), capture(cosem.ClassRegister, obisImportRate1, 2),
			capture(cosem.ClassRegister, obisImportRate2, 2), capture(cosem.ClassRegister, obisExport, 2)),
	}
	billing.row = func(dst []byte, t time.Time, acc *rowAcc) []byte {
		m.advance(acc, m.energy.slotIndex(t))
		x := totals(acc.imp, acc.r1, acc.exp)
		var status uint8
		if ukDST(t) {
			status |= 0x08
		}
		dst = append(dst, byte(axdr.TypeStructure), 6)
		dst = appendDateTime(dst, dateTime(t, reversed))
		dst = append(dst, byte(axdr.TypeUnsigned), status)
		dst = appendU32(dst, x.Import)
		dst = appendU32(dst, x.Rate1)
		dst = appendU32(dst, x.Rate2)
		return appendU32(dst, x.Export)
	}
	m.addProfile(obisBilling, billing, 86400)
}

// addProfile registers a profile generic object over a series.
func (m *ESME) addProfile(ln cosem.OBIS, s *series, period uint32) {
	o := m.objects.add(&object{class: cosem.ClassProfileGeneric, version: 1, ln: ln})
	o.attrs[2] = &attribute{raw: func(sel *dlms.SelectiveAccess) (dlms.Data, dlms.DataAccessResult) {
		return s.buffer(m.now(), sel)
	}, read: LevelReader, selectors: []int8{1, 2}}
	o.attrs[3] = &attribute{get: value(s.columns)}
	o.attrs[4] = &attribute{get: value(axdr.Uint32(period))}
	o.attrs[5] = &attribute{get: value(axdr.Enum(1))} // fifo
	o.attrs[6] = &attribute{get: value(capture(cosem.ClassClock, obisClock, 2))}
	o.attrs[7] = &attribute{get: dynamic(func() axdr.Value {
		_, _, n := s.bounds(m.now())
		return axdr.Uint32(uint32(n))
	})}
	o.attrs[8] = &attribute{get: value(axdr.Uint32(uint32(s.capacity)))}
	o.methods[1] = func(axdr.Value) (axdr.Value, dlms.ActionResult) { // reset: refused, as GB meters do
		return axdr.Null(), dlms.ActionResult(dlms.ReadWriteDenied)
	}
}

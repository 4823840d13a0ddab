package sim

import (
	"encoding/binary"
	"sort"
	"sync"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// logKind names one of the meter's event logs.
type logKind uint8

const (
	logStandard logKind = iota
	logFraud
	logPowerQuality
	logComms
)

// eventLogEntries is the capacity of each event log (oldest dropped).
const eventLogEntries = 100

// Event codes the simulated meter records (IEC 62056-6-1 / DLMS UA Blue
// Book standard event codes where one exists; 0x81A5 is the Aclara
// "communication from local port" code of DOMAIN.md §18).
const (
	EventPowerDown        uint16 = 1
	EventPowerUp          uint16 = 2
	EventDSTChange        uint16 = 3
	EventClockAdjusted    uint16 = 4
	EventCoverOpened      uint16 = 40
	EventCoverClosed      uint16 = 41
	EventMagneticField    uint16 = 44
	EventUnderVoltage     uint16 = 76
	EventOverVoltage      uint16 = 79
	EventSupplyDisconnect uint16 = 0x00CB
	EventSupplyConnect    uint16 = 0x00CC
	EventLocalPortComms   uint16 = 0x81A5
	EventHANJoined        uint16 = 0x8154
	EventHANJoinFailed    uint16 = 0x8155
	eventCorrupted        uint16 = 0xFFFF
)

// event is one event log entry.
type event struct {
	at   time.Time
	kind logKind
	code uint16
	text string
	// device and detail are the hub's extra columns (Hub.Events).
	device EUI64
	detail int
}

// addEvent records an event that happened now. The caller holds m.mu.
func (m *ESME) addEvent(k logKind, code uint16, text string) {
	m.events = append(m.events, event{at: m.now(), kind: k, code: code, text: text})
	m.logf("event %d %s", code, text)
}

// history returns the events of log k up to now: the generated past of the
// meter (DST changes, outages, a cover opening at installation) and what
// happened in this run, oldest first, at most eventLogEntries.
func (m *ESME) history(k logKind, now time.Time) []event {
	var out []event
	epoch := m.energy.Epoch
	switch k {
	case logStandard:
		for y := epoch.Year(); y <= now.Year(); y++ {
			for _, mon := range []time.Month{time.March, time.October} {
				if t := lastSunday(y, mon); t.After(epoch) && !t.After(now) {
					out = append(out, event{at: t, kind: k, code: EventDSTChange})
				}
			}
		}
		for _, i := range m.outagesBefore(m.energy.slotIndex(now)) {
			t := epoch.Add(time.Duration(i)*slot + 7*time.Minute)
			out = append(out, event{at: t, code: EventPowerDown}, event{at: t.Add(11 * time.Minute), code: EventPowerUp})
		}
	case logPowerQuality:
		for _, i := range m.outagesBefore(m.energy.slotIndex(now)) {
			out = append(out, event{at: epoch.Add(time.Duration(i)*slot + 6*time.Minute), code: EventUnderVoltage})
		}
		for _, i := range m.swellsBefore(m.energy.slotIndex(now)) {
			out = append(out, event{at: epoch.Add(time.Duration(i)*slot + 19*time.Minute), code: EventOverVoltage})
		}
	case logFraud:
		if t := epoch.Add(-20 * time.Minute); !t.After(now) {
			out = append(out, event{at: t, code: EventCoverOpened}, event{at: epoch.Add(-2 * time.Minute), code: EventCoverClosed})
		}
		if t := epoch.Add(time.Duration(mix(m.energy.Seed)%200)*24*time.Hour + 3*time.Hour); t.Before(now) {
			out = append(out, event{at: t, code: EventMagneticField})
		}
	case logComms:
		out = append(out, event{at: epoch.Add(-10 * time.Minute), code: EventHANJoined})
	}
	for _, e := range m.events {
		if e.kind == k && !e.at.After(now) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	if len(out) > eventLogEntries {
		out = out[len(out)-eventLogEntries:]
	}
	return out
}

// eventBuffer encodes a log's buffer for the selective access asked.
func (m *ESME) eventBuffer(k logKind, sel *dlms.SelectiveAccess) (dlms.Data, dlms.DataAccessResult) {
	now := m.now()
	evs := m.history(k, now)
	from, to := 1, len(evs)
	if sel != nil {
		v, n, err := axdr.Decode(sel.Parameters)
		if err != nil || n != len(sel.Parameters) {
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
			var sel []event
			for _, e := range evs {
				if !e.at.Before(a) && !e.at.After(b) {
					sel = append(sel, e)
				}
			}
			evs, from, to = sel, 1, len(sel)
		case cosem.SelectorEntry:
			d, err := cosem.ParseEntryDescriptor(v)
			if err != nil {
				return nil, dlms.TypeUnmatched
			}
			from = max(1, int(d.FromEntry))
			if d.ToEntry != 0 {
				to = min(to, int(d.ToEntry))
			}
		default:
			return nil, dlms.ObjectUnavailable
		}
	}
	reversed := m.cfg.Quirks.Has(QuirkInvertedDeviation)
	corrupt := m.cfg.Quirks.Has(QuirkCorruptEventLog) && k == logStandard
	count := max(0, to-from+1)
	out := axdr.AppendLength([]byte{byte(axdr.TypeArray)}, count)
	for j := 0; j < count; j++ {
		e := evs[from-1+j]
		out = append(out, byte(axdr.TypeStructure), 2)
		d := dateTime(e.at, reversed)
		code := e.code
		if corrupt && (from-1+j)%7 == 3 {
			// A flash page gone bad: an impossible date and a code the
			// meter never writes.
			d.Month, d.Day, d.Hour = 0x0E, 0x20, 0x63
			code = eventCorrupted
		}
		out = appendDateTime(out, d)
		out = append(out, byte(axdr.TypeLongUnsigned))
		out = binary.BigEndian.AppendUint16(out, code)
	}
	return out, dlms.Success
}

// addEventLogs adds the four event logs (class 7) and their event-code
// objects (class 1).
func (m *ESME) addEventLogs() {
	logs := []struct {
		ln, code cosem.OBIS
		kind     logKind
	}{
		{obisStandardLog, obisEventCode, logStandard},
		{obisFraudLog, obisEventCodeFraud, logFraud},
		{obisPowerQualLog, obisEventCodePQ, logPowerQuality},
		{obisCommsLog, obisEventCodeComms, logComms},
	}
	for _, l := range logs {
		kind := l.kind
		c := m.objects.add(&object{class: cosem.ClassData, ln: l.code})
		c.attrs[2] = &attribute{get: dynamic(func() axdr.Value {
			evs := m.history(kind, m.now())
			if len(evs) == 0 {
				return axdr.Uint16(0)
			}
			return axdr.Uint16(evs[len(evs)-1].code)
		}), read: LevelReader}
		o := m.objects.add(&object{class: cosem.ClassProfileGeneric, version: 1, ln: l.ln})
		o.attrs[2] = &attribute{raw: func(sel *dlms.SelectiveAccess) (dlms.Data, dlms.DataAccessResult) {
			return m.eventBuffer(kind, sel)
		}, read: LevelReader, selectors: []int8{1, 2}}
		o.attrs[3] = &attribute{get: value(axdr.Array(capture(cosem.ClassClock, obisClock, 2), capture(cosem.ClassData, l.code, 2)))}
		o.attrs[4] = &attribute{get: value(axdr.Uint32(0))} // asynchronous
		o.attrs[5] = &attribute{get: value(axdr.Enum(1))}
		o.attrs[6] = &attribute{get: value(capture(cosem.ClassClock, obisClock, 2))}
		o.attrs[7] = &attribute{get: dynamic(func() axdr.Value { return axdr.Uint32(uint32(len(m.history(kind, m.now())))) })}
		o.attrs[8] = &attribute{get: value(axdr.Uint32(eventLogEntries))}
	}
}

// slotScan remembers which slots saw a rare event, so the event logs need
// not hash every slot since installation on each read.
type slotScan struct {
	mu      sync.Mutex
	scanned int64
	hits    []int64
}

// before returns the hits among slots 0 … n-1, scanning new slots with f.
func (s *slotScan) before(n int64, f func(int64) bool) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ; s.scanned < n; s.scanned++ {
		if f(s.scanned) {
			s.hits = append(s.hits, s.scanned)
		}
	}
	k := sort.Search(len(s.hits), func(i int) bool { return s.hits[i] >= n })
	return s.hits[:k:k]
}

// outagesBefore lists the slots before n with a power failure.
func (m *ESME) outagesBefore(n int64) []int64 { return m.outageScan.before(n, m.outage) }

// swellsBefore lists the slots before n with an over-voltage.
func (m *ESME) swellsBefore(n int64) []int64 {
	return m.swellScan.before(n, func(i int64) bool { return mix(m.energy.Seed^uint64(i)*0x1d8e4e27c47d124f)%1500 == 0 })
}

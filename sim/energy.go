package sim

import (
	"math"
	"sync"
	"time"
)

// Energy is the simulated household: a deterministic half-hourly load and
// solar export pattern, so every register, profile entry and readout agrees
// with every other at any instant of the simulated clock.
type Energy struct {
	// Epoch is when the meter started counting (registers are zero there).
	Epoch time.Time
	// Seed varies the day-to-day pattern between meters.
	Seed uint64
	// DailyWh is the mean import per day; 0 means 8500 Wh.
	DailyWh float64
	// SolarWh is the mean export per day; 0 means none.
	SolarWh float64

	mu   sync.Mutex
	days [][3]float64 // totals of the first i days: import, rate 1, export
}

// slot is the length of one load-profile period.
const slot = 30 * time.Minute

// shape is the relative import of each half hour of the day (sum 48).
var shape = func() [48]float64 {
	var s [48]float64
	var sum float64
	for i := range s {
		h := float64(i) / 2
		v := 0.35 + 0.6*math.Exp(-(h-7.5)*(h-7.5)/2) + 1.4*math.Exp(-(h-18.5)*(h-18.5)/4) + 0.3*math.Exp(-(h-13)*(h-13)/6)
		s[i] = v
		sum += v
	}
	for i := range s {
		s[i] *= 48 / sum
	}
	return s
}()

// mix is a small integer hash (splitmix64 finaliser).
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func (e *Energy) daily() float64 {
	if e.DailyWh <= 0 {
		return 8500
	}
	return e.DailyWh
}

// dayFactor is the day's weather and habits: 0.7 … 1.3, more in winter.
func (e *Energy) dayFactor(day int64) float64 {
	r := float64(mix(e.Seed^uint64(day)*0x9e3779b97f4a7c15)%1000) / 1000
	season := math.Cos(2 * math.Pi * float64((day+10)%365) / 365) // +1 around 1 January
	return 0.85 + 0.3*r + 0.2*season
}

// solarFactor is the day's sunshine: 0 … 2, more in summer.
func (e *Energy) solarFactor(day int64) float64 {
	r := float64(mix(e.Seed^uint64(day)*0x2545f4914f6cdd1d)%1000) / 1000
	season := 1 - math.Cos(2*math.Pi*float64((day+10)%365)/365) // 0 in January, 2 in July
	return (0.3 + 0.7*r) * season
}

// slotIndex is the number of whole slots from the epoch to t.
func (e *Energy) slotIndex(t time.Time) int64 {
	if t.Before(e.Epoch) {
		return 0
	}
	return int64(t.Sub(e.Epoch) / slot)
}

// SlotImport and SlotExport are the Wh of slot i (counted from the epoch).
func (e *Energy) SlotImport(i int64) float64 {
	return e.daily() / 48 * shape[i%48] * e.dayFactor(i/48)
}

// SlotExport is the solar export of slot i in Wh.
func (e *Energy) SlotExport(i int64) float64 {
	if e.SolarWh <= 0 {
		return 0
	}
	h := float64(i%48) / 2
	if h < 6 || h >= 20 {
		return 0
	}
	sun := math.Sin(math.Pi * (h - 6) / 14)
	return e.SolarWh * sun * e.solarFactor(i/48) * math.Pi / 28 / 2
}

// night reports whether slot i is in the economy-7 low rate (00:30–07:30).
func night(i int64) bool { s := i % 48; return s >= 1 && s < 15 }

// Totals are register values at one instant, in Wh.
type Totals struct {
	Import, Rate1, Rate2, Export uint32
}

// cumulative returns the float totals after n whole slots from the epoch.
// Whole days come from a prefix-sum cache, so a register read costs at
// most one day of slots.
func (e *Energy) cumulative(n int64) (imp, r1, exp float64) {
	days := n / 48
	p := e.prefix(days)
	imp, r1, exp = p[0], p[1], p[2]
	for s := days * 48; s < n; s++ {
		v := e.SlotImport(s)
		imp += v
		if night(s) {
			r1 += v
		}
		exp += e.SlotExport(s)
	}
	return imp, r1, exp
}

// prefix returns the totals of the first d whole days.
func (e *Energy) prefix(d int64) [3]float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.days) == 0 {
		e.days = append(e.days, [3]float64{})
	}
	for int64(len(e.days)) <= d {
		day := int64(len(e.days) - 1)
		acc := e.days[day]
		for s := day * 48; s < day*48+48; s++ {
			v := e.SlotImport(s)
			acc[0] += v
			if night(s) {
				acc[1] += v
			}
			acc[2] += e.SlotExport(s)
		}
		e.days = append(e.days, acc)
	}
	return e.days[d]
}

func totals(imp, r1, exp float64) Totals {
	return Totals{Import: uint32(imp), Rate1: uint32(r1), Rate2: uint32(imp) - uint32(r1), Export: uint32(exp)}
}

// TotalsAt returns the registers at t: every whole slot since the epoch
// plus the elapsed part of the current one.
func (e *Energy) TotalsAt(t time.Time) Totals {
	if t.Before(e.Epoch) {
		return Totals{}
	}
	n := e.slotIndex(t)
	imp, r1, exp := e.cumulative(n)
	frac := float64(t.Sub(e.Epoch)%slot) / float64(slot)
	v := e.SlotImport(n) * frac
	imp += v
	if night(n) {
		r1 += v
	}
	exp += e.SlotExport(n) * frac
	return totals(imp, r1, exp)
}

// nightShare is the sum of the shape over the night slots.
var nightShare = func() float64 {
	var s float64
	for i := int64(0); i < 48; i++ {
		if night(i) {
			s += shape[i]
		}
	}
	return s
}()

// Instant returns the instantaneous values at t: voltage (V), current (A),
// active power (W, import positive) and frequency (Hz).
func (e *Energy) Instant(t time.Time) (volts, amps, watts, hertz float64) {
	i := e.slotIndex(t)
	w := (e.SlotImport(i) - e.SlotExport(i)) * 2 // Wh per half hour → W
	sec := uint64(t.Unix())
	volts = 239 + float64(mix(sec^e.Seed)%80)/10 - 4
	hertz = 49.95 + float64(mix(sec*7^e.Seed)%10)/100
	amps = math.Abs(w) / volts
	return volts, amps, w, hertz
}

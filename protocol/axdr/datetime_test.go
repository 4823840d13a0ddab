package axdr

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

func TestDateTimeTime(t *testing.T) {
	// PROTOCOLS.md §6.4: UTC = local + deviation.
	tests := []struct {
		name string
		d    DateTime
		sign DeviationSign
		want time.Time
	}{
		{"UTC+1 normal", DateTime{Year: 2020, Month: 3, Day: 16, DayOfWeek: 1, Deviation: -60}, DeviationNormal,
			time.Date(2020, 3, 15, 23, 0, 0, 0, time.UTC)},
		{"UTC+1 reversed meter", DateTime{Year: 2020, Month: 3, Day: 16, DayOfWeek: 1, Deviation: 60}, DeviationReversed,
			time.Date(2020, 3, 15, 23, 0, 0, 0, time.UTC)},
		{"ignore deviation", DateTime{Year: 2020, Month: 3, Day: 16, Hour: 1, Deviation: 600}, DeviationIgnore,
			time.Date(2020, 3, 16, 1, 0, 0, 0, time.UTC)},
		{"not specified deviation", DateTime{Year: 2020, Month: 3, Day: 16, Hour: 1, Hundredths: 0xFF, Deviation: DeviationNotSpecified}, DeviationNormal,
			time.Date(2020, 3, 16, 1, 0, 0, 0, time.UTC)},
		{"hundredths", DateTime{Year: 2020, Month: 3, Day: 16, Second: 5, Hundredths: 25}, DeviationNormal,
			time.Date(2020, 3, 16, 0, 0, 5, 250_000_000, time.UTC)},
	}
	for _, tt := range tests {
		got, err := tt.d.Time(nil, tt.sign)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("%s: Time = %v, %v, want %v", tt.name, got, err, tt.want)
		}
	}
	for _, d := range []DateTime{
		{Year: 0xFFFF, Month: 1, Day: 1},
		{Year: 2020, Month: MonthDSTBegin, Day: 1},
		{Year: 2020, Month: 3, Day: DayLast},
		{Year: 2020, Month: 3, Day: 1, Hour: 0xFF},
	} {
		if _, err := d.Time(nil, DeviationNormal); !errors.Is(err, ErrNotSpecified) {
			t.Errorf("%v.Time: %v, want ErrNotSpecified", d, err)
		}
	}
	if _, err := (DateTime{Year: 2021, Month: 2, Day: 30}).Time(nil, DeviationNormal); !errors.Is(err, ErrInvalid) {
		t.Errorf("30 February: %v, want ErrInvalid", err)
	}
}

func TestFromTimeRoundTrip(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("", 3600), time.FixedZone("", -5*3600-1800)}
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		zones = append(zones, l)
	}
	for _, z := range zones {
		for _, tm := range []time.Time{
			time.Date(2026, 1, 4, 12, 30, 15, 990_000_000, z), // a Sunday
			time.Date(2026, 7, 1, 0, 0, 0, 0, z),
		} {
			d := FromTime(tm)
			back, err := d.Time(z, DeviationNormal)
			if err != nil || !back.Equal(tm) {
				t.Errorf("FromTime(%v).Time = %v, %v", tm, back, err)
			}
			if int(d.DayOfWeek) != int(tm.Weekday()) && !(tm.Weekday() == time.Sunday && d.DayOfWeek == 7) {
				t.Errorf("FromTime(%v) day of week %d", tm, d.DayOfWeek)
			}
			p, err := ParseDateTime(d.AppendBody(nil))
			if err != nil || p != d {
				t.Errorf("ParseDateTime(AppendBody(%v)) = %v, %v", d, p, err)
			}
		}
	}
}

func TestDateTimeString(t *testing.T) {
	d := DateTime{Year: 0xFFFF, Month: MonthDSTEnd, Day: DayLast, DayOfWeek: 7, Hour: 2, Minute: 0, Second: 0, Hundredths: 0xFF,
		Deviation: DeviationNotSpecified, Status: StatusNotSpecified}
	if got, want := d.String(), "*-DSTend-last Sun 02:00:00.* dev * status *"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, b := range [][]byte{nil, make([]byte, 11)} {
		if _, err := ParseDateTime(b); !errors.Is(err, ErrBadLength) {
			t.Errorf("ParseDateTime(%x): %v", b, err)
		}
	}
}

// fmtDateTime is the fmt-based rendering String had before it appended
// into one buffer; the appenders must keep its text exactly.
func fmtDateTime(d DateTime) string {
	f2 := func(v uint8) string {
		if v == NotSpecified {
			return "*"
		}
		return fmt.Sprintf("%02d", v)
	}
	y := "*"
	if d.Year != YearNotSpecified {
		y = fmt.Sprintf("%04d", d.Year)
	}
	m := f2(d.Month)
	switch d.Month {
	case MonthDSTEnd:
		m = "DSTend"
	case MonthDSTBegin:
		m = "DSTbegin"
	}
	day := f2(d.Day)
	switch d.Day {
	case DaySecondLast:
		day = "2ndlast"
	case DayLast:
		day = "last"
	}
	w := "*"
	if int(d.DayOfWeek) < len(weekdayNames) && weekdayNames[d.DayOfWeek] != "" {
		w = weekdayNames[d.DayOfWeek]
	} else if d.DayOfWeek != NotSpecified {
		w = fmt.Sprintf("dow%d", d.DayOfWeek)
	}
	date := y + "-" + m + "-" + day + " " + w
	tod := f2(d.Hour) + ":" + f2(d.Minute) + ":" + f2(d.Second) + "." + f2(d.Hundredths)
	dev := "*"
	if d.Deviation != DeviationNotSpecified {
		dev = fmt.Sprint(d.Deviation)
	}
	st := "*"
	if d.Status != StatusNotSpecified {
		st = fmt.Sprintf("%02x", uint8(d.Status))
	}
	return fmt.Sprintf("%s %s dev %s status %s", date, tod, dev, st)
}

func TestDateTimeStringEveryFieldValue(t *testing.T) {
	base := DateTime{Year: 2024, Month: 3, Day: 31, DayOfWeek: 7, Hour: 1, Minute: 2, Second: 3, Hundredths: 4, Deviation: -60, Status: 0x80}
	check := func(d DateTime) {
		t.Helper()
		if got, want := d.String(), fmtDateTime(d); got != want {
			t.Fatalf("%+v: String() = %q, want %q", d, got, want)
		}
		if got, want := d.Date().String()+" "+d.TimeOfDay().String(), strings.Join(strings.Fields(fmtDateTime(d))[:3], " "); got != want {
			t.Fatalf("%+v: Date and TimeOfDay = %q, want %q", d, got, want)
		}
	}
	check(base)
	for v := 0; v < 256; v++ {
		for _, set := range []func(*DateTime){
			func(d *DateTime) { d.Month = uint8(v) }, func(d *DateTime) { d.Day = uint8(v) },
			func(d *DateTime) { d.DayOfWeek = uint8(v) }, func(d *DateTime) { d.Hour = uint8(v) },
			func(d *DateTime) { d.Minute = uint8(v) }, func(d *DateTime) { d.Second = uint8(v) },
			func(d *DateTime) { d.Hundredths = uint8(v) }, func(d *DateTime) { d.Status = ClockStatus(v) },
		} {
			d := base
			set(&d)
			check(d)
		}
	}
	for _, y := range []uint16{0, 7, 99, 999, 1000, 9999, 10000, YearNotSpecified} {
		d := base
		d.Year = y
		check(d)
	}
	for _, dev := range []int16{0, 1, -1, 720, -720, math.MaxInt16, math.MinInt16, DeviationNotSpecified} {
		d := base
		d.Deviation = dev
		check(d)
	}
}

func FuzzDateTimeString(f *testing.F) {
	f.Add([]byte{0x07, 0xe8, 3, 31, 7, 1, 2, 3, 4, 0xff, 0xc4, 0x80})
	f.Add([]byte{0xff, 0xff, 0xfd, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDateTime(b)
		if err != nil {
			return
		}
		if got, want := d.String(), fmtDateTime(d); got != want {
			t.Fatalf("% x: String() = %q, want %q", b, got, want)
		}
	})
}

func BenchmarkDateTimeString(b *testing.B) {
	d := DateTime{Year: 2024, Month: 3, Day: 31, DayOfWeek: 7, Hour: 1, Minute: 30, Deviation: -60, Status: 0x80}
	b.ReportAllocs()
	for b.Loop() {
		_ = d.String()
	}
}

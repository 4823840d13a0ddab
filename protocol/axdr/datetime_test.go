package axdr

import (
	"errors"
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

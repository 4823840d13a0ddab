package axdr

import (
	"fmt"
	"strconv"
	"time"
)

// Special field values of date, time and date-time (IEC 62056-6-2 §4.1.6.1,
// PROTOCOLS.md §6.4).
const (
	YearNotSpecified      uint16 = 0xFFFF
	NotSpecified          uint8  = 0xFF // any one-byte field
	MonthDSTEnd           uint8  = 0xFD
	MonthDSTBegin         uint8  = 0xFE
	DaySecondLast         uint8  = 0xFD // second-last day of the month
	DayLast               uint8  = 0xFE // last day of the month
	DeviationNotSpecified int16  = -0x8000
)

// ClockStatus is the clock-status byte of a date-time.
type ClockStatus uint8

// Clock status bits.
const (
	StatusInvalid       ClockStatus = 0x01 // invalid value
	StatusDoubtful      ClockStatus = 0x02 // doubtful value
	StatusDifferentBase ClockStatus = 0x04 // different clock base
	StatusInvalidStatus ClockStatus = 0x08 // invalid clock status
	StatusDST           ClockStatus = 0x80 // daylight saving active
	StatusNotSpecified  ClockStatus = 0xFF // whole byte not specified
)

// DeviationSign tells how to read the deviation field. The standard says
// UTC = local + deviation (UTC+1 is sent as −60); some meters send the
// opposite sign, and some send rubbish (PROTOCOLS.md §11.4). It is a
// per-meter setting.
type DeviationSign uint8

// Deviation interpretations.
const (
	DeviationNormal   DeviationSign = iota // UTC = local + deviation (standard)
	DeviationReversed                      // UTC = local − deviation
	DeviationIgnore                        // ignore the field: local time in the given location
)

func (s DeviationSign) String() string {
	switch s {
	case DeviationNormal:
		return "normal"
	case DeviationReversed:
		return "reversed"
	case DeviationIgnore:
		return "ignore"
	}
	return fmt.Sprintf("DeviationSign(%d)", uint8(s))
}

// DateTime is the 12-byte A-XDR date-time, field by field as sent.
//
//	year(u16) month day day-of-week hour minute second hundredths deviation(int16) clock-status
type DateTime struct {
	Year       uint16 // 0xFFFF not specified
	Month      uint8  // 1..12, 0xFD DST end, 0xFE DST begin, 0xFF not specified
	Day        uint8  // 1..31, 0xFD second last, 0xFE last, 0xFF not specified
	DayOfWeek  uint8  // 1 Monday .. 7 Sunday, 0xFF not specified
	Hour       uint8  // 0xFF not specified
	Minute     uint8
	Second     uint8
	Hundredths uint8
	Deviation  int16 // minutes, UTC = local + deviation; DeviationNotSpecified
	Status     ClockStatus
}

// ParseDateTime reads a 12-byte date-time body (no tag, no length). Field
// values are kept as sent, even when out of range; use Time to interpret.
func ParseDateTime(b []byte) (DateTime, error) {
	if len(b) != 12 {
		return DateTime{}, newError("parse date-time", 0, fmt.Errorf("%w: %d bytes, want 12", ErrBadLength, len(b)))
	}
	return dateTimeOf(b), nil
}

func dateTimeOf(b []byte) DateTime {
	_ = b[11]
	return DateTime{
		Year: uint16(b[0])<<8 | uint16(b[1]), Month: b[2], Day: b[3], DayOfWeek: b[4],
		Hour: b[5], Minute: b[6], Second: b[7], Hundredths: b[8],
		Deviation: int16(uint16(b[9])<<8 | uint16(b[10])), Status: ClockStatus(b[11]),
	}
}

// Bytes returns the 12-byte body.
func (d DateTime) Bytes() [12]byte {
	return [12]byte{byte(d.Year >> 8), byte(d.Year), d.Month, d.Day, d.DayOfWeek,
		d.Hour, d.Minute, d.Second, d.Hundredths,
		byte(uint16(d.Deviation) >> 8), byte(d.Deviation), byte(d.Status)}
}

// AppendBody appends the 12-byte body.
func (d DateTime) AppendBody(dst []byte) []byte {
	b := d.Bytes()
	return append(dst, b[:]...)
}

// FromTime returns the date-time of t as a meter would send it in t's own
// zone: local fields, deviation = −(UTC offset) in minutes (standard sign),
// the DST status bit when t's zone is in daylight saving, day of week
// 1 (Monday) .. 7 (Sunday).
func FromTime(t time.Time) DateTime {
	_, off := t.Zone()
	d := DateTime{
		Year: uint16(t.Year()), Month: uint8(t.Month()), Day: uint8(t.Day()),
		DayOfWeek: weekday(t.Weekday()),
		Hour:      uint8(t.Hour()), Minute: uint8(t.Minute()), Second: uint8(t.Second()),
		Hundredths: uint8(t.Nanosecond() / 10_000_000),
		Deviation:  int16(-off / 60),
	}
	if t.IsDST() {
		d.Status |= StatusDST
	}
	return d
}

func weekday(w time.Weekday) uint8 {
	if w == time.Sunday {
		return 7
	}
	return uint8(w)
}

// Specified reports whether the date and time-of-day fields (year, month,
// day, hour, minute, second) all hold ordinary values, so that the
// date-time names one instant.
func (d DateTime) Specified() bool {
	return d.Year != YearNotSpecified && d.Month >= 1 && d.Month <= 12 &&
		d.Day >= 1 && d.Day <= 31 && d.Hour < 24 && d.Minute < 60 && d.Second < 60
}

// Time interprets d as an instant. The deviation is read as sign says; when
// it is not specified (0x8000) or sign is DeviationIgnore, the local fields
// are taken in loc (UTC when loc is nil). The result is returned in loc
// (or in a fixed zone of the deviation when loc is nil). Hundredths 0xFF
// count as 0. A date-time with unspecified or special date/time fields
// returns ErrNotSpecified.
func (d DateTime) Time(loc *time.Location, sign DeviationSign) (time.Time, error) {
	if !d.Specified() {
		return time.Time{}, newError("interpret date-time", 0, fmt.Errorf("%w: %s", ErrNotSpecified, d))
	}
	ns := 0
	if d.Hundredths < 100 {
		ns = int(d.Hundredths) * 10_000_000
	}
	var zone *time.Location
	switch {
	case d.Deviation == DeviationNotSpecified || sign == DeviationIgnore:
		zone = loc
		if zone == nil {
			zone = time.UTC
		}
	case sign == DeviationReversed:
		zone = time.FixedZone("", int(d.Deviation)*60)
	default:
		zone = time.FixedZone("", -int(d.Deviation)*60)
	}
	t := time.Date(int(d.Year), time.Month(d.Month), int(d.Day), int(d.Hour), int(d.Minute), int(d.Second), ns, zone)
	if t.Day() != int(d.Day) {
		return time.Time{}, newError("interpret date-time", 0, fmt.Errorf("%w: day %d of month %d", ErrInvalid, d.Day, d.Month))
	}
	if loc != nil {
		t = t.In(loc)
	}
	return t, nil
}

// String renders the fields: "2020-03-16 Mon 00:00:00.00 dev -60 status 00",
// with "*" for not-specified fields.
func (d DateTime) String() string {
	var buf [48]byte
	return string(d.appendText(buf[:0]))
}

// appendText appends String's text: one allocation for a profile's clock
// column of thousands of rows instead of a dozen per cell.
func (d DateTime) appendText(dst []byte) []byte {
	dst = d.Date().appendText(dst)
	dst = append(dst, ' ')
	dst = d.TimeOfDay().appendText(dst)
	dst = append(dst, " dev "...)
	if d.Deviation == DeviationNotSpecified {
		dst = append(dst, '*')
	} else {
		dst = strconv.AppendInt(dst, int64(d.Deviation), 10)
	}
	dst = append(dst, " status "...)
	if d.Status == StatusNotSpecified {
		return append(dst, '*')
	}
	const hex = "0123456789abcdef"
	return append(dst, hex[d.Status>>4], hex[d.Status&0x0f])
}

// Date returns the date part.
func (d DateTime) Date() Date {
	return Date{Year: d.Year, Month: d.Month, Day: d.Day, DayOfWeek: d.DayOfWeek}
}

// TimeOfDay returns the time part.
func (d DateTime) TimeOfDay() TimeOfDay {
	return TimeOfDay{Hour: d.Hour, Minute: d.Minute, Second: d.Second, Hundredths: d.Hundredths}
}

// Date is the 5-byte A-XDR date: year(u16) month day day-of-week.
type Date struct {
	Year      uint16
	Month     uint8
	Day       uint8
	DayOfWeek uint8
}

// ParseDate reads a 5-byte date body.
func ParseDate(b []byte) (Date, error) {
	if len(b) != 5 {
		return Date{}, newError("parse date", 0, fmt.Errorf("%w: %d bytes, want 5", ErrBadLength, len(b)))
	}
	return Date{Year: uint16(b[0])<<8 | uint16(b[1]), Month: b[2], Day: b[3], DayOfWeek: b[4]}, nil
}

// Bytes returns the 5-byte body.
func (d Date) Bytes() [5]byte {
	return [5]byte{byte(d.Year >> 8), byte(d.Year), d.Month, d.Day, d.DayOfWeek}
}

// DateOf returns the date of t in t's zone.
func DateOf(t time.Time) Date { return FromTime(t).Date() }

var weekdayNames = [...]string{1: "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// String renders "2020-03-16 Mon", with "*" for not-specified fields and
// "DSTend"/"DSTbegin", "last"/"2ndlast" for the special months and days.
func (d Date) String() string {
	var buf [24]byte
	return string(d.appendText(buf[:0]))
}

func (d Date) appendText(dst []byte) []byte {
	if d.Year == YearNotSpecified {
		dst = append(dst, '*')
	} else {
		dst = appendPadded(dst, uint64(d.Year), 4)
	}
	dst = append(dst, '-')
	switch d.Month {
	case MonthDSTEnd:
		dst = append(dst, "DSTend"...)
	case MonthDSTBegin:
		dst = append(dst, "DSTbegin"...)
	default:
		dst = appendField2(dst, d.Month)
	}
	dst = append(dst, '-')
	switch d.Day {
	case DaySecondLast:
		dst = append(dst, "2ndlast"...)
	case DayLast:
		dst = append(dst, "last"...)
	default:
		dst = appendField2(dst, d.Day)
	}
	dst = append(dst, ' ')
	switch {
	case int(d.DayOfWeek) < len(weekdayNames) && weekdayNames[d.DayOfWeek] != "":
		return append(dst, weekdayNames[d.DayOfWeek]...)
	case d.DayOfWeek != NotSpecified:
		return strconv.AppendUint(append(dst, "dow"...), uint64(d.DayOfWeek), 10)
	}
	return append(dst, '*')
}

// TimeOfDay is the 4-byte A-XDR time: hour minute second hundredths.
type TimeOfDay struct {
	Hour       uint8
	Minute     uint8
	Second     uint8
	Hundredths uint8
}

// ParseTimeOfDay reads a 4-byte time body.
func ParseTimeOfDay(b []byte) (TimeOfDay, error) {
	if len(b) != 4 {
		return TimeOfDay{}, newError("parse time", 0, fmt.Errorf("%w: %d bytes, want 4", ErrBadLength, len(b)))
	}
	return TimeOfDay{Hour: b[0], Minute: b[1], Second: b[2], Hundredths: b[3]}, nil
}

// Bytes returns the 4-byte body.
func (t TimeOfDay) Bytes() [4]byte { return [4]byte{t.Hour, t.Minute, t.Second, t.Hundredths} }

// String renders "23:59:59.99" with "*" for not-specified fields.
func (t TimeOfDay) String() string {
	var buf [16]byte
	return string(t.appendText(buf[:0]))
}

func (t TimeOfDay) appendText(dst []byte) []byte {
	dst = append(appendField2(dst, t.Hour), ':')
	dst = append(appendField2(dst, t.Minute), ':')
	dst = append(appendField2(dst, t.Second), '.')
	return appendField2(dst, t.Hundredths)
}

// appendField2 appends a two-digit field ("%02d") or "*" when not
// specified.
func appendField2(dst []byte, v uint8) []byte {
	if v == NotSpecified {
		return append(dst, '*')
	}
	return appendPadded(dst, uint64(v), 2)
}

// appendPadded appends v in decimal, zero-padded to width digits ("%0*d").
func appendPadded(dst []byte, v uint64, width int) []byte {
	var buf [20]byte
	digits := strconv.AppendUint(buf[:0], v, 10)
	for i := len(digits); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, digits...)
}

package cosem

import (
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// Clock is the typed view of the Clock object (class 8, 0-0:1.0.0*255;
// PROTOCOLS.md §7).
type Clock struct {
	Time         axdr.DateTime    // attribute 2, local time with deviation and status
	TimeZone     int16            // attribute 3, minutes; same sign convention as the deviation
	Status       axdr.ClockStatus // attribute 4
	DSTBegin     axdr.DateTime    // attribute 5 (usually with wildcards)
	DSTEnd       axdr.DateTime    // attribute 6
	DSTDeviation int8             // attribute 7, minutes
	DSTEnabled   bool             // attribute 8
	ClockBase    ClockBase        // attribute 9
}

// ClockBase is attribute 9 of the Clock.
type ClockBase uint8

// Clock bases.
const (
	ClockBaseNotDefined ClockBase = 0
	ClockBaseCrystal    ClockBase = 1
	ClockBaseMains50Hz  ClockBase = 2
	ClockBaseMains60Hz  ClockBase = 3
	ClockBaseGPS        ClockBase = 4
	ClockBaseRadio      ClockBase = 5
)

// SetAttribute stores attribute index from its decoded value.
func (c *Clock) SetAttribute(index int8, v axdr.Value) error {
	var err error
	switch index {
	case 2:
		c.Time, err = dateTimeAttr("Clock.time", v)
	case 3:
		if v.Type() != axdr.TypeLong {
			return shapeErr("Clock.time_zone", "%s, want long", v.Type())
		}
		c.TimeZone = int16(v.Int())
	case 4:
		if v.Type() != axdr.TypeUnsigned {
			return shapeErr("Clock.status", "%s, want unsigned", v.Type())
		}
		c.Status = axdr.ClockStatus(v.Uint())
	case 5:
		c.DSTBegin, err = dateTimeAttr("Clock.daylight_savings_begin", v)
	case 6:
		c.DSTEnd, err = dateTimeAttr("Clock.daylight_savings_end", v)
	case 7:
		if v.Type() != axdr.TypeInteger {
			return shapeErr("Clock.daylight_savings_deviation", "%s, want integer", v.Type())
		}
		c.DSTDeviation = int8(v.Int())
	case 8:
		if v.Type() != axdr.TypeBoolean {
			return shapeErr("Clock.daylight_savings_enabled", "%s, want boolean", v.Type())
		}
		c.DSTEnabled = v.Bool()
	case 9:
		if v.Type() != axdr.TypeEnum {
			return shapeErr("Clock.clock_base", "%s, want enum", v.Type())
		}
		c.ClockBase = ClockBase(v.Uint())
	}
	return err
}

// UTC returns the meter time as an instant, reading the deviation as the
// meter's sign setting says (PROTOCOLS.md §11.4). When the time carries no
// deviation, the time_zone attribute stands in for it.
func (c Clock) UTC(sign axdr.DeviationSign) (time.Time, error) {
	d := c.Time
	if d.Deviation == axdr.DeviationNotSpecified && sign != axdr.DeviationIgnore {
		d.Deviation = c.TimeZone
	}
	t, err := d.Time(nil, sign)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// Drift returns meter time minus reference time (positive: the meter is
// ahead).
func (c Clock) Drift(reference time.Time, sign axdr.DeviationSign) (time.Duration, error) {
	t, err := c.UTC(sign)
	if err != nil {
		return 0, err
	}
	return t.Sub(reference), nil
}

// TimeValue returns the value to SET on attribute 2 for t: an octet-string
// of 12 bytes (the usual form, PROTOCOLS.md §6.4) with t's zone as the
// deviation.
func TimeValue(t time.Time) axdr.Value {
	return axdr.OctetString(axdr.FromTime(t).AppendBody(nil))
}

package cosem

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func decode(t testing.TB, s string) axdr.Value {
	t.Helper()
	b := unhex(t, s)
	v, n, err := axdr.Decode(b)
	if err != nil || n != len(b) {
		t.Fatalf("axdr.Decode(%s) = %v, %d, %v", s, v, n, err)
	}
	return v
}

func TestScalerUnit(t *testing.T) {
	// PROTOCOLS.md §6.3: 02 02 0F FD 16 1E = scaler −3, Wh.
	su, err := ParseScalerUnit(decode(t, "02 02 0F FD 16 1E"))
	if err != nil || su != (ScalerUnit{-3, UnitWattHour}) {
		t.Fatalf("ParseScalerUnit = %+v, %v", su, err)
	}
	tests := []struct {
		su   ScalerUnit
		raw  axdr.Value
		want string
	}{
		{su, axdr.Uint32(12345), "12.345 Wh"},
		{su, axdr.Uint32(5), "0.005 Wh"},
		{su, axdr.Int32(-12345), "-12.345 Wh"},
		{ScalerUnit{2, UnitWatt}, axdr.Uint16(17), "1700 W"},
		{ScalerUnit{0, UnitCount}, axdr.Uint8(9), "9"},
		{ScalerUnit{-1, UnitVolt}, axdr.Float32(2301.5), "230.15 V"},
		{ScalerUnit{-2, UnitAmpere}, axdr.Int64(-9223372036854775808), "-92233720368547758.08 A"},
		{ScalerUnit{0, UnitVolt}, axdr.VisibleString("x"), `visible-string "x"`},
	}
	for _, tt := range tests {
		if got := tt.su.Format(tt.raw); got != tt.want {
			t.Errorf("%+v.Format(%v) = %q, want %q", tt.su, tt.raw, got, tt.want)
		}
	}
	if f, err := su.Apply(axdr.Uint32(12345)); err != nil || f < 12.3449 || f > 12.3451 {
		t.Errorf("Apply = %g, %v", f, err)
	}
	if _, err := su.Apply(axdr.OctetString(nil)); !errors.Is(err, ErrNotNumeric) {
		t.Errorf("Apply(octet-string) = %v", err)
	}
	for _, bad := range []string{"02 01 0F FD", "02 02 11 03 16 1E", "01 00"} {
		if _, err := ParseScalerUnit(decode(t, bad)); !errors.Is(err, ErrShape) {
			t.Errorf("ParseScalerUnit(%s) = %v, want ErrShape", bad, err)
		}
	}
	if got, _ := axdr.Encode(su.Value()); hex.EncodeToString(got) != "02020ffd161e" {
		t.Errorf("ScalerUnit.Value encodes %x", got)
	}
}

func TestExtendedRegister(t *testing.T) {
	var r ExtendedRegister
	for i, s := range map[int8]string{
		2: "06 00 00 30 39",
		3: "02 02 0F FD 16 1E",
		4: "11 00",
		5: "09 0C 07 E4 03 10 01 00 00 00 00 FF C4 00",
	} {
		if err := r.SetAttribute(i, decode(t, s)); err != nil {
			t.Fatalf("SetAttribute(%d, %s): %v", i, s, err)
		}
	}
	if r.String() != "12.345 Wh" || r.CaptureTime.Year != 2020 || r.CaptureTime.Deviation != -60 {
		t.Errorf("register = %s, capture %v", r, r.CaptureTime)
	}
	if err := r.SetAttribute(5, decode(t, "09 02 01 02")); !errors.Is(err, ErrShape) {
		t.Errorf("capture_time of 2 bytes: %v", err)
	}
	var d DemandRegister
	d.SetAttribute(2, axdr.Uint32(1500))
	d.SetAttribute(4, ScalerUnit{0, UnitWatt}.Value())
	if err := d.SetAttribute(8, axdr.Uint32(1800)); err != nil || d.Period != 1800 || d.Current().String() != "1500 W" {
		t.Errorf("demand register %+v %v", d, err)
	}
	if err := d.SetAttribute(9, axdr.Uint8(1)); !errors.Is(err, ErrShape) {
		t.Errorf("number_of_periods as unsigned: %v", err)
	}
}

func TestClock(t *testing.T) {
	var c Clock
	// Clock time as the Gurux example server sends it (PROTOCOLS.md §11.5 shape)
	// and the SET example of PROTOCOLS.md §5.4: 07E50118FF0E303950FFC400.
	if err := c.SetAttribute(2, decode(t, "09 0C 07 E5 01 18 FF 0E 30 39 50 FF C4 00")); err != nil {
		t.Fatal(err)
	}
	c.SetAttribute(3, axdr.Int16(-60))
	c.SetAttribute(4, axdr.Uint8(0x80))
	c.SetAttribute(8, axdr.Bool(true))
	c.SetAttribute(9, axdr.Enum(1))
	got, err := c.UTC(axdr.DeviationNormal)
	want := time.Date(2021, 1, 24, 13, 48, 57, 800_000_000, time.UTC)
	if err != nil || !got.Equal(want) {
		t.Errorf("UTC = %v, %v, want %v", got, err, want)
	}
	drift, err := c.Drift(want.Add(-90*time.Second), axdr.DeviationNormal)
	if err != nil || drift != 90*time.Second {
		t.Errorf("Drift = %v, %v", drift, err)
	}
	if c.TimeZone != -60 || c.Status != axdr.StatusDST || !c.DSTEnabled || c.ClockBase != ClockBaseCrystal {
		t.Errorf("clock = %+v", c)
	}
	// no deviation in the time: time_zone stands in
	c.Time.Deviation = axdr.DeviationNotSpecified
	if got, err := c.UTC(axdr.DeviationNormal); err != nil || !got.Equal(want) {
		t.Errorf("UTC with time_zone = %v, %v", got, err)
	}
	if err := c.SetAttribute(3, axdr.Uint16(1)); !errors.Is(err, ErrShape) {
		t.Errorf("time_zone as long-unsigned: %v", err)
	}
	v := TimeValue(time.Date(2021, 1, 24, 14, 48, 57, 800_000_000, time.FixedZone("", 3600)))
	if enc, _ := axdr.Encode(v); hex.EncodeToString(enc) != "090c07e50118070e303950ffc400" {
		t.Errorf("TimeValue encodes %x", enc)
	}
}

// profileCaptureObjects is a GB-style load profile: clock, AMR status,
// import and export registers (built from PROTOCOLS.md §7.1 shapes).
const profileCaptureObjects = `01 04
	02 04 12 00 08 09 06 00 00 01 00 00 FF 0F 02 12 00 00
	02 04 12 00 01 09 06 00 00 60 0A 07 FF 0F 02 12 00 00
	02 04 12 00 03 09 06 01 00 01 08 00 FF 0F 02 12 00 00
	02 04 12 00 03 09 06 01 00 02 08 00 FF 0F 02 12 00 00`

const profileBuffer = `01 02
	02 04 09 0C 07 EA 01 01 04 00 00 00 00 00 00 00  11 00  06 00 00 30 39  06 00 00 00 07
	02 04 09 0C 07 EA 01 01 04 00 1E 00 00 00 00 00  11 08  06 00 00 30 3A  06 00 00 00 08`

func TestProfileGeneric(t *testing.T) {
	var p ProfileGeneric
	if err := p.SetAttribute(3, decode(t, profileCaptureObjects)); err != nil {
		t.Fatal(err)
	}
	p.SetAttribute(4, axdr.Uint32(1800))
	p.SetAttribute(7, axdr.Uint32(2))
	if len(p.Columns) != 4 || !p.Columns[0].Object.IsClockTime() || p.CapturePeriod != 1800 || p.EntriesInUse != 2 {
		t.Fatalf("profile = %+v", p)
	}
	objs := p.ScalerObjects()
	if len(objs) != 2 || objs[0].Attribute != 3 || objs[1].Instance != MustOBIS("1-0:2.8.0") {
		t.Errorf("ScalerObjects = %v", objs)
	}
	if n := p.SetScalerUnit(MustOBIS("1-0:1.8.0"), ScalerUnit{-3, UnitWattHour}); n != 1 {
		t.Errorf("SetScalerUnit applied to %d columns", n)
	}
	p.SetScalerUnit(MustOBIS("1-0:2.8.0"), ScalerUnit{0, UnitWattHour})
	buf := append(unhex(t, profileBuffer), 0xEE) // one trailing byte
	rows, n, err := p.Rows(buf)
	if err != nil || n != len(buf)-1 || len(rows) != 2 {
		t.Fatalf("Rows = %d rows, %d, %v", len(rows), n, err)
	}
	if got := p.Cell(rows[1], 2); got != "12.346 Wh" {
		t.Errorf("Cell(1, 2) = %q", got)
	}
	if got := p.Cell(rows[1], 3); got != "8 Wh" {
		t.Errorf("Cell(1, 3) = %q", got)
	}
	if got := p.Cell(rows[1], 0); got != "2026-01-01 Thu 00:30:00.00 dev 0 status 00" {
		t.Errorf("Cell(1, 0) = %q", got)
	}
	if p.Columns[2].Name() != "Active energy import (+A), total" {
		t.Errorf("column name %q", p.Columns[2].Name())
	}
	// the tree path agrees
	v, _, _ := axdr.Decode(buf)
	rows2, err := p.RowsFromValue(v)
	if err != nil || len(rows2) != 2 || !rows2[1][2].Equal(rows[1][2]) {
		t.Errorf("RowsFromValue = %v, %v", rows2, err)
	}
	// typed scan, no tree
	type entry struct {
		at       axdr.DateTime
		status   uint8
		imp, exp uint32
	}
	var got []entry
	n, err = p.Scan(buf, func(i int, r *axdr.Reader) error {
		var e entry
		var err error
		if e.at, err = r.DateTime(); err != nil {
			return err
		}
		if e.status, err = r.Uint8(); err != nil {
			return err
		}
		if e.imp, err = r.Uint32(); err != nil {
			return err
		}
		e.exp, err = r.Uint32()
		got = append(got, e)
		return err
	})
	if err != nil || n != len(buf)-1 || len(got) != 2 || got[1].imp != 12346 || got[1].status != 8 || got[1].at.Minute != 30 {
		t.Errorf("Scan = %+v, %d, %v", got, n, err)
	}
	// a row with the wrong number of cells
	bad := unhex(t, "01 01 02 01 11 00")
	if _, _, err := p.Rows(bad); !errors.Is(err, ErrShape) {
		t.Errorf("Rows(short row) = %v", err)
	}
	if _, err := p.Scan(bad, func(int, *axdr.Reader) error { return nil }); !errors.Is(err, ErrShape) {
		t.Errorf("Scan(short row) = %v", err)
	}
	// more entries claimed than bytes can hold
	if _, _, err := p.Rows(unhex(t, "01 82 FF FF 02 04")); err == nil {
		t.Errorf("Rows accepted 65535 entries in 2 bytes")
	}
}

func TestProfileCompactBuffer(t *testing.T) {
	// A buffer sent as a compact-array of structure{long-unsigned, unsigned}.
	var p ProfileGeneric
	buf := unhex(t, "13 02 02 12 11 06 00 01 05 00 02 06")
	rows, n, err := p.Rows(buf)
	if err != nil || n != len(buf) || len(rows) != 2 || rows[1][1].Uint() != 6 {
		t.Errorf("Rows(compact) = %v, %d, %v", rows, n, err)
	}
}

func TestDescriptors(t *testing.T) {
	// PROTOCOLS.md §5.3: C0 01 C1 | 0001 00002B0100FF 02 | 00
	d := AttributeDescriptor{ClassData, MustOBIS("0.0.43.1.0.255"), 2}
	b := d.Append(nil)
	if hex.EncodeToString(b) != "000100002b0100ff02" {
		t.Errorf("Append = %x", b)
	}
	back, err := ParseAttributeDescriptor(b)
	if err != nil || back != d {
		t.Errorf("ParseAttributeDescriptor = %v, %v", back, err)
	}
	if d.String() != "Data 0-0:43.1.0*255 attribute 2 (value)" {
		t.Errorf("String = %q", d)
	}
	// PROTOCOLS.md §8.3 pass 3: 000F 0000280000FF 01
	m := MethodDescriptor{ClassAssociationLN, MustOBIS("0.0.40.0.0.255"), 1}
	if hex.EncodeToString(m.Append(nil)) != "000f0000280000ff01" {
		t.Errorf("method Append = %x", m.Append(nil))
	}
	if mb, err := ParseMethodDescriptor(m.Append(nil)); err != nil || mb != m {
		t.Errorf("ParseMethodDescriptor = %v, %v", mb, err)
	}
	if _, err := ParseAttributeDescriptor(b[:8]); !errors.Is(err, ErrShape) {
		t.Errorf("short descriptor: %v", err)
	}
}

func TestObjectList(t *testing.T) {
	// One element as in PROTOCOLS.md §7 (CAP block 1 prefix), completed by hand:
	// Association LN v2 0.0.40.0.0.255, attribute 1 read-only with no selectors,
	// attribute 2 read-only with selectors {1, 2}, method 1 access (enum 1).
	v := decode(t, `01 01 02 04 12 00 0F 11 02 09 06 00 00 28 00 00 FF
		02 02
			01 02  02 03 0F 01 16 01 00   02 03 0F 02 16 01 01 02 0F 01 0F 02
			01 01  02 02 0F 01 16 01`)
	list, err := ParseObjectList(v)
	if err != nil || len(list) != 1 {
		t.Fatalf("ParseObjectList = %v, %v", list, err)
	}
	e := list[0]
	if e.Class != ClassAssociationLN || e.Version != 2 || e.LogicalName != MustOBIS("0.0.40.0.0.255") {
		t.Errorf("element = %v", e)
	}
	if a, ok := e.Attribute(2); !ok || a.Access != ReadOnly || len(a.Selectors) != 2 || !a.Access.CanRead() || a.Access.CanWrite() {
		t.Errorf("attribute 2 access = %+v", a)
	}
	if len(e.Methods) != 1 || e.Methods[0].Access != 1 {
		t.Errorf("methods = %+v", e.Methods)
	}
	if e.String() != "Association LN v2 0-0:40.0.0*255 (Current association (Association LN))" {
		t.Errorf("String = %q", e)
	}
	for _, bad := range []string{"02 00", "01 01 02 03 12 00 0F 11 02 09 06 00 00 28 00 00 FF",
		"01 01 02 04 12 00 0F 11 02 09 05 00 00 28 00 00 02 02 01 00 01 00",
		"01 01 02 04 12 00 0F 11 02 09 06 00 00 28 00 00 FF 02 02 01 01 02 03 0F 01 16 01 11 00 01 00"} {
		if _, err := ParseObjectList(decode(t, bad)); !errors.Is(err, ErrShape) && !errors.Is(err, ErrBadOBIS) {
			t.Errorf("ParseObjectList(%s) = %v", bad, err)
		}
	}
}

func TestSelectiveAccessRoundTrip(t *testing.T) {
	d := RangeDescriptor{
		Restricting: ClockRestriction,
		From:        axdr.FromTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		To:          axdr.FromTime(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)),
		Columns:     []CaptureObject{ClockRestriction},
	}
	back, err := ParseRangeDescriptor(d.Value())
	if err != nil || back.From != d.From || back.To != d.To || len(back.Columns) != 1 || back.Restricting != d.Restricting {
		t.Errorf("ParseRangeDescriptor(Value()) = %+v, %v", back, err)
	}
	e := EntryDescriptor{FromEntry: 1, ToEntry: 0, FromValue: 1, ToValue: 0}
	if got, err := ParseEntryDescriptor(e.Value()); err != nil || got != e {
		t.Errorf("ParseEntryDescriptor(Value()) = %+v, %v", got, err)
	}
	if _, err := ParseEntryDescriptor(axdr.Structure()); !errors.Is(err, ErrShape) {
		t.Errorf("ParseEntryDescriptor(empty) = %v", err)
	}
}

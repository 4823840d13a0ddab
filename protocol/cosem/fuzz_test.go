package cosem

import (
	"reflect"
	"testing"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// FuzzObjectList feeds arbitrary bytes to ReadObjectList: no panic, and a
// list that parses survives Value and a second parse unchanged.
func FuzzObjectList(f *testing.F) {
	f.Add(unhex(f, `01 01 02 04 12 00 0F 11 02 09 06 00 00 28 00 00 FF 02 02
		01 02 02 03 0F 01 16 01 00 02 03 0F 02 16 01 01 02 0F 01 0F 02 01 01 02 02 0F 01 16 01`))
	f.Add(unhex(f, "01 00"))
	f.Add(unhex(f, "01 01 02 04 12 00 08 11 00 09 06 00 00 01 00 00 FF 02 02 01 00 01 01 02 02 0F 01 03 01"))
	f.Fuzz(func(t *testing.T, in []byte) {
		list, n, err := ReadObjectList(in)
		if err != nil {
			return
		}
		if n > len(in) {
			t.Fatalf("ReadObjectList consumed %d of %d", n, len(in))
		}
		back, err := ParseObjectList(ObjectListValue(list))
		if err != nil || !reflect.DeepEqual(back, list) && !(len(back) == 0 && len(list) == 0) {
			t.Fatalf("ParseObjectList(ObjectListValue(%v)) = %v, %v", list, back, err)
		}
		for _, e := range list {
			_ = e.String()
		}
	})
}

// FuzzProfileRows feeds arbitrary buffers to Rows and Scan, with and
// without columns: no panic, and Rows and the tree path agree.
func FuzzProfileRows(f *testing.F) {
	f.Add(unhex(f, profileBuffer), true)
	f.Add(unhex(f, profileBuffer), false)
	f.Add(unhex(f, "13 02 02 12 11 06 00 01 05 00 02 06"), false)
	f.Add(unhex(f, "01 82 FF FF 02 04"), true)
	var cols ProfileGeneric
	if err := cols.SetAttribute(3, decode(f, profileCaptureObjects)); err != nil {
		f.Fatal(err)
	}
	cols.SetScalerUnit(MustOBIS("1-0:1.8.0"), ScalerUnit{-3, UnitWattHour})
	f.Fuzz(func(t *testing.T, in []byte, withColumns bool) {
		p := ProfileGeneric{}
		if withColumns {
			p = cols
		}
		rows, n, err := p.Rows(in)
		if err == nil {
			if n > len(in) {
				t.Fatalf("Rows consumed %d of %d", n, len(in))
			}
			v, vn, derr := axdr.Decode(in)
			if derr != nil || vn != n {
				t.Fatalf("Rows took %d bytes but Decode %d, %v", n, vn, derr)
			}
			tree, terr := p.RowsFromValue(v)
			if terr != nil || len(tree) != len(rows) {
				t.Fatalf("RowsFromValue = %d rows, %v; Rows %d", len(tree), terr, len(rows))
			}
			for i := range rows {
				for j := range rows[i] {
					if !rows[i][j].Equal(tree[i][j]) {
						t.Fatalf("row %d cell %d: %v vs %v", i, j, rows[i][j], tree[i][j])
					}
					_ = p.Cell(rows[i], j)
				}
			}
		}
		_, _ = p.Scan(in, func(_ int, r *axdr.Reader) error {
			for range len(p.Columns) {
				if err := r.Skip(); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// FuzzViews feeds one decoded value to every typed view's parser.
func FuzzViews(f *testing.F) {
	for _, s := range []string{"02 02 0F FD 16 1E", "09 0C 07 E5 01 18 FF 0E 30 39 50 FF C4 00", profileCaptureObjects,
		"02 04 06 00 00 00 00 06 00 00 00 05 12 00 00 12 00 00", "10 FF C4", "06 00 00 30 39"} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		v, _, err := axdr.Decode(in)
		if err != nil {
			return
		}
		if su, err := ParseScalerUnit(v); err == nil {
			if back, err := ParseScalerUnit(su.Value()); err != nil || back != su {
				t.Fatalf("scaler_unit round trip %v: %v, %v", su, back, err)
			}
		}
		if d, err := ParseEntryDescriptor(v); err == nil {
			if back, err := ParseEntryDescriptor(d.Value()); err != nil || back != d {
				t.Fatalf("entry descriptor round trip %v: %v, %v", d, back, err)
			}
		}
		if d, err := ParseRangeDescriptor(v); err == nil {
			if _, err := ParseRangeDescriptor(d.Value()); err != nil {
				t.Fatalf("range descriptor round trip %v: %v", d, err)
			}
		}
		var c Clock
		var r ExtendedRegister
		var dr DemandRegister
		var p ProfileGeneric
		var a AssociationLN
		_, _ = ParseGSMCellInfo(v)
		for i := int8(1); i <= 11; i++ {
			_ = a.SetAttribute(i, v)
			_ = c.SetAttribute(i, v)
			_ = r.SetAttribute(i, v)
			_ = dr.SetAttribute(i, v)
			_ = p.SetAttribute(i, v)
		}
		_, _ = c.UTC(axdr.DeviationNormal)
		_ = r.String()
		_ = ScalerUnit{-3, UnitWattHour}.Format(v)
	})
}

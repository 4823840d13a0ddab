package diagnose

import (
	"reflect"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// oneRow is a row built on its own (three allocations), as the rows were
// before they shared backing: the reference appendProfileRows must match.
func oneRow(g *cosem.ProfileGeneric, r dlms.ProfileRow) ProfileRow {
	out := ProfileRow{Time: r.Time.UTC(), Cells: make([]string, len(r.Cells)),
		Values: make([]float64, len(r.Cells)), Numeric: make([]bool, len(r.Cells))}
	fillProfileRow(&out, g, r)
	return out
}

// A response's rows share backing but read as rows built one by one; a
// row's slices end at its own length, so appending to one cannot write
// into the next; rows of ragged width (a device may send them) too.
func TestAppendProfileRowsSharesBacking(t *testing.T) {
	g := &cosem.ProfileGeneric{Columns: []cosem.Column{
		{Object: cosem.CaptureObject{Class: cosem.ClassClock, LogicalName: cosem.MustOBIS("0.0.1.0.0.255"), Attribute: 2}},
		{Object: cosem.CaptureObject{Class: cosem.ClassRegister, LogicalName: cosem.MustOBIS("1.0.1.8.0.255"), Attribute: 2},
			ScalerUnit: cosem.ScalerUnit{Scaler: -3, Unit: 30}, Scaled: true},
		{Object: cosem.CaptureObject{Class: cosem.ClassData, LogicalName: cosem.MustOBIS("0.0.96.10.1.255"), Attribute: 2}},
	}}
	at := time.Date(2026, 1, 13, 12, 0, 0, 0, time.UTC)
	var rows []dlms.ProfileRow
	for i := range 5 {
		cells := cosem.Row{axdr.Null(), axdr.Uint32(uint32(1000 * i)), axdr.Uint8(uint8(i))}
		if i == 3 {
			cells = cells[:2] // ragged
		}
		rows = append(rows, dlms.ProfileRow{Time: at.Add(time.Duration(i) * 30 * time.Minute), Cells: cells})
	}
	prefix := []ProfileRow{{Time: at.Add(-time.Hour)}}
	got := appendProfileRows(prefix, g, rows)
	if len(got) != 1+len(rows) || !reflect.DeepEqual(got[0], prefix[0]) {
		t.Fatalf("got %d rows, want the prefix and %d", len(got), len(rows))
	}
	for i, r := range rows {
		want, row := oneRow(g, r), got[1+i]
		if !reflect.DeepEqual(row, want) {
			t.Errorf("row %d = %+v, want %+v", i, row, want)
		}
		if cap(row.Cells) != len(row.Cells) || cap(row.Values) != len(row.Values) || cap(row.Numeric) != len(row.Numeric) {
			t.Errorf("row %d: caps %d/%d/%d beyond its %d cells", i, cap(row.Cells), cap(row.Values), cap(row.Numeric), len(row.Cells))
		}
	}
	if v := got[2].Values[1]; v != 1 || !got[2].Numeric[1] {
		t.Errorf("row 1's energy = %v (numeric %v), want 1 kWh scaled", v, got[2].Numeric[1])
	}
	_ = append(got[1].Cells, "x")
	if got[2].Cells[0] != oneRow(g, rows[1]).Cells[0] {
		t.Errorf("appending to row 0 changed row 1")
	}
	// Formatting the cells allocates as before; the rows' slices take 3
	// allocations a response instead of 3 a row (the race detector's
	// instrumentation adds a couple: at least 2 a row fewer).
	dst := make([]ProfileRow, 0, len(rows))
	shared := testing.AllocsPerRun(20, func() { appendProfileRows(dst, g, rows) })
	apart := testing.AllocsPerRun(20, func() {
		for _, r := range rows {
			_ = append(dst, oneRow(g, r))
		}
	})
	if want := apart - float64(2*len(rows)); shared > want {
		t.Errorf("%v allocations for %d rows, want at most %v (%v built one by one)", shared, len(rows), want, apart)
	}
}

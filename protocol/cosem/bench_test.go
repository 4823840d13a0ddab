package cosem

import (
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// yearProfile builds a year of half-hourly entries with the columns of
// profileCaptureObjects: clock, status, import, export.
func yearProfile(tb testing.TB) (ProfileGeneric, []byte) {
	tb.Helper()
	var p ProfileGeneric
	if err := p.SetAttribute(3, decode(tb, profileCaptureObjects)); err != nil {
		tb.Fatal(err)
	}
	p.SetScalerUnit(MustOBIS("1-0:1.8.0"), ScalerUnit{-3, UnitWattHour})
	const n = 17520
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]axdr.Value, n)
	for i := range rows {
		rows[i] = axdr.Structure(axdr.OctetString(axdr.FromTime(start.Add(time.Duration(i)*30*time.Minute)).AppendBody(nil)),
			axdr.Uint8(0), axdr.Uint32(uint32(1000+7*i)), axdr.Uint32(uint32(2*i)))
	}
	buf, err := axdr.Encode(axdr.Array(rows...))
	if err != nil {
		tb.Fatal(err)
	}
	return p, buf
}

// BenchmarkProfileRows measures ProfileGeneric.Rows: every cell as an
// axdr.Value, cells of all rows in one allocation.
func BenchmarkProfileRows(b *testing.B) {
	p, buf := yearProfile(b)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.Rows(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "buffer-bytes")
	b.ReportMetric(17520, "rows")
}

// BenchmarkProfileScan measures ProfileGeneric.Scan into typed rows.
func BenchmarkProfileScan(b *testing.B) {
	p, buf := yearProfile(b)
	type row struct {
		at       axdr.DateTime
		status   uint8
		imp, exp uint32
	}
	rows := make([]row, 17520)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		_, err := p.Scan(buf, func(i int, r *axdr.Reader) error {
			w := &rows[i]
			if err := r.DateTimeTo(&w.at); err != nil {
				return err
			}
			var err error
			if w.status, err = r.Uint8(); err != nil {
				return err
			}
			if w.imp, err = r.Uint32(); err != nil {
				return err
			}
			w.exp, err = r.Uint32()
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "buffer-bytes")
	b.ReportMetric(17520, "rows")
}

// BenchmarkProfileCells measures what a readout does with a year of rows:
// decode them and format every cell with its column's scaler and unit
// (ProfileGeneric.Cell), the desktop app's table text.
func BenchmarkProfileCells(b *testing.B) {
	p, buf := yearProfile(b)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		rows, _, err := p.Rows(buf)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			for j := range r {
				_ = p.Cell(r, j)
			}
		}
	}
	b.ReportMetric(17520, "rows")
}

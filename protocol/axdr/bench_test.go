package axdr

import (
	"runtime"
	"testing"
	"time"
)

// profileRow is one half-hourly entry of the benchmark profile: the shape
// of a GB import/export load profile (time stamp, AMR status, two
// cumulative energy registers).
type profileRow struct {
	Time   DateTime
	Status uint8
	Import uint32
	Export uint32
}

const profileRows = 17520 // one year of half hours

// profileBuffer builds the A-XDR encoding of a Profile generic buffer of n
// rows: array of structure{octet-string(12) date-time, unsigned status,
// double-long-unsigned import, double-long-unsigned export}.
func profileBuffer(tb testing.TB, n int) []byte {
	tb.Helper()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	buf := append([]byte{byte(TypeArray)}, AppendLength(nil, n)...)
	for i := range n {
		dt := FromTime(start.Add(time.Duration(i) * 30 * time.Minute))
		buf = append(buf, byte(TypeStructure), 4, byte(TypeOctetString), 12)
		buf = dt.AppendBody(buf)
		buf = append(buf, byte(TypeUnsigned), byte(i%3))
		imp, exp := uint32(1000+i*7), uint32(i*2)
		buf = append(buf, byte(TypeDoubleLongUnsigned), byte(imp>>24), byte(imp>>16), byte(imp>>8), byte(imp))
		buf = append(buf, byte(TypeDoubleLongUnsigned), byte(exp>>24), byte(exp>>16), byte(exp>>8), byte(exp))
	}
	return buf
}

// readProfile walks buf straight into rows (reused across calls).
func readProfile(r *Reader, buf []byte, rows []profileRow) ([]profileRow, error) {
	r.Reset(buf)
	n, err := r.EnterArray()
	if err != nil {
		return rows, err
	}
	if cap(rows) < n {
		rows = make([]profileRow, 0, n)
	}
	rows = rows[:n]
	for i := range rows {
		if _, err := r.EnterStructure(); err != nil {
			return rows, err
		}
		row := &rows[i]
		if err = r.DateTimeTo(&row.Time); err != nil {
			return rows, err
		}
		if row.Status, err = r.Uint8(); err != nil {
			return rows, err
		}
		if row.Import, err = r.Uint32(); err != nil {
			return rows, err
		}
		if row.Export, err = r.Uint32(); err != nil {
			return rows, err
		}
	}
	return rows, nil
}

func TestProfileWalk(t *testing.T) {
	buf := profileBuffer(t, 100)
	rows, err := readProfile(NewReader(nil), buf, nil)
	if err != nil || len(rows) != 100 {
		t.Fatalf("readProfile: %d rows, %v", len(rows), err)
	}
	if r := rows[99]; r.Import != 1000+99*7 || r.Export != 198 || r.Status != 0 || r.Time.Hour != 1 || r.Time.Minute != 30 || r.Time.Day != 3 {
		t.Errorf("row 99 = %+v", r)
	}
	v, n, err := Decode(buf)
	if err != nil || n != len(buf) || v.Len() != 100 || v.Index(99).Index(2).Uint() != 1000+99*7 {
		t.Fatalf("Decode: %d of %d, %v", n, len(buf), err)
	}
	enc, err := Append(nil, v)
	if err != nil || string(enc) != string(buf) {
		t.Errorf("re-encoding the profile differs: %v", err)
	}
}

// BenchmarkProfileStreaming measures Reader on a year of half-hourly rows,
// decoded into typed rows with no tree.
func BenchmarkProfileStreaming(b *testing.B) {
	buf := profileBuffer(b, profileRows)
	r := NewReader(nil)
	rows := make([]profileRow, 0, profileRows)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	m0 := startAllocs(b)
	for b.Loop() {
		var err error
		if rows, err = readProfile(r, buf, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportProfile(b, buf, m0)
}

// BenchmarkProfileTree measures Decode of the same buffer into a Value tree.
func BenchmarkProfileTree(b *testing.B) {
	buf := profileBuffer(b, profileRows)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	m0 := startAllocs(b)
	for b.Loop() {
		if _, _, err := Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportProfile(b, buf, m0)
}

// BenchmarkProfileSkip measures Skip over the same buffer.
func BenchmarkProfileSkip(b *testing.B) {
	buf := profileBuffer(b, profileRows)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	m0 := startAllocs(b)
	for b.Loop() {
		if _, err := Skip(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportProfile(b, buf, m0)
}

// start marks the beginning of the measured loop: allocation count and
// process CPU time.
type start struct {
	mallocs uint64
	cpu     time.Duration
}

func startAllocs(b *testing.B) start {
	b.ResetTimer()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return start{ms.Mallocs, processCPU()}
}

// reportProfile adds the buffer size, the row count, allocations per row
// and MB per CPU second (process CPU time, where the platform reports it)
// to the result.
func reportProfile(b *testing.B, buf []byte, s start) {
	cpu := processCPU() - s.cpu
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(len(buf)), "buffer-bytes")
	b.ReportMetric(profileRows, "rows")
	b.ReportMetric(float64(ms.Mallocs-s.mallocs)/float64(b.N)/profileRows, "allocs/row")
	if cpu > 0 && s.cpu > 0 {
		b.ReportMetric(float64(len(buf))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
	b.Logf("buffer %d bytes, %d rows", len(buf), profileRows)
}

// handWalk is the reference point for BenchmarkProfileStreaming: a walk
// written for exactly this layout, checking only tags and bounds.
func handWalk(buf []byte, rows []profileRow) ([]profileRow, bool) {
	if len(buf) < 4 || buf[0] != 0x01 || buf[1] != 0x82 {
		return rows, false
	}
	n := int(buf[2])<<8 | int(buf[3])
	b := buf[4:]
	if cap(rows) < n {
		rows = make([]profileRow, 0, n)
	}
	rows = rows[:n]
	for i := range rows {
		if len(b) < 28 || b[0] != 0x02 || b[1] != 4 || b[2] != 0x09 || b[3] != 12 || b[16] != 0x11 || b[18] != 0x06 || b[23] != 0x06 {
			return rows, false
		}
		rows[i] = profileRow{Time: dateTimeOf(b[4:16]), Status: b[17], Import: be32(b[19:]), Export: be32(b[24:])}
		b = b[28:]
	}
	return rows, true
}

// BenchmarkProfileHandWritten is the ceiling the streaming Reader is
// compared with, run on the same machine at the same time.
func BenchmarkProfileHandWritten(b *testing.B) {
	buf := profileBuffer(b, profileRows)
	rows := make([]profileRow, 0, profileRows)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	m0 := startAllocs(b)
	for b.Loop() {
		var ok bool
		if rows, ok = handWalk(buf, rows); !ok || len(rows) != profileRows {
			b.Fatal("hand walk failed")
		}
	}
	b.StopTimer()
	reportProfile(b, buf, m0)
}

// BenchmarkProfileTreeReuse measures a Decoder that keeps its memory from
// one buffer to the next (no allocation once warm).
func BenchmarkProfileTreeReuse(b *testing.B) {
	buf := profileBuffer(b, profileRows)
	var d Decoder
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	m0 := startAllocs(b)
	for b.Loop() {
		if _, _, err := d.Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportProfile(b, buf, m0)
}

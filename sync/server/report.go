package server

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"text/tabwriter"
	"time"
)

// Report is the performance report for a period: per Service Reference
// Variant, counts by outcome and by response code, and the time from the
// installer's action on site to its application by the service.
type Report struct {
	From     time.Time       `json:"from"`
	To       time.Time       `json:"to"`
	Variants []VariantReport `json:"variants"`
}

// VariantReport is one variant's line of a Report. Latencies are in
// milliseconds; percentiles use the nearest-rank method.
type VariantReport struct {
	Variant   string         `json:"variant"`
	Total     int            `json:"total"`
	Applied   int            `json:"applied"`   // success codes (I0, I99)
	Requested int            `json:"requested"` // of Applied, requests relayed toward the DCC (I99: reads 8.9, 11.2; restore 8.12.1)
	Rejected  int            `json:"rejected"`  // E codes
	ByCode    map[string]int `json:"byCode"`    // outcome code → count
	P50MS     int64          `json:"p50Ms"`
	P90MS     int64          `json:"p90Ms"`
	P99MS     int64          `json:"p99Ms"`
	MaxMS     int64          `json:"maxMs"`
}

// percentile returns the nearest-rank p-th percentile of sorted xs.
func percentile(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Report builds the report over requests received in [from, to).
func (s *Server) Report(ctx context.Context, from, to time.Time) (*Report, error) {
	rows, err := s.db.query(ctx, "SELECT variant, outcome_code, acted_at, applied_at FROM requests WHERE received_at >= ? AND received_at < ?", ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("read requests for report: %w", err)
	}
	defer rows.Close()
	byVariant := map[string]*VariantReport{}
	lat := map[string][]int64{}
	for rows.Next() {
		var variant, code string
		var acted, applied int64
		if err := rows.Scan(&variant, &code, &acted, &applied); err != nil {
			return nil, fmt.Errorf("read requests for report: %w", err)
		}
		v := byVariant[variant]
		if v == nil {
			v = &VariantReport{Variant: variant, ByCode: map[string]int{}}
			byVariant[variant] = v
		}
		v.Total++
		v.ByCode[code]++
		if code == "I0" || code == "I99" {
			v.Applied++
			if code == "I99" {
				v.Requested++
			}
		} else {
			v.Rejected++
		}
		lat[variant] = append(lat[variant], max(applied-acted, 0))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read requests for report: %w", err)
	}
	r := &Report{From: from.UTC(), To: to.UTC()}
	for name, v := range byVariant {
		xs := lat[name]
		slices.Sort(xs)
		v.P50MS, v.P90MS, v.P99MS, v.MaxMS = percentile(xs, 50), percentile(xs, 90), percentile(xs, 99), xs[len(xs)-1]
		r.Variants = append(r.Variants, *v)
	}
	sort.Slice(r.Variants, func(i, j int) bool { return r.Variants[i].Variant < r.Variants[j].Variant })
	return r, nil
}

// WriteText writes the report as an aligned table.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "period\t%s .. %s\n", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	fmt.Fprintln(tw, "variant\ttotal\tapplied\trequested\trejected\tcodes\tp50\tp90\tp99\tmax")
	for _, v := range r.Variants {
		codes := ""
		for _, c := range slices.Sorted(mapsKeys(v.ByCode)) {
			codes += fmt.Sprintf("%s=%d ", c, v.ByCode[c])
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", v.Variant, v.Total, v.Applied, v.Requested, v.Rejected, codes,
			dur(v.P50MS), dur(v.P90MS), dur(v.P99MS), dur(v.MaxMS))
	}
	return tw.Flush()
}

func dur(msec int64) string { return (time.Duration(msec) * time.Millisecond).String() }

func mapsKeys(m map[string]int) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

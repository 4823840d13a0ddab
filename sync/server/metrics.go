package server

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// metrics are the service's counters, written in the Prometheus text
// exposition format (version 0.0.4) by hand.
type metrics struct {
	mu        sync.Mutex
	requests  map[[2]string]uint64 // {variant, code}
	refused   map[string]uint64    // reason
	dups      uint64
	http      map[[2]string]uint64 // {route, status}
	applySum  float64
	applyN    uint64
	applyBkts []float64
	applyCnt  []uint64
}

func newMetrics() *metrics {
	b := []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1}
	return &metrics{requests: map[[2]string]uint64{}, refused: map[string]uint64{}, http: map[[2]string]uint64{},
		applyBkts: b, applyCnt: make([]uint64, len(b))}
}

func (m *metrics) observeSubmit(o *Outcome, err error, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		reason := "error"
		for _, s := range []error{ErrMalformed, ErrInvalid, ErrUnsupported, ErrForbidden, ErrReplay, ErrConflict, ErrTooLarge} {
			if errors.Is(err, s) {
				reason = strings.TrimPrefix(s.Error(), "server: ")
				break
			}
		}
		m.refused[reason]++
		return
	}
	if o.Duplicate {
		m.dups++
		return
	}
	m.requests[[2]string{o.Variant, string(o.OutcomeCode)}]++
	sec := d.Seconds()
	m.applySum += sec
	m.applyN++
	for i, b := range m.applyBkts {
		if sec <= b {
			m.applyCnt[i]++
		}
	}
}

func (m *metrics) observeHTTP(route string, status int) {
	m.mu.Lock()
	m.http[[2]string{route, fmt.Sprint(status)}]++
	m.mu.Unlock()
}

func sortedKeys[K comparable, V any](mp map[K]V, less func(a, b K) bool) []K {
	ks := make([]K, 0, len(mp))
	for k := range mp {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return less(ks[i], ks[j]) })
	return ks
}

func pairLess(a, b [2]string) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

func esc(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// WriteTo writes the exposition.
func (m *metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("# HELP inventoryd_service_requests_total Service requests applied, by variant and outcome code.\n# TYPE inventoryd_service_requests_total counter\n")
	for _, k := range sortedKeys(m.requests, pairLess) {
		fmt.Fprintf(&b, "inventoryd_service_requests_total{variant=\"%s\",code=\"%s\"} %d\n", esc(k[0]), esc(k[1]), m.requests[k])
	}
	b.WriteString("# HELP inventoryd_requests_refused_total Submissions refused before they could change anything, by reason.\n# TYPE inventoryd_requests_refused_total counter\n")
	for _, k := range sortedKeys(m.refused, func(a, b string) bool { return a < b }) {
		fmt.Fprintf(&b, "inventoryd_requests_refused_total{reason=\"%s\"} %d\n", esc(k), m.refused[k])
	}
	b.WriteString("# HELP inventoryd_idempotent_replays_total Replays answered with the original outcome.\n# TYPE inventoryd_idempotent_replays_total counter\n")
	fmt.Fprintf(&b, "inventoryd_idempotent_replays_total %d\n", m.dups)
	b.WriteString("# HELP inventoryd_apply_seconds Time to apply one service request.\n# TYPE inventoryd_apply_seconds histogram\n")
	for i, bk := range m.applyBkts {
		fmt.Fprintf(&b, "inventoryd_apply_seconds_bucket{le=\"%g\"} %d\n", bk, m.applyCnt[i])
	}
	fmt.Fprintf(&b, "inventoryd_apply_seconds_bucket{le=\"+Inf\"} %d\ninventoryd_apply_seconds_sum %g\ninventoryd_apply_seconds_count %d\n", m.applyN, m.applySum, m.applyN)
	b.WriteString("# HELP inventoryd_http_requests_total HTTP requests by route and status.\n# TYPE inventoryd_http_requests_total counter\n")
	for _, k := range sortedKeys(m.http, pairLess) {
		fmt.Fprintf(&b, "inventoryd_http_requests_total{route=\"%s\",status=\"%s\"} %d\n", esc(k[0]), esc(k[1]), m.http[k])
	}
	n, err := io.WriteString(w, b.String())
	return int64(n), err
}

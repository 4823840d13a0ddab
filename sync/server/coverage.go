package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/smetskit/smetskit/sync/api"
)

// Coverage import limits: a full GB postcode file has about 1.8 million
// rows (some 130 MB of JSON), which the command line takes; the HTTP
// endpoint takes a smaller update.
const (
	MaxCoverageRows      = 2_000_000
	MaxCoverageBytes     = 256 << 20
	MaxCoverageHTTPBytes = 32 << 20
)

// postcodeKey is the form coverage rows and jobs are matched on: upper
// case, no spaces ("ab1 2cd" and "AB12CD" are one postcode).
func postcodeKey(pc string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(pc), " ", ""))
}

// pcKeySQL is postcodeKey in SQL (SQLite and PostgreSQL alike).
const pcKeySQL = "UPPER(REPLACE(TRIM(j.postcode), ' ', ''))"

// ParseCoverage reads a coverage file: a JSON array of sync/api
// WANCoverage rows. Unknown fields, a bad row or a postcode given twice
// refuse the whole file; updatedAt in the file is ignored (the service
// stamps the time of import).
func ParseCoverage(r io.Reader) ([]api.WANCoverage, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxCoverageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read coverage: %w", err)
	}
	if len(b) > MaxCoverageBytes {
		return nil, &RequestError{Err: ErrTooLarge, Detail: fmt.Sprintf("coverage file over %d bytes", MaxCoverageBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var rows []api.WANCoverage
	if err := dec.Decode(&rows); err != nil {
		return nil, &RequestError{Err: ErrMalformed, Detail: "coverage JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &RequestError{Err: ErrMalformed, Detail: "coverage JSON: data after the array"}
	}
	if err := checkCoverage(rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// checkCoverage validates every row before anything is written.
func checkCoverage(rows []api.WANCoverage) error {
	if len(rows) > MaxCoverageRows {
		return &RequestError{Err: ErrMalformed, Detail: fmt.Sprintf("more than %d coverage rows", MaxCoverageRows)}
	}
	seen := make(map[string]int, len(rows))
	for i, c := range rows {
		k := postcodeKey(c.Postcode)
		bad := ""
		switch {
		case len(k) < 2 || len(c.Postcode) > 8:
			bad = "postcode must be 2–8 characters"
		case len(c.CSPRegion) > 32:
			bad = "cspRegion longer than 32"
		case c.Coverage != "yes" && c.Coverage != "partial" && c.Coverage != "no" && c.Coverage != "unknown":
			bad = "coverage must be yes, partial, no or unknown"
		}
		if j, dup := seen[k]; dup && bad == "" {
			bad = "postcode repeats row " + strconv.Itoa(j)
		}
		if bad != "" {
			return &RequestError{Err: ErrMalformed, Field: "wanCoverage[" + strconv.Itoa(i) + "]", Detail: bad}
		}
		seen[k] = i
	}
	return nil
}

// ImportCoverage stores SM WAN coverage rows (DOMAIN.md §8) in one
// transaction: the whole set or nothing. A row whose region or coverage
// changed takes a new change sequence number, so it reaches the next pull
// of every installer with a job at that postcode; an unchanged row is left
// alone. It returns how many rows changed. The import is audited.
func (s *Server) ImportCoverage(ctx context.Context, actor string, rows []api.WANCoverage) (int, error) {
	if err := checkCoverage(rows); err != nil {
		return 0, err
	}
	now := s.now()
	changed := 0
	err := s.db.InTx(ctx, func(tx *Tx) error {
		changed = 0
		// One sequence number per row, so a pull cut at MaxPullItems
		// falls between rows, never inside one import.
		base, err := tx.reserveSeqs(ctx, len(rows))
		if err != nil {
			return err
		}
		for i, c := range rows {
			seq := base + int64(i)
			res, err := tx.exec(ctx, `INSERT INTO wan_coverage (pc_key, postcode, csp_region, coverage, updated_at, change_seq)
				VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (pc_key) DO UPDATE SET postcode = excluded.postcode, csp_region = excluded.csp_region,
				coverage = excluded.coverage, updated_at = excluded.updated_at, change_seq = excluded.change_seq
				WHERE wan_coverage.csp_region <> excluded.csp_region OR wan_coverage.coverage <> excluded.coverage`,
				postcodeKey(c.Postcode), strings.TrimSpace(c.Postcode), c.CSPRegion, c.Coverage, ms(now), seq)
			if err != nil {
				return fmt.Errorf("store coverage of %s: %w", c.Postcode, err)
			}
			if n, err := res.RowsAffected(); err == nil {
				changed += int(n)
			}
		}
		return tx.audit(ctx, now, actor, "coverage.import", "wan_coverage",
			fmt.Sprintf("%d rows, %d changed", len(rows), changed))
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// reserveSeqs takes n change sequence numbers (under the write lock) and
// returns the first.
func (t *Tx) reserveSeqs(ctx context.Context, n int) (int64, error) {
	if _, err := t.exec(ctx, "UPDATE change_seq SET seq = seq + ? WHERE id = 1", int64(max(n, 1))); err != nil {
		return 0, fmt.Errorf("advance change sequence: %w", err)
	}
	var last int64
	if err := t.row(ctx, "SELECT seq FROM change_seq WHERE id = 1").Scan(&last); err != nil {
		return 0, fmt.Errorf("read change sequence: %w", err)
	}
	return last - int64(max(n, 1)) + 1, nil
}

// pullCoverage returns the coverage rows at the postcodes of the jobs in
// view that changed in (from, upto], or whose job came into view then (a
// job newly assigned brings its postcode's coverage with it). Each item's
// sequence is the later of the two in the window.
func (s *Server) pullCoverage(ctx context.Context, p Principal, from, upto int64) ([]seqItem, error) {
	q := `SELECT c.postcode, c.csp_region, c.coverage, c.updated_at, c.change_seq, j.change_seq
		FROM wan_coverage c JOIN jobs j ON c.pc_key = ` + pcKeySQL + `
		WHERE ((c.change_seq > ? AND c.change_seq <= ?) OR (j.change_seq > ? AND j.change_seq <= ?))`
	args := []any{from, upto, from, upto}
	if p.Role == RoleInstaller {
		q += " AND j.installer = ?"
		args = append(args, p.Name)
	}
	rows, err := s.db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("pull coverage: %w", err)
	}
	defer rows.Close()
	in := func(n int64) bool { return n > from && n <= upto }
	byKey := map[string]int{}
	var out []seqItem
	for rows.Next() {
		var c api.WANCoverage
		var upd, cseq, jseq int64
		if err := rows.Scan(&c.Postcode, &c.CSPRegion, &c.Coverage, &upd, &cseq, &jseq); err != nil {
			return nil, fmt.Errorf("pull coverage: %w", err)
		}
		c.UpdatedAt = fromMS(upd)
		seq := int64(0)
		if in(cseq) {
			seq = cseq
		}
		if in(jseq) && jseq > seq {
			seq = jseq
		}
		k := postcodeKey(c.Postcode)
		if i, ok := byKey[k]; ok {
			out[i].seq = max(out[i].seq, seq)
			continue
		}
		byKey[k] = len(out)
		out = append(out, seqItem{seq: seq, cov: &c})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pull coverage: %w", err)
	}
	sortSeq(out)
	return out, nil
}

func (s *Server) postCoverage(w http.ResponseWriter, r *http.Request, p Principal) error {
	b, err := readBody(w, r, MaxCoverageHTTPBytes)
	if err != nil {
		return err
	}
	rows, err := ParseCoverage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	n, err := s.ImportCoverage(r.Context(), p.Name, rows)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"rows": len(rows), "changed": n})
}

package server

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/sync/api"
)

// Pull cursors are "s<change sequence>"; "" starts from the beginning.
func parseCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(c, "s"), 10, 64)
	if err != nil || !strings.HasPrefix(c, "s") || n < 0 {
		return 0, &RequestError{Err: ErrMalformed, Field: "cursor", Detail: "cursor is not one this service gave"}
	}
	return n, nil
}

type seqItem struct {
	seq int64
	job *api.Job
	dev *api.Device
	rm  *api.Removed
	cov *api.WANCoverage
}

func sortSeq(items []seqItem) {
	sort.SliceStable(items, func(i, j int) bool { return items[i].seq < items[j].seq })
}

// Changes answers sync/api GET /v1/changes: the jobs, devices (MPxN masked
// for installers), WAN coverage of the jobs' postcodes and removals in p's
// view changed after cursor, the CPL on a first pull, and on every pull
// the service's public sealing key (SealKey). Sequence numbers commit in order under the write
// lock, so reading up to the committed sequence never skips a change.
func (s *Server) Changes(ctx context.Context, p Principal, cursor string) (*api.PullResponse, error) {
	from, err := parseCursor(cursor)
	if err != nil {
		return nil, err
	}
	var upto int64
	if err := s.db.row(ctx, "SELECT seq FROM change_seq WHERE id = 1").Scan(&upto); err != nil {
		return nil, fmt.Errorf("read change sequence: %w", err)
	}
	limit := api.MaxPullItems
	mine, args := "", []any{from, upto}
	if p.Role == RoleInstaller {
		mine, args = " AND j.installer = ?", append(args, p.Name)
	}
	var jobs, devs, rms []seqItem
	// Jobs.
	rows, err := s.db.query(ctx, `SELECT j.job_id, j.site, j.postcode, j.address, j.kind, j.status, j.scheduled_for, j.updated_at, j.change_seq
		FROM jobs j WHERE j.change_seq > ? AND j.change_seq <= ?`+mine+` ORDER BY j.change_seq LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, fmt.Errorf("pull jobs: %w", err)
	}
	for rows.Next() {
		var j api.Job
		var sched, upd, seq int64
		if err := rows.Scan(&j.JobID, &j.SiteID, &j.Postcode, &j.Address, &j.Kind, &j.Status, &sched, &upd, &seq); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pull jobs: %w", err)
		}
		j.ScheduledFor, j.UpdatedAt = fromMS(sched), fromMS(upd)
		jobs = append(jobs, seqItem{seq: seq, job: &j})
	}
	rows.Close()
	// Devices of the jobs in view.
	cols := strings.Split(deviceColumns, ",")
	for i := range cols {
		cols[i] = "d." + strings.TrimSpace(cols[i])
	}
	rows, err = s.db.query(ctx, `SELECT DISTINCT `+strings.Join(cols, ", ")+`, d.updated_at, d.change_seq, j.site
		FROM devices d JOIN job_devices jd ON jd.device_id = d.device_id JOIN jobs j ON j.job_id = jd.job_id
		WHERE d.change_seq > ? AND d.change_seq <= ?`+mine+` ORDER BY d.change_seq LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, fmt.Errorf("pull devices: %w", err)
	}
	for rows.Next() {
		var upd, seq int64
		var site string
		var x deviceScan
		if err := rows.Scan(append(x.targets(), &upd, &seq, &site)...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pull devices: %w", err)
		}
		d := x.finish()
		v := api.Device{DeviceID: d.ID.String(), DeviceType: string(d.Type), DeviceStatus: string(d.Status), Manufacturer: d.Manufacturer,
			Model: d.Model, FirmwareVersion: d.FirmwareVersion, ImportMPxN: d.ImportMPxN, SiteID: site, AssociatedCHF: euiText(d.CHF),
			UpdatedAt: fromMS(upd)}
		if p.Role != RoleBackOffice {
			v.ImportMPxN = inventory.MaskMPxN(d.ImportMPxN)
		}
		if s.cpl != nil {
			if st, _ := s.cpl.Statuses(d.Device); st != nil {
				v.CPLStatus = string(*st)
			}
		}
		devs = append(devs, seqItem{seq: seq, dev: &v})
	}
	rows.Close()
	// Removals: devices of jobs in view, and jobs reassigned away.
	rq := `SELECT r.seq, r.kind, r.id FROM removals r WHERE r.seq > ? AND r.seq <= ?`
	rargs := []any{from, upto}
	if p.Role == RoleInstaller {
		rq += ` AND ((r.kind = 'device' AND r.id IN (SELECT jd.device_id FROM job_devices jd JOIN jobs j ON j.job_id = jd.job_id WHERE j.installer = ?))
			OR (r.kind = 'job' AND r.id NOT IN (SELECT job_id FROM jobs WHERE installer = ?)))`
		rargs = append(rargs, p.Name, p.Name)
	}
	rows, err = s.db.query(ctx, rq+" ORDER BY r.seq LIMIT "+strconv.Itoa(limit+1), rargs...)
	if err != nil {
		return nil, fmt.Errorf("pull removals: %w", err)
	}
	for rows.Next() {
		var r api.Removed
		var seq int64
		if err := rows.Scan(&seq, &r.Kind, &r.ID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pull removals: %w", err)
		}
		rms = append(rms, seqItem{seq: seq, rm: &r})
	}
	rows.Close()
	covs, err := s.pullCoverage(ctx, p, from, upto)
	if err != nil {
		return nil, err
	}

	// A kind cut at the limit moves the cursor back to its last item, and
	// the other kinds are cut there too.
	cut, more := upto, false
	lists := [][]seqItem{jobs, devs, rms, covs}
	for _, list := range lists {
		if len(list) > limit {
			more = true
			cut = min(cut, list[limit-1].seq)
		}
	}
	resp := &api.PullResponse{Cursor: "s" + strconv.FormatInt(cut, 10), More: more,
		Jobs: []api.Job{}, Devices: []api.Device{}, CPL: []api.CPLEntry{}, WANCoverage: []api.WANCoverage{}, Removed: []api.Removed{}}
	for _, list := range lists {
		for _, it := range list {
			switch {
			case it.seq > cut:
			case it.job != nil:
				resp.Jobs = append(resp.Jobs, *it.job)
			case it.dev != nil:
				resp.Devices = append(resp.Devices, *it.dev)
			case it.rm != nil:
				resp.Removed = append(resp.Removed, *it.rm)
			case it.cov != nil:
				resp.WANCoverage = append(resp.WANCoverage, *it.cov)
			}
		}
	}
	if from == 0 && s.cpl != nil {
		for _, e := range s.cpl.Entries() {
			resp.CPL = append(resp.CPL, api.CPLEntry{DeviceType: string(e.DeviceType), Manufacturer: e.Manufacturer, Model: e.Model,
				HardwareVersion: e.HardwareVersion, FirmwareVersion: e.FirmwareVersion, Status: string(e.Status), GBCSVersion: e.GBCSVersion})
		}
		sort.Slice(resp.CPL, func(i, j int) bool {
			a, b := resp.CPL[i], resp.CPL[j]
			return a.Manufacturer+a.Model+a.FirmwareVersion < b.Manufacturer+b.Model+b.FirmwareVersion
		})
	}
	key, err := s.SealKey(ctx)
	if err != nil {
		return nil, err
	}
	resp.SealKey = &key
	return resp, nil
}

func (s *Server) getChanges(w http.ResponseWriter, r *http.Request, p Principal) error {
	resp, err := s.Changes(r.Context(), p, r.URL.Query().Get("cursor"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

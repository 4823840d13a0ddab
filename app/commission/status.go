package commission

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// RunStatus is a run as the UI shows it.
type RunStatus struct {
	JobID  string
	Flow   string
	Status string // running, failed, done
	Facts  map[string]string
	Steps  []StepStatus
	// ChangeableCodes lists, in plan order, the devices whose install code
	// SetInstallCode may still change (see there for when).
	ChangeableCodes []string
}

// StepStatus is one step of a run.
type StepStatus struct {
	ID, Title, Kind, SR string
	State               string // pending, done, skipped, failed
	Items               []ItemStatus
}

// ItemStatus is one item of a step: a device, a local command, or "-".
type ItemStatus struct {
	Item      string
	State     string
	Attempts  int
	Reason    Reason
	Hint      string
	Error     string
	RequestID string
	// JoinCode is the GBCS join response code (DOMAIN.md §10.3) of an item
	// that failed to join, when the hub gave one (JoinFailure gives its
	// meaning); 0 otherwise.
	JoinCode int
	// Missing names the answers a step that stopped for them
	// (ReasonMissingAnswer) still needs: those it stopped for, as stored
	// with the item, less any answered since (Answer). For an item stored
	// before the engine kept them, they are worked out from the run's
	// flow and plan.
	Missing  []string
	Evidence json.RawMessage
}

// Status returns the run of a job with every step's state, evidence, and
// for failed steps the reason and what to try.
func (e *Engine) Status(ctx context.Context, jobID string) (*RunStatus, error) {
	r, err := e.load(ctx, e.db.Reader(), jobID)
	if err != nil {
		return nil, err
	}
	rs := &RunStatus{JobID: jobID, Flow: r.plan.Flow, Status: r.status, Facts: r.facts}
	for _, s := range r.flow {
		ss := StepStatus{ID: s.ID, Title: s.Title, Kind: s.Kind, SR: s.SR, State: StatePending}
		if sk, ok := r.items[itemKey(s.ID, "-")]; ok && sk.Status == StateSkipped {
			ss.State = StateSkipped
			rs.Steps = append(rs.Steps, ss)
			continue
		}
		items := r.itemsOf(s)
		done := 0
		for _, it := range items {
			row, ok := r.items[itemKey(s.ID, it.key)]
			is := ItemStatus{Item: it.key, State: StatePending}
			if ok {
				is = ItemStatus{Item: it.key, State: row.Status, Attempts: row.Attempts, Reason: Reason(row.Reason), Hint: row.Hint,
					Error: row.Error, RequestID: row.RequestID, JoinCode: row.JoinCode, Evidence: row.Evidence}
				if is.State == StateFailed && is.Reason == ReasonMissingAnswer {
					is.Missing = r.stillMissing(s, row.Missing)
				}
			}
			switch is.State {
			case StateDone:
				done++
			case StateFailed:
				ss.State = StateFailed
			}
			ss.Items = append(ss.Items, is)
		}
		if ss.State != StateFailed && done == len(items) && (done > 0 || r.items[itemKey(s.ID, "-")].Status == StateDone) {
			ss.State = StateDone
		}
		if ss.State != StateFailed && len(items) == 0 && (r.status == StateDone || r.laterStarted(s.ID)) {
			ss.State = StateDone
		}
		rs.Steps = append(rs.Steps, ss)
	}
	for _, d := range r.plan.Devices {
		if r.codeLocked(d.ID) == "" {
			rs.ChangeableCodes = append(rs.ChangeableCodes, d.ID)
		}
	}
	return rs, nil
}

// stillMissing is what an item that stopped for answers still needs: the
// answers stored with it (or, for a row stored before they were, the
// step's Requires) that the plan does not have now.
func (r *run) stillMissing(s StepDef, stored []string) []string {
	if len(stored) == 0 {
		stored = s.Requires
	}
	var out []string
	for _, k := range stored {
		if r.plan.Answers[k] == "" {
			out = append(out, k)
		}
	}
	return out
}

// laterStarted reports whether any step after id has an item recorded.
func (r *run) laterStarted(id string) bool {
	after := false
	for _, s := range r.flow {
		if after {
			for k := range r.items {
				if len(k) > len(s.ID) && k[:len(s.ID)+1] == s.ID+"/" {
					return true
				}
			}
		}
		if s.ID == id {
			after = true
		}
	}
	return false
}

// RunSummary is one stored run, for the list of jobs to resume.
type RunSummary struct {
	JobID, Flow, Status string
	UpdatedAt           time.Time
}

// Runs lists the stored runs, most recently changed first: after a restart
// the UI offers to resume those not done.
func (e *Engine) Runs(ctx context.Context) ([]RunSummary, error) {
	rows, err := e.db.Reader().QueryContext(ctx, `SELECT job_id, flow, status, updated_at FROM commission_runs ORDER BY updated_at DESC, job_id`)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var out []RunSummary
	for rows.Next() {
		var r RunSummary
		var at int64
		if err := rows.Scan(&r.JobID, &r.Flow, &r.Status, &at); err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		r.UpdatedAt = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

package outbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Get returns message id.
func (o *Outbox) Get(ctx context.Context, id int64) (Message, error) {
	m, err := scanMessage(o.rd.QueryRowContext(ctx, `SELECT `+columns+` FROM outbox_messages m WHERE m.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, fmt.Errorf("get message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Message{}, fmt.Errorf("get message %d: %w", id, err)
	}
	return m, nil
}

// Filter selects messages for Messages. Empty fields match everything.
type Filter struct {
	JobID  string
	States []State
	Limit  int // default 1000
}

// Messages lists messages in id order: a job's history, or the dead letters
// (Filter{States: []State{Dead}}).
func (o *Outbox) Messages(ctx context.Context, f Filter) ([]Message, error) {
	q := `SELECT ` + columns + ` FROM outbox_messages m WHERE 1 = 1`
	var args []any
	if f.JobID != "" {
		q += ` AND m.job_id = ?`
		args = append(args, f.JobID)
	}
	if len(f.States) > 0 {
		q += ` AND m.state IN (?` + strings.Repeat(", ?", len(f.States)-1) + `)`
		for _, s := range f.States {
			args = append(args, string(s))
		}
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	q += ` ORDER BY m.id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := o.rd.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return out, nil
}

// JobStatus sums up a job's messages for the UI.
type JobStatus string

// The job statuses, most urgent first.
const (
	// NeedsAttention: a message is dead or rejected; the engineer must retry
	// or discard it before the rest of the job can go.
	NeedsAttention JobStatus = "needs attention"
	// Waiting: messages are queued or being sent.
	Waiting JobStatus = "waiting"
	// AllApplied: every message was applied (or discarded): the server has
	// the whole job; safe to leave site as far as sync goes.
	AllApplied JobStatus = "applied"
)

// JobState counts a job's messages by state.
type JobState struct {
	JobID                      string
	Pending, InFlight, Applied int
	Rejected, Dead, Discarded  int
	// Blocked counts pending messages whose parent is dead or rejected:
	// they cannot go until the parent (maybe in another job) is retried.
	Blocked   int
	LastError string // of the newest dead or rejected message
	Updated   time.Time
}

// Status is the one-word summary of the job.
func (j JobState) Status() JobStatus {
	switch {
	case j.Rejected+j.Dead+j.Blocked > 0:
		return NeedsAttention
	case j.Pending+j.InFlight > 0:
		return Waiting
	default:
		return AllApplied
	}
}

// String is what a job list shows: "3 waiting", "applied", "needs attention".
func (j JobState) String() string {
	if s := j.Status(); s != Waiting {
		return string(s)
	}
	return fmt.Sprintf("%d waiting", j.Pending+j.InFlight)
}

const jobStateQuery = `SELECT job_id,
	sum(state = 'pending'), sum(state = 'inflight'), sum(state = 'applied'),
	sum(state = 'rejected'), sum(state = 'dead'), sum(state = 'discarded'),
	sum(state = 'pending' AND parent_id IS NOT NULL AND EXISTS (SELECT 1 FROM outbox_messages p
		WHERE p.id = m.parent_id AND p.state IN ('dead', 'rejected'))),
	coalesce((SELECT last_error FROM outbox_messages x WHERE x.job_id = m.job_id
		AND x.state IN ('dead', 'rejected') ORDER BY x.updated_at DESC, x.id DESC LIMIT 1),
		(SELECT 'waits for message ' || p.id || ' of job ' || p.job_id || ', which is ' || p.state
		FROM outbox_messages c JOIN outbox_messages p ON p.id = c.parent_id
		WHERE c.job_id = m.job_id AND c.state = 'pending' AND p.state IN ('dead', 'rejected')
		ORDER BY c.id LIMIT 1), ''),
	max(updated_at)
	FROM outbox_messages m`

func scanJob(s scanner) (JobState, error) {
	var j JobState
	var updated int64
	err := s.Scan(&j.JobID, &j.Pending, &j.InFlight, &j.Applied, &j.Rejected, &j.Dead, &j.Discarded, &j.Blocked, &j.LastError, &updated)
	j.Updated = ms(updated)
	return j, err
}

// Job returns the state of one job; a job with no messages is ErrNotFound.
func (o *Outbox) Job(ctx context.Context, jobID string) (JobState, error) {
	j, err := scanJob(o.rd.QueryRowContext(ctx, jobStateQuery+` WHERE job_id = ? GROUP BY job_id`, jobID))
	if errors.Is(err, sql.ErrNoRows) {
		return JobState{}, fmt.Errorf("job %s: %w", jobID, ErrNotFound)
	}
	if err != nil {
		return JobState{}, fmt.Errorf("job %s: %w", jobID, err)
	}
	return j, nil
}

// Jobs returns the state of every job with messages, most recently changed
// first.
func (o *Outbox) Jobs(ctx context.Context) ([]JobState, error) {
	rows, err := o.rd.QueryContext(ctx, jobStateQuery+` GROUP BY job_id ORDER BY max(updated_at) DESC, job_id`)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []JobState
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

package commission

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// Item states.
const (
	StatePending = "pending"
	StateDone    = "done"
	StateSkipped = "skipped"
	StateFailed  = "failed"
	// stateDelivered: a local command's response is kept, its 8.13 not
	// yet queued.
	stateDelivered = "delivered"
	// stateDelivering: a local command is about to go to the hub.
	stateDelivering = "delivering"
)

// Options configure an Engine. The zero value uses the built-in flows, the
// default inventory rules and the system clock.
type Options struct {
	Flows map[string]Flow
	Rules *inventory.Rules
	Now   func() time.Time
	// RecentWithin is how recent a device's last communication must be for
	// the post-checks (default 1 h).
	RecentWithin time.Duration
	// StepTimeout bounds each item's device I/O (default 2 min).
	StepTimeout time.Duration
	// JoinPoll is how often the join step rereads the hub's device log while
	// it waits, up to the join period, for a device to join (default 5 s).
	JoinPoll time.Duration
	// Sealer, when set, seals install codes in stored plans (AES-GCM bound
	// to the device ID). Without it they are stored as given.
	Sealer *inventory.Sealer
	// ServerKey returns the inventory service's public sealing key as last
	// synced down with the jobs (api.PullResponse.SealKey), or nil when
	// none is known. The evidence message carries each install code sealed
	// to it (api.SealFor, the device ID as context); without a key the
	// codes are left out of the message, and the evidence step says so.
	// Install codes never travel in clear in the evidence. The default is
	// StoredServerKey(db): the key the sync client keeps from its pulls.
	ServerKey func(ctx context.Context) (*api.SealKey, error)
}

// Engine runs commissioning flows for jobs, one committed transaction per
// step item: the item's state, its evidence, the facts it found and the
// outbox message it produces (with its Request ID counter) commit together,
// so a run killed at any point resumes where it stopped and never queues a
// message twice.
type Engine struct {
	db     *store.DB
	flows  map[string]Flow
	rules  *inventory.Rules
	now    func() time.Time
	recent time.Duration
	// hook, set by tests, is called inside each item's transaction just
	// before it commits ("commit") and just after ("committed").
	hook        func(point, step, item string)
	sealer      *inventory.Sealer
	serverKey   func(context.Context) (*api.SealKey, error)
	stepTimeout time.Duration
	joinPoll    time.Duration

	mu      sync.Mutex
	running map[string]bool // jobs with a Run in progress
}

// New returns an engine on db (Migrate must have run).
func New(db *store.DB, opt Options) (*Engine, error) {
	e := &Engine{db: db, flows: opt.Flows, rules: opt.Rules, now: opt.Now, recent: opt.RecentWithin, sealer: opt.Sealer, serverKey: opt.ServerKey}
	if e.flows == nil {
		fs, err := Flows()
		if err != nil {
			return nil, err
		}
		e.flows = fs
	}
	if e.rules == nil {
		e.rules = inventory.DefaultRules()
	}
	if e.serverKey == nil {
		e.serverKey = StoredServerKey(db)
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.recent <= 0 {
		e.recent = time.Hour
	}
	e.stepTimeout, e.joinPoll = opt.StepTimeout, opt.JoinPoll
	if e.stepTimeout <= 0 {
		e.stepTimeout = 2 * time.Minute
	}
	if e.joinPoll <= 0 {
		e.joinPoll = 5 * time.Second
	}
	return e, nil
}

// run is a loaded run.
type run struct {
	plan   Plan
	flow   Flow
	facts  map[string]string
	status string
	items  map[string]itemRow // by step/item
}

type itemRow struct {
	Status, Reason, Hint, Error, RequestID string
	Attempts                               int
	JoinCode                               int
	Evidence                               json.RawMessage
	// Missing names the answers the item stopped for (ReasonMissingAnswer).
	Missing []string
}

func itemKey(step, item string) string { return step + "/" + item }

// Start creates the run for plan.JobID. Starting again with the same plan
// is a no-op (the run resumes); another plan for a started job is
// ErrRunExists.
func (e *Engine) Start(ctx context.Context, p Plan) error {
	if _, ok := e.flows[p.Flow]; !ok {
		return fmt.Errorf("start %s: flow %q: %w", p.JobID, p.Flow, ErrUnknownFlow)
	}
	if p.Answers == nil {
		p.Answers = map[string]string{}
	}
	p.Devices = append([]Device(nil), p.Devices...)
	for i := range p.Devices {
		p.Devices[i].InstallCode = strings.ToUpper(p.Devices[i].InstallCode)
	}
	sealed, err := sealPlan(e.sealer, p)
	if err != nil {
		return fmt.Errorf("start %s: %w", p.JobID, err)
	}
	b, err := json.Marshal(sealed)
	if err != nil {
		return fmt.Errorf("start %s: %w", p.JobID, err)
	}
	// Compare as stored: JSON drops what JSON cannot carry (monotonic
	// clock readings, nil versus empty).
	var want Plan
	if err := json.Unmarshal(b, &want); err != nil {
		return fmt.Errorf("start %s: %w", p.JobID, err)
	}
	return e.db.InTx(ctx, func(tx *sql.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT plan FROM commission_runs WHERE job_id = ?`, p.JobID).Scan(&old)
		if err == nil {
			var op Plan
			if json.Unmarshal([]byte(old), &op) == nil && openPlan(e.sealer, &op) == nil && openPlan(e.sealer, &want) == nil &&
				reflect.DeepEqual(op, want) {
				return nil
			}
			return fmt.Errorf("start %s: %w", p.JobID, ErrRunExists)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("start %s: %w", p.JobID, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO commission_runs (job_id, flow, plan, status, updated_at) VALUES (?, ?, ?, 'running', ?)`,
			p.JobID, p.Flow, string(b), e.now().UTC().UnixMilli())
		return err
	})
}

// Answer merges the engineer's answers into the run's plan; a step that
// failed for a missing answer then passes when Run is called again.
func (e *Engine) Answer(ctx context.Context, jobID string, answers map[string]string) error {
	return e.updatePlan(ctx, jobID, func(p *Plan) { maps.Copy(p.Answers, answers) })
}

func (e *Engine) load(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, jobID string) (*run, error) {
	var planJSON, factsJSON, flow string
	r := &run{items: map[string]itemRow{}}
	err := q.QueryRowContext(ctx, `SELECT flow, plan, facts, status FROM commission_runs WHERE job_id = ?`, jobID).Scan(&flow, &planJSON, &factsJSON, &r.status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("job %s: %w", jobID, ErrNoRun)
	}
	if err != nil {
		return nil, fmt.Errorf("load run %s: %w", jobID, err)
	}
	if err := json.Unmarshal([]byte(planJSON), &r.plan); err != nil {
		return nil, fmt.Errorf("load run %s plan: %w", jobID, err)
	}
	if err := openPlan(e.sealer, &r.plan); err != nil {
		return nil, fmt.Errorf("load run %s: %w", jobID, err)
	}
	if err := json.Unmarshal([]byte(factsJSON), &r.facts); err != nil {
		return nil, fmt.Errorf("load run %s facts: %w", jobID, err)
	}
	if r.facts == nil {
		r.facts = map[string]string{}
	}
	if r.plan.Answers == nil {
		r.plan.Answers = map[string]string{}
	}
	var ok bool
	if r.flow, ok = e.flows[flow]; !ok {
		return nil, fmt.Errorf("load run %s: flow %q: %w", jobID, flow, ErrUnknownFlow)
	}
	rows, err := q.QueryContext(ctx, `SELECT step_id, item, status, attempts, evidence, reason, hint, error, request_id, join_code, missing FROM commission_items WHERE job_id = ?`, jobID)
	if err != nil {
		return nil, fmt.Errorf("load run %s items: %w", jobID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var step, item, ev, missing string
		var it itemRow
		if err := rows.Scan(&step, &item, &it.Status, &it.Attempts, &ev, &it.Reason, &it.Hint, &it.Error, &it.RequestID, &it.JoinCode, &missing); err != nil {
			return nil, fmt.Errorf("load run %s items: %w", jobID, err)
		}
		it.Evidence = json.RawMessage(ev)
		if err := json.Unmarshal([]byte(missing), &it.Missing); err != nil {
			return nil, fmt.Errorf("load run %s item %s/%s missing answers: %w", jobID, step, item, err)
		}
		r.items[itemKey(step, item)] = it
	}
	return r, rows.Err()
}

// item is one unit of work of a step.
type item struct {
	key string
	dev *Device
	cmd *LocalCommand
}

func (r *run) itemsOf(s StepDef) []item {
	if s.Kind == KindDeliverLocal {
		out := make([]item, len(r.plan.LocalCommands))
		for i := range r.plan.LocalCommands {
			c := &r.plan.LocalCommands[i]
			out[i] = item{key: c.OriginalRequestID, cmd: c}
		}
		return out
	}
	if len(s.ForEach) == 0 {
		return []item{{key: "-"}}
	}
	var out []item
	for _, d := range r.plan.items(s) {
		out = append(out, item{key: d.ID, dev: &d})
	}
	return out
}

// outcome is what a step item produced: evidence, facts for later steps,
// and the message to queue (built inside the transaction, where Request ID
// counters are allocated).
type outcome struct {
	evidence any
	facts    map[string]string
	message  func(ctx context.Context, tx *sql.Tx) (outbox.Message, string, error) // message, request ID
}

// Run runs the job's flow from where it stopped until it completes
// (nil) or a step fails (*StepError, stored with the step for Status). hub
// may be nil when no hub is connected; steps that need one then fail with
// ReasonNoHub. Run is safe to call again after any failure or crash: items
// already done are not repeated. A second Run of a job while one is in
// progress returns ErrRunning.
func (e *Engine) Run(ctx context.Context, jobID string, hub Hub) error {
	release, ok := e.claim(jobID)
	if !ok {
		return fmt.Errorf("run %s: %w", jobID, ErrRunning)
	}
	defer release()
	r, err := e.load(ctx, e.db.Reader(), jobID)
	if err != nil {
		return err
	}
	if r.status == StateDone {
		return nil
	}
	for seq, s := range r.flow {
		if !s.applies(r.facts, r.plan.Answers) {
			if _, ok := r.items[itemKey(s.ID, "-")]; !ok {
				if err := e.commit(ctx, r, seq, s, "-", StateSkipped, outcome{evidence: map[string]string{"when": s.When}}, nil); err != nil {
					return err
				}
			}
			continue
		}
		for _, it := range r.itemsOf(s) {
			if st := r.items[itemKey(s.ID, it.key)].Status; st == StateDone || st == StateSkipped {
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, e.stepTimeout)
			out, serr := e.exec(sctx, r, s, it, hub)
			cancel()
			if serr != nil {
				if err := e.commit(ctx, r, seq, s, it.key, StateFailed, outcome{}, serr); err != nil {
					return errors.Join(serr, err)
				}
				return serr
			}
			if err := e.commit(ctx, r, seq, s, it.key, StateDone, out, nil); err != nil {
				return err
			}
		}
	}
	return e.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE commission_runs SET status = 'done', updated_at = ? WHERE job_id = ?`, e.now().UTC().UnixMilli(), jobID)
		return err
	})
}

// commit stores one item's result, its facts and its message in one
// transaction, and updates r to match once committed.
func (e *Engine) commit(ctx context.Context, r *run, seq int, s StepDef, key, status string, out outcome, serr *StepError) error {
	ev, err := json.Marshal(out.evidence)
	if err != nil {
		return fmt.Errorf("commit %s/%s: encode evidence: %w", s.ID, key, err)
	}
	facts := maps.Clone(r.facts)
	maps.Copy(facts, out.facts)
	factsJSON, err := json.Marshal(facts)
	if err != nil {
		return err
	}
	var reason, hint, errText, rid string
	var joinCode int
	var missing []string
	runStatus := "running"
	if serr != nil {
		reason, hint, errText, runStatus, joinCode = string(serr.Reason), serr.Hint, serr.Err.Error(), StateFailed, serr.Code
		missing = serr.Missing
	}
	missingJSON, err := json.Marshal(append([]string{}, missing...))
	if err != nil {
		return err
	}
	now := e.now().UTC().UnixMilli()
	err = e.db.InTx(ctx, func(tx *sql.Tx) error {
		if out.message != nil {
			m, id, err := out.message(ctx, tx)
			if err != nil {
				return err
			}
			m.JobID, m.IdempotencyKey = r.plan.JobID, r.messageKey(s.ID, key)
			if _, err := e.db.Outbox().SendTx(ctx, tx, m); err != nil {
				return fmt.Errorf("queue %s: %w", m.Kind, err)
			}
			rid = id
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO commission_items (job_id, step_id, item, seq, status, attempts, evidence, reason, hint, error, request_id, join_code, missing, updated_at)
			VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (job_id, step_id, item) DO UPDATE SET status = excluded.status, attempts = attempts + 1,
				evidence = excluded.evidence, reason = excluded.reason, hint = excluded.hint, error = excluded.error,
				request_id = excluded.request_id, join_code = excluded.join_code, missing = excluded.missing, updated_at = excluded.updated_at`,
			r.plan.JobID, s.ID, key, seq, status, string(ev), reason, hint, errText, rid, joinCode, string(missingJSON), now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE commission_runs SET facts = ?, status = ?, updated_at = ? WHERE job_id = ?`,
			string(factsJSON), runStatus, now, r.plan.JobID); err != nil {
			return err
		}
		if e.hook != nil {
			e.hook("commit", s.ID, key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("commit %s/%s: %w", s.ID, key, err)
	}
	if e.hook != nil {
		e.hook("committed", s.ID, key)
	}
	r.facts = facts
	old := r.items[itemKey(s.ID, key)]
	r.items[itemKey(s.ID, key)] = itemRow{Status: status, Reason: reason, Hint: hint, Error: errText, RequestID: rid,
		Attempts: old.Attempts + 1, JoinCode: joinCode, Evidence: ev, Missing: missing}
	return nil
}

// AddReads records register reads taken on site in the run's plan; a reads
// step that failed for a missing read then passes when Run is called again.
func (e *Engine) AddReads(ctx context.Context, jobID string, reads ...Read) error {
	return e.updatePlan(ctx, jobID, func(p *Plan) { p.Reads = append(p.Reads, reads...) })
}

// updatePlan changes the stored plan of a run in one transaction.
func (e *Engine) updatePlan(ctx context.Context, jobID string, change func(*Plan)) error {
	return e.db.InTx(ctx, func(tx *sql.Tx) error {
		var b string
		if err := tx.QueryRowContext(ctx, `SELECT plan FROM commission_runs WHERE job_id = ?`, jobID).Scan(&b); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("update %s: %w", jobID, ErrNoRun)
			}
			return fmt.Errorf("update %s: %w", jobID, err)
		}
		var p Plan
		if err := json.Unmarshal([]byte(b), &p); err != nil {
			return fmt.Errorf("update %s: %w", jobID, err)
		}
		if p.Answers == nil {
			p.Answers = map[string]string{}
		}
		if err := openPlan(e.sealer, &p); err != nil {
			return fmt.Errorf("update %s: %w", jobID, err)
		}
		change(&p)
		sp, err := sealPlan(e.sealer, p)
		if err != nil {
			return fmt.Errorf("update %s: %w", jobID, err)
		}
		nb, err := json.Marshal(sp)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE commission_runs SET plan = ?, updated_at = ? WHERE job_id = ?`, string(nb), e.now().UTC().UnixMilli(), jobID)
		return err
	})
}

// idempotencyKey names an item's message for good: job/step/item, or its
// SHA-256 when that is longer than the sync protocol allows.
func idempotencyKey(job, step, item string) string {
	k := job + "/" + step + "/" + item
	if api.ValidKey(k) {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// claim marks jobID as worked on by this engine, so no second Run (or
// install-code change) of it starts meanwhile; ok is false when one is
// already going. release ends the claim.
func (e *Engine) claim(jobID string) (release func(), ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running[jobID] {
		return nil, false
	}
	if e.running == nil {
		e.running = map[string]bool{}
	}
	e.running[jobID] = true
	return func() {
		e.mu.Lock()
		delete(e.running, jobID)
		e.mu.Unlock()
	}, true
}

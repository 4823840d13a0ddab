package outbox

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"
)

// State is where a message is in its life. States are stored as text; new
// ones may be added, none renamed (persisted kinds are append-only).
type State string

// The states of a message.
const (
	// Pending waits to be received: its job's earlier messages and its parent
	// are not done yet, or its next attempt is in the future.
	Pending State = "pending"
	// InFlight was handed out by Receive and is invisible until its lease
	// (the visibility timeout) ends; then it is received again.
	InFlight State = "inflight"
	// Applied was acknowledged: the server applied it (Outcome holds the
	// server's answer).
	Applied State = "applied"
	// Rejected reached the server, which refused it for good (a DUIS error
	// response, say). It is not retried; it blocks the job until discarded.
	Rejected State = "rejected"
	// Dead gave up: attempts exhausted or an error that retrying cannot fix.
	// LastError says why. Retry or Discard it.
	Dead State = "dead"
	// Discarded was abandoned by the user (with its dependants).
	Discarded State = "discarded"
)

// Sentinel errors. Test them with errors.Is.
var (
	ErrNotFound     = errors.New("outbox: no such message")
	ErrDuplicateKey = errors.New("outbox: idempotency key already queued")
	ErrTooLarge     = errors.New("outbox: payload too large")
	ErrInvalid      = errors.New("outbox: invalid message")
	ErrState        = errors.New("outbox: message is not in a state that allows this")
	ErrClosed       = errors.New("outbox: closed")
)

// StateError reports an operation refused because of the message's state.
type StateError struct {
	Op    string // "ack", "retry", ...
	ID    int64
	State State
}

func (e *StateError) Error() string {
	return fmt.Sprintf("outbox: %s message %d: state is %s", e.Op, e.ID, e.State)
}

// Unwrap makes errors.Is(err, ErrState) true.
func (e *StateError) Unwrap() error { return ErrState }

// Message is one queued unit of work for the inventory service.
type Message struct {
	ID             int64  // assigned by SendTx; ids grow, so per-job order is id order
	JobID          string // the job (site visit) it belongs to
	ParentID       int64  // 0, or a message that must be Applied before this one is sent
	Kind           string // "duis-request", "evidence", "job-update", ...
	IdempotencyKey string // unique; the server applies a key at most once
	Payload        []byte
	CreatedAt      time.Time
	Attempts       int // deliveries started (each Receive counts one)
	NextAttemptAt  time.Time
	LeaseUntil     time.Time // while InFlight: when it becomes visible again
	State          State
	LastError      string
	Outcome        json.RawMessage // the server's answer (Ack, Reject)
	UpdatedAt      time.Time
}

// Clock tells the time. Tests inject a fake one (STYLE.md §19).
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Backoff spaces retries: the n-th failed attempt waits
// min(Max, Base·2^(n-1)), less a random part of up to Jitter of it, so that
// many tablets coming back into coverage do not retry in step.
type Backoff struct {
	Base   time.Duration // default 2 s
	Max    time.Duration // the cap; default 15 min
	Jitter float64       // 0..1; default 0.5
}

// Delay returns the wait after attempt (1-based) failed; r in [0,1) is the
// random draw.
func (b Backoff) Delay(attempt int, r float64) time.Duration {
	b = b.withDefaults()
	if attempt < 1 {
		attempt = 1
	}
	d := b.Max
	if attempt <= 62 {
		if x := b.Base << (attempt - 1); x > 0 && x/b.Base == 1<<(attempt-1) && x < b.Max {
			d = x
		}
	}
	return d - time.Duration(float64(d)*b.Jitter*r)
}

func (b Backoff) withDefaults() Backoff {
	if b.Base <= 0 {
		b.Base = 2 * time.Second
	}
	if b.Max <= 0 {
		b.Max = 15 * time.Minute
	}
	if b.Max < b.Base {
		b.Max = b.Base
	}
	if b.Jitter < 0 || b.Jitter > 1 {
		b.Jitter = 0.5
	}
	return b
}

// Options configure New. The zero value is usable.
type Options struct {
	Clock       Clock          // default: the system clock
	Visibility  time.Duration  // lease of a received message; default 2 min
	Backoff     Backoff        // default: 2 s doubling to 15 min, half jitter
	MaxAttempts int            // deliveries before a message goes dead; default 25
	MaxPayload  int            // bytes; default 16 MiB
	Rand        func() float64 // jitter draws in [0,1); default math/rand/v2
	// Reader, if set, serves the read-only queries (Get, Messages, Jobs),
	// so the UI never waits behind the writer.
	Reader *sql.DB
}

// Outbox is the durable queue. It is safe for concurrent use.
type Outbox struct {
	db, rd *sql.DB
	opt    Options

	mu     sync.Mutex
	subs   map[chan struct{}]struct{}
	closed bool
}

// New returns an outbox over db, whose tables Migrate has created. db should
// be the database's single writer (app/store passes its own): every method
// but the read-only ones writes through it.
func New(db *sql.DB, opt Options) (*Outbox, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil database", ErrInvalid)
	}
	if opt.Clock == nil {
		opt.Clock = systemClock{}
	}
	if opt.Visibility <= 0 {
		opt.Visibility = 2 * time.Minute
	}
	opt.Backoff = opt.Backoff.withDefaults()
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 25
	}
	if opt.MaxPayload <= 0 {
		opt.MaxPayload = 16 << 20
	}
	if opt.Rand == nil {
		opt.Rand = mrand.Float64
	}
	rd := opt.Reader
	if rd == nil {
		rd = db
	}
	return &Outbox{db: db, rd: rd, opt: opt, subs: map[chan struct{}]struct{}{}}, nil
}

// NewKey returns a fresh random idempotency key (128 bits, hex).
func NewKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

const (
	maxJobID = 200
	maxKind  = 64
	maxKey   = 200
)

// SendTx queues msg inside tx, so that it commits or rolls back with the
// domain write beside it. It fills in the key (NewKey) when empty and returns
// the new message's id. A key already queued returns that message's id with
// ErrDuplicateKey; the transaction stays usable. The parent, if any, must
// already be queued and not discarded. Subscribers hear of the message when the transaction's
// owner calls Notify after commit (app/store's InTx does).
func (o *Outbox) SendTx(ctx context.Context, tx *sql.Tx, msg Message) (int64, error) {
	if msg.JobID == "" || len(msg.JobID) > maxJobID {
		return 0, fmt.Errorf("%w: job ID must be 1..%d bytes", ErrInvalid, maxJobID)
	}
	if msg.Kind == "" || len(msg.Kind) > maxKind {
		return 0, fmt.Errorf("%w: kind must be 1..%d bytes", ErrInvalid, maxKind)
	}
	if msg.IdempotencyKey == "" {
		msg.IdempotencyKey = NewKey()
	}
	if len(msg.IdempotencyKey) > maxKey {
		return 0, fmt.Errorf("%w: idempotency key longer than %d bytes", ErrInvalid, maxKey)
	}
	if len(msg.Payload) > o.opt.MaxPayload {
		return 0, fmt.Errorf("queue %s for job %s: %d bytes, limit %d: %w", msg.Kind, msg.JobID, len(msg.Payload), o.opt.MaxPayload, ErrTooLarge)
	}
	payload := msg.Payload
	if payload == nil {
		payload = []byte{}
	}
	var parent any
	if msg.ParentID != 0 {
		var st string
		err := tx.QueryRowContext(ctx, `SELECT state FROM outbox_messages WHERE id = ?`, msg.ParentID).Scan(&st)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("queue %s for job %s: parent %d: %w", msg.Kind, msg.JobID, msg.ParentID, ErrNotFound)
		}
		if err != nil {
			return 0, fmt.Errorf("queue %s for job %s: look up parent: %w", msg.Kind, msg.JobID, err)
		}
		if State(st) == Discarded {
			// It would wait for ever.
			return 0, fmt.Errorf("queue %s for job %s: %w", msg.Kind, msg.JobID, &StateError{Op: "depend on", ID: msg.ParentID, State: Discarded})
		}
		parent = msg.ParentID
	}
	now := o.opt.Clock.Now().UnixMilli()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO outbox_messages
		(job_id, parent_id, kind, idempotency_key, payload, created_at, next_attempt_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(idempotency_key) DO NOTHING
		RETURNING id`,
		msg.JobID, parent, msg.Kind, msg.IdempotencyKey, payload, now, now, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if err := tx.QueryRowContext(ctx, `SELECT id FROM outbox_messages WHERE idempotency_key = ?`, msg.IdempotencyKey).Scan(&id); err != nil {
			return 0, fmt.Errorf("queue %s for job %s: look up duplicate key: %w", msg.Kind, msg.JobID, err)
		}
		return id, fmt.Errorf("queue %s for job %s: key %q is message %d: %w", msg.Kind, msg.JobID, msg.IdempotencyKey, id, ErrDuplicateKey)
	}
	if err != nil {
		return 0, fmt.Errorf("queue %s for job %s: %w", msg.Kind, msg.JobID, err)
	}
	return id, nil
}

// Send queues msg in a transaction of its own and notifies subscribers.
func (o *Outbox) Send(ctx context.Context, msg Message) (int64, error) {
	var id int64
	err := o.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = o.SendTx(ctx, tx, msg)
		return err
	})
	return id, err
}

// inTx runs fn in a write transaction and notifies subscribers after commit.
func (o *Outbox) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return o.write(ctx, nil, fn)
}

// write runs fn in a write transaction and, after commit, notifies
// subscribers if changed is nil or fn set it: Receive that found nothing must
// not wake the loop that called it.
func (o *Outbox) write(ctx context.Context, changed *bool, fn func(tx *sql.Tx) error) error {
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("outbox: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("outbox: commit: %w", err)
	}
	if changed == nil || *changed {
		o.Notify()
	}
	return nil
}

// Subscribe returns a channel that receives a value after every committed
// change (send, ack, nack, ...), coalesced: one pending wake-up at most, so a
// slow reader never blocks the queue. Re-read the state on each wake-up. The
// function stops the subscription; Close closes every channel.
func (o *Outbox) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		close(ch)
		return ch, func() {}
	}
	o.subs[ch] = struct{}{}
	return ch, func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		if _, ok := o.subs[ch]; ok {
			delete(o.subs, ch)
			close(ch)
		}
	}
}

// Notify wakes every subscriber. Call it after committing a transaction that
// used SendTx (app/store's InTx does so for you). It never blocks.
func (o *Outbox) Notify() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for ch := range o.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// Close ends every subscription. The database stays open: it belongs to the
// caller.
func (o *Outbox) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	o.closed = true
	for ch := range o.subs {
		close(ch)
	}
	o.subs = nil
}

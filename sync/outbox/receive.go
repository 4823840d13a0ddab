package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ready selects the messages that may be handed out at :now. A message is
// ready when
//   - it is pending and its next attempt is due, or it is in flight and its
//     lease has ended (the receiver crashed or hung);
//   - no earlier message of its job is still open (per-job order: one
//     message of a job in flight at a time, ids in order);
//   - it has no parent, or its parent is applied.
const readyWhere = `
	m.state IN ('pending', 'inflight')
	AND ((m.state = 'pending' AND m.next_attempt_at <= :now) OR (m.state = 'inflight' AND m.lease_until <= :now))
	AND NOT EXISTS (SELECT 1 FROM outbox_messages e
		WHERE e.job_id = m.job_id AND e.id < m.id AND e.state NOT IN ('applied', 'discarded'))
	AND (m.parent_id IS NULL OR EXISTS (SELECT 1 FROM outbox_messages p
		WHERE p.id = m.parent_id AND p.state = 'applied'))`

const columns = `m.id, m.job_id, m.parent_id, m.kind, m.idempotency_key, m.payload, m.created_at,
	m.attempts, m.next_attempt_at, m.lease_until, m.state, m.last_error, m.outcome, m.updated_at`

type scanner interface{ Scan(...any) error }

func scanMessage(s scanner) (Message, error) {
	var (
		m                             Message
		parent                        sql.NullInt64
		outcome                       sql.NullString
		created, next, lease, updated int64
		state                         string
	)
	err := s.Scan(&m.ID, &m.JobID, &parent, &m.Kind, &m.IdempotencyKey, &m.Payload, &created,
		&m.Attempts, &next, &lease, &state, &m.LastError, &outcome, &updated)
	if err != nil {
		return Message{}, err
	}
	m.ParentID = parent.Int64
	m.State = State(state)
	if outcome.Valid {
		m.Outcome = json.RawMessage(outcome.String)
	}
	m.CreatedAt = ms(created)
	m.NextAttemptAt = ms(next)
	m.LeaseUntil = ms(lease)
	m.UpdatedAt = ms(updated)
	if m.Payload == nil {
		m.Payload = []byte{}
	}
	return m, nil
}

// ms turns stored unix milliseconds into a UTC time; 0 is the zero time.
func ms(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Receive hands out up to n ready messages, oldest first, and leases each for
// the visibility timeout: until Ack, Reject, Nack or DeadLetter, or until
// the lease ends, nobody else receives it. Each receipt counts an attempt; a
// message whose lease ended after MaxAttempts attempts goes dead instead.
// Receive never blocks waiting for work: it returns an empty slice, and
// Subscribe and NextReady tell when to ask again.
func (o *Outbox) Receive(ctx context.Context, n int) ([]Message, error) {
	if n <= 0 {
		return nil, nil
	}
	var out []Message
	changed := false
	err := o.write(ctx, &changed, func(tx *sql.Tx) error {
		out = out[:0]
		now := o.opt.Clock.Now().UnixMilli()
		rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM outbox_messages m WHERE `+readyWhere+`
			ORDER BY m.id LIMIT :n`, sql.Named("now", now), sql.Named("n", n))
		if err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		var cand []Message
		for rows.Next() {
			m, err := scanMessage(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("receive: %w", err)
			}
			cand = append(cand, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("receive: %w", err)
		}
		lease := now + o.opt.Visibility.Milliseconds()
		for _, m := range cand {
			if m.State == InFlight && m.Attempts >= o.opt.MaxAttempts {
				reason := fmt.Sprintf("no answer within the visibility timeout after %d attempts", m.Attempts)
				if _, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET state = 'dead', lease_until = 0,
					last_error = ?, updated_at = ? WHERE id = ?`, reason, now, m.ID); err != nil {
					return fmt.Errorf("receive: bury message %d: %w", m.ID, err)
				}
				changed = true
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET state = 'inflight', attempts = attempts + 1,
				lease_until = ?, updated_at = ? WHERE id = ?`, lease, now, m.ID); err != nil {
				return fmt.Errorf("receive: lease message %d: %w", m.ID, err)
			}
			changed = true
			m.State = InFlight
			m.Attempts++
			m.LeaseUntil = ms(lease)
			m.UpdatedAt = ms(now)
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// transition moves message id to state to, if its state is one of from, and
// sets the other columns of set. It reports a *StateError or ErrNotFound
// otherwise.
func (o *Outbox) transition(ctx context.Context, tx *sql.Tx, op string, id int64, from []State, set string, args ...any) error {
	q := `UPDATE outbox_messages SET ` + set + ` WHERE id = ? AND state IN (`
	for i, s := range from {
		if i > 0 {
			q += ", "
		}
		q += "'" + string(s) + "'"
	}
	q += ")"
	res, err := tx.ExecContext(ctx, q, append(args, id)...)
	if err != nil {
		return fmt.Errorf("%s message %d: %w", op, id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var st string
	err = tx.QueryRowContext(ctx, `SELECT state FROM outbox_messages WHERE id = ?`, id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s message %d: %w", op, id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s message %d: %w", op, id, err)
	}
	return &StateError{Op: op, ID: id, State: State(st)}
}

func outcomeText(o json.RawMessage) any {
	if len(o) == 0 {
		return nil
	}
	return string(o)
}

// Ack records that the server applied message id and what it answered
// (outcome: JSON, may be empty). Acknowledging again replaces the outcome:
// a resend after a crash gets the same answer under the same key. A message
// given up as dead can still be acknowledged, since the server is the truth.
func (o *Outbox) Ack(ctx context.Context, id int64, outcome json.RawMessage) error {
	if len(outcome) > 0 && !json.Valid(outcome) {
		return fmt.Errorf("ack message %d: %w: outcome is not JSON", id, ErrInvalid)
	}
	return o.inTx(ctx, func(tx *sql.Tx) error { return o.ackTx(ctx, tx, id, outcome) })
}

func (o *Outbox) ackTx(ctx context.Context, tx *sql.Tx, id int64, outcome json.RawMessage) error {
	now := o.opt.Clock.Now().UnixMilli()
	return o.transition(ctx, tx, "ack", id, []State{InFlight, Pending, Dead, Applied},
		`state = 'applied', lease_until = 0, outcome = ?, updated_at = ?`, outcomeText(outcome), now)
}

// AckAll acknowledges the messages ids in one transaction, outcomes[i]
// being the answer for ids[i] (outcomes may be nil): one disk sync for a
// whole push batch. It applies all or none; the error names the first
// message that could not be acknowledged.
func (o *Outbox) AckAll(ctx context.Context, ids []int64, outcomes []json.RawMessage) error {
	if outcomes != nil && len(outcomes) != len(ids) {
		return fmt.Errorf("ack %d messages: %w: %d outcomes", len(ids), ErrInvalid, len(outcomes))
	}
	for i, out := range outcomes {
		if len(out) > 0 && !json.Valid(out) {
			return fmt.Errorf("ack message %d: %w: outcome is not JSON", ids[i], ErrInvalid)
		}
	}
	return o.inTx(ctx, func(tx *sql.Tx) error {
		for i, id := range ids {
			var out json.RawMessage
			if outcomes != nil {
				out = outcomes[i]
			}
			if err := o.ackTx(ctx, tx, id, out); err != nil {
				return err
			}
		}
		return nil
	})
}

// Reject records that the server refused message id for good (outcome is
// its answer, reason the words for the engineer). The job then needs
// attention; later messages of the job wait until this one is discarded.
func (o *Outbox) Reject(ctx context.Context, id int64, outcome json.RawMessage, reason string) error {
	if len(outcome) > 0 && !json.Valid(outcome) {
		return fmt.Errorf("reject message %d: %w: outcome is not JSON", id, ErrInvalid)
	}
	return o.inTx(ctx, func(tx *sql.Tx) error {
		now := o.opt.Clock.Now().UnixMilli()
		return o.transition(ctx, tx, "reject", id, []State{InFlight, Pending, Dead},
			`state = 'rejected', lease_until = 0, outcome = ?, last_error = ?, updated_at = ?`, outcomeText(outcome), reason, now)
	})
}

// Nack reports that delivering message id failed with cause. A retryable
// failure schedules the next attempt after the backoff for the attempts so
// far; a failure that is not retryable, or the MaxAttempts-th, makes it dead
// with cause as the reason.
func (o *Outbox) Nack(ctx context.Context, id int64, cause error, retryable bool) error {
	reason := "unknown error"
	if cause != nil {
		reason = cause.Error()
	}
	return o.inTx(ctx, func(tx *sql.Tx) error {
		now := o.opt.Clock.Now()
		var attempts int
		err := tx.QueryRowContext(ctx, `SELECT attempts FROM outbox_messages WHERE id = ?`, id).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("nack message %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("nack message %d: %w", id, err)
		}
		if !retryable || attempts >= o.opt.MaxAttempts {
			if retryable {
				reason = fmt.Sprintf("gave up after %d attempts: %s", attempts, reason)
			}
			return o.transition(ctx, tx, "nack", id, []State{InFlight},
				`state = 'dead', lease_until = 0, last_error = ?, updated_at = ?`, reason, now.UnixMilli())
		}
		next := now.Add(o.opt.Backoff.Delay(attempts, o.opt.Rand()))
		return o.transition(ctx, tx, "nack", id, []State{InFlight},
			`state = 'pending', lease_until = 0, next_attempt_at = ?, last_error = ?, updated_at = ?`,
			next.UnixMilli(), reason, now.UnixMilli())
	})
}

// Postpone puts in-flight messages back in the queue, due at at, without
// counting their attempt: for a push that never reached the server (no
// coverage, airplane mode), so that a day offline does not use up
// MaxAttempts and turn the queue into dead letters. Use Nack for failures
// the server saw or may have seen. Messages no longer in flight are left
// alone; it reports how many it postponed.
func (o *Outbox) Postpone(ctx context.Context, at time.Time, ids ...int64) (int, error) {
	var n int
	err := o.inTx(ctx, func(tx *sql.Tx) error {
		now := o.opt.Clock.Now().UnixMilli()
		n = 0
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET state = 'pending', attempts = max(attempts - 1, 0),
				lease_until = 0, next_attempt_at = ?, updated_at = ? WHERE id = ? AND state = 'inflight'`, at.UnixMilli(), now, id)
			if err != nil {
				return fmt.Errorf("postpone message %d: %w", id, err)
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// DeadLetter gives up on message id now, with reason.
func (o *Outbox) DeadLetter(ctx context.Context, id int64, reason string) error {
	return o.inTx(ctx, func(tx *sql.Tx) error {
		now := o.opt.Clock.Now().UnixMilli()
		return o.transition(ctx, tx, "dead-letter", id, []State{Pending, InFlight},
			`state = 'dead', lease_until = 0, last_error = ?, updated_at = ?`, reason, now)
	})
}

// Retry puts dead message id back in the queue, due now, with its attempt
// count reset. LastError keeps the old reason until the next failure.
func (o *Outbox) Retry(ctx context.Context, id int64) error {
	return o.inTx(ctx, func(tx *sql.Tx) error {
		now := o.opt.Clock.Now().UnixMilli()
		return o.transition(ctx, tx, "retry", id, []State{Dead},
			`state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?`, now, now)
	})
}

// Discard abandons message id (pending, dead or rejected) and every message
// that depends on it through ParentID, directly or not, since none of them
// can be sent any more. It returns how many messages it discarded. Later
// messages of the same job are then free to go.
func (o *Outbox) Discard(ctx context.Context, id int64, reason string) (int, error) {
	var n int
	err := o.inTx(ctx, func(tx *sql.Tx) (err error) {
		n, err = o.DiscardTx(ctx, tx, id, reason)
		return err
	})
	return n, err
}

// DiscardTx is Discard inside the caller's transaction, for a workflow
// that withdraws a queued message in the same transaction as its own state
// (SendTx's twin). A message not in a state that may be discarded gives a
// *StateError and changes nothing.
func (o *Outbox) DiscardTx(ctx context.Context, tx *sql.Tx, id int64, reason string) (int, error) {
	now := o.opt.Clock.Now().UnixMilli()
	if err := o.transition(ctx, tx, "discard", id, []State{Pending, Dead, Rejected},
		`state = 'discarded', lease_until = 0, last_error = ?, updated_at = ?`, reason, now); err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `WITH RECURSIVE d(id) AS (
			SELECT id FROM outbox_messages WHERE parent_id = ?
			UNION SELECT m.id FROM outbox_messages m JOIN d ON m.parent_id = d.id)
		UPDATE outbox_messages SET state = 'discarded', lease_until = 0, last_error = ?, updated_at = ?
		WHERE id IN d AND state IN ('pending', 'dead', 'rejected')`,
		id, fmt.Sprintf("parent %d discarded: %s", id, reason), now)
	if err != nil {
		return 0, fmt.Errorf("discard dependants of message %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return int(n) + 1, nil
}

// ByKeyTx returns the message queued under an idempotency key, read in the
// caller's transaction; ErrNotFound when there is none.
func (o *Outbox) ByKeyTx(ctx context.Context, tx *sql.Tx, key string) (Message, error) {
	m, err := scanMessage(tx.QueryRowContext(ctx, `SELECT `+columns+` FROM outbox_messages m WHERE m.idempotency_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, fmt.Errorf("message with key %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return Message{}, fmt.Errorf("message with key %q: %w", key, err)
	}
	return m, nil
}

// Extend pushes the lease of in-flight message id to d from now, for a
// delivery that is slow but alive (a large evidence upload on a weak
// signal). A message whose lease already ended and that someone else
// received meanwhile is extended too: the lease belongs to the message.
func (o *Outbox) Extend(ctx context.Context, id int64, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("extend lease of message %d: %w: duration %v", id, ErrInvalid, d)
	}
	return o.write(ctx, new(bool), func(tx *sql.Tx) error {
		now := o.opt.Clock.Now()
		return o.transition(ctx, tx, "extend", id, []State{InFlight},
			`lease_until = ?, updated_at = ?`, now.Add(d).UnixMilli(), now.UnixMilli())
	})
}

// ReleaseInFlight makes every in-flight message visible again now, without
// waiting for its lease to end. Call it once at start-up in a program that
// is the queue's only receiver: nobody can still be working on a lease taken
// before the restart. It returns how many it released.
func (o *Outbox) ReleaseInFlight(ctx context.Context) (int, error) {
	var n int64
	err := o.inTx(ctx, func(tx *sql.Tx) error {
		now := o.opt.Clock.Now().UnixMilli()
		res, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET lease_until = ?, updated_at = ?
			WHERE state = 'inflight' AND lease_until > ?`, now, now, now)
		if err != nil {
			return fmt.Errorf("release in-flight messages: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// NextReady returns when the next message becomes ready (a due time in the
// past means now) and false when nothing is waiting on time alone: only
// messages at the head of their job with their parent applied count, so the
// caller's timer never spins on blocked work. Wait for min(that time,
// a Subscribe wake-up).
func (o *Outbox) NextReady(ctx context.Context) (time.Time, bool, error) {
	var t sql.NullInt64
	err := o.rd.QueryRowContext(ctx, `SELECT min(CASE m.state WHEN 'pending' THEN m.next_attempt_at ELSE m.lease_until END)
		FROM outbox_messages m
		WHERE m.state IN ('pending', 'inflight')
		AND NOT EXISTS (SELECT 1 FROM outbox_messages e
			WHERE e.job_id = m.job_id AND e.id < m.id AND e.state NOT IN ('applied', 'discarded'))
		AND (m.parent_id IS NULL OR EXISTS (SELECT 1 FROM outbox_messages p
			WHERE p.id = m.parent_id AND p.state = 'applied'))`).Scan(&t)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next ready: %w", err)
	}
	if !t.Valid {
		return time.Time{}, false, nil
	}
	return ms(t.Int64), true, nil
}

// Purge deletes applied and discarded messages last changed before before,
// and returns how many it deleted. Nothing still to send depends on them:
// order and parent checks only wait for messages that are not done.
func (o *Outbox) Purge(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := o.write(ctx, new(bool), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox_messages
			WHERE state IN ('applied', 'discarded') AND updated_at < ?`, before.UnixMilli())
		if err != nil {
			return fmt.Errorf("purge: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

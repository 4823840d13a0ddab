package commission

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/smetskit/smetskit/sync/outbox"
)

// codeRoundFact names the fact counting how often a device's install code
// was changed after its device-log items had run: the messages of the
// device's items queued after that carry the round in their idempotency
// key (messageKey), so a re-run 8.11 Add is a new message with a new
// Request ID, never the old one again.
func codeRoundFact(device string) string { return "codeRound." + device }

// relistFact names the fact saying the hub was given the device's old
// install code: the whitelist step on the hub removes the device (CCS02)
// before adding it again, since a hub keeps the code of a device already
// listed (CCS01, DOMAIN.md §9). "yes" until that step has run again.
func relistFact(device string) string { return "relist." + device }

// messageKey is the idempotency key of an item's message: job/step/item,
// with the item's install code round when its code was changed.
func (r *run) messageKey(step, item string) string {
	if n := r.facts[codeRoundFact(item)]; n != "" {
		item += "#" + n
	}
	return idempotencyKey(r.plan.JobID, step, item)
}

// codeStep reports whether s uses a device's install code: the 8.11 Add,
// the add on the hub, and the join that follows (the items an install
// code change re-opens).
func codeStep(s StepDef) bool {
	switch s.Kind {
	case KindHubWhitelist, KindHubJoin:
		return true
	case KindSR:
		return s.SR == "8.11" && s.Fields["RequestType"] == "Add"
	}
	return false
}

// codeSteps are the indexes in r.flow of the code steps acting on device.
func (r *run) codeSteps(device string) []int {
	var out []int
	for i, s := range r.flow {
		if !codeStep(s) {
			continue
		}
		if slices.ContainsFunc(r.plan.items(s), func(d Device) bool { return d.ID == device }) {
			out = append(out, i)
		}
	}
	return out
}

// codeLocked says why device's install code can no longer change, or ""
// when it can (see SetInstallCode).
func (r *run) codeLocked(device string) string {
	if r.status == StateDone {
		return "the install is done"
	}
	steps := r.codeSteps(device)
	if len(steps) == 0 {
		return "no step of the flow adds it to the hub's device log"
	}
	for _, i := range steps {
		if s := r.flow[i]; s.Kind == KindHubJoin && r.items[itemKey(s.ID, device)].Status == StateDone {
			return "it has joined the hub with the code on record"
		}
	}
	for _, s := range r.flow[steps[len(steps)-1]+1:] {
		for _, k := range []string{device, "-"} {
			if r.items[itemKey(s.ID, k)].Status == StateDone {
				return "step " + s.ID + " has run since"
			}
		}
	}
	return ""
}

// normalCode is an install code as the engine stores it: upper-case hex,
// spaces and dashes between groups dropped, 6 to 16 bytes.
func normalCode(code string) (string, error) {
	if len(code) > 128 {
		return "", ErrInstallCode
	}
	c := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", ":", "").Replace(code))
	b, err := hex.DecodeString(c)
	if err != nil || len(b) < 6 || len(b) > 16 {
		return "", ErrInstallCode
	}
	return c, nil
}

// SetInstallCode corrects the install code of device in the stored run of
// jobID (a code mistyped or scanned from the wrong label). The code is
// checked (6 to 16 bytes in hex, DOMAIN.md §2) and stored like the others,
// sealed at rest with Options.Sealer. The same code again changes nothing.
//
// What is safe depends on how far the run got with the device:
//
//   - Before its 8.11 Add is queued and before the hub is given the code,
//     only the plan changes: the steps still to run use the new code.
//   - After that, the device's device-log and join items (the 8.11 Add,
//     the add on the hub, the join) are re-opened, in the same transaction
//     as the new code, and run again with it at the next Run. The old 8.11
//     Add, if it is still waiting in the outbox, is discarded there (it
//     never left this device); if it may have reached the DCC (sent, or
//     given up after tries) an 8.11 Remove is queued now, since a hub
//     keeps the code of a device already listed (CCS01, DOMAIN.md §9), and
//     the re-run Add is a new message with a new Request ID (messageKey).
//     A hub given the old code locally is told to remove the device
//     (CCS02) before the new add.
//   - Once the device has joined (the hub holds a link key: the code on
//     record worked), once a later step acting on it or on the whole job
//     (a commission, the evidence, completion) has run, or for a device no
//     step adds to the device log, the code is locked: ErrCodeLocked.
//
// A Run of the job in progress in this Engine is refused (ErrRunning), and
// no Run starts while the change is made; a run driven by another process
// on the same database is not seen, so change codes only from the app
// that runs the install. A device not on the plan is ErrNoDevice.
func (e *Engine) SetInstallCode(ctx context.Context, jobID, device, code string) error {
	c, err := normalCode(code)
	if err != nil {
		return fmt.Errorf("set install code of %s: %w", device, err)
	}
	release, ok := e.claim(jobID)
	if !ok {
		return fmt.Errorf("set install code of %s: %w", device, ErrRunning)
	}
	defer release()
	return e.db.InTx(ctx, func(tx *sql.Tx) error {
		r, err := e.load(ctx, tx, jobID)
		if err != nil {
			return err
		}
		di := slices.IndexFunc(r.plan.Devices, func(d Device) bool { return d.ID == device })
		if di < 0 {
			return fmt.Errorf("set install code of %s in job %s: %w", device, jobID, ErrNoDevice)
		}
		if r.plan.Devices[di].InstallCode == c {
			return nil
		}
		if why := r.codeLocked(device); why != "" {
			return fmt.Errorf("set install code of %s: %s: %w", device, why, ErrCodeLocked)
		}
		if err := e.reopen(ctx, tx, r, device); err != nil {
			return fmt.Errorf("set install code of %s: %w", device, err)
		}
		r.plan.Devices[di].InstallCode = c
		sp, err := sealPlan(e.sealer, r.plan)
		if err != nil {
			return fmt.Errorf("set install code of %s: %w", device, err)
		}
		planJSON, err := json.Marshal(sp)
		if err != nil {
			return err
		}
		factsJSON, err := json.Marshal(r.facts)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE commission_runs SET plan = ?, facts = ?, updated_at = ?,
				status = CASE WHEN EXISTS (SELECT 1 FROM commission_items WHERE job_id = ? AND status = 'failed') THEN status ELSE 'running' END
			WHERE job_id = ?`, string(planJSON), string(factsJSON), e.now().UTC().UnixMilli(), jobID, jobID)
		return err
	})
}

// reopen re-opens device's code items when the code already went out (see
// SetInstallCode): it handles the old 8.11 Add, marks the items pending,
// and updates r.facts (the caller stores them).
func (e *Engine) reopen(ctx context.Context, tx *sql.Tx, r *run, device string) error {
	steps := r.codeSteps(device)
	out := false
	for _, i := range steps {
		s := r.flow[i]
		st := r.items[itemKey(s.ID, device)].Status
		if s.Kind != KindHubJoin && st == StateDone {
			out = true
		}
		if s.Kind == KindHubWhitelist && st == StateFailed {
			// The add may have gone through before the step failed
			// (opening joining did not): have it removed first too.
			r.facts[relistFact(device)] = "yes"
		}
	}
	if !out {
		return nil
	}
	round := 1
	if n, err := strconv.Atoi(r.facts[codeRoundFact(device)]); err == nil {
		round = n + 1
	}
	now := e.now().UTC().UnixMilli()
	dev, _ := r.plan.device(device)
	for _, i := range steps {
		s := r.flow[i]
		row, ok := r.items[itemKey(s.ID, device)]
		if !ok {
			continue
		}
		ev := map[string]any{"reopened": "install code changed"}
		if row.RequestID != "" {
			ev["requestId"] = row.RequestID
		}
		if s.Kind == KindSR && row.Status == StateDone {
			rid, err := e.withdrawAdd(ctx, tx, r, s, dev, round)
			if err != nil {
				return err
			}
			if rid != "" {
				ev["removeRequestId"] = rid
			} else {
				ev["discarded"] = true
			}
		}
		if s.Kind == KindHubWhitelist && row.Status == StateDone {
			r.facts[relistFact(device)] = "yes"
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE commission_items SET status = 'pending', reason = '', hint = '', error = '', request_id = '',
				join_code = 0, missing = '[]', evidence = ?, updated_at = ? WHERE job_id = ? AND step_id = ? AND item = ?`,
			string(b), now, r.plan.JobID, s.ID, device); err != nil {
			return fmt.Errorf("re-open %s/%s: %w", s.ID, device, err)
		}
	}
	r.facts[codeRoundFact(device)] = strconv.Itoa(round)
	return nil
}

// withdrawAdd deals with the 8.11 Add of dev queued by step s with the old
// code: still pending in the outbox (or given up), it is discarded; when it
// may have reached the DCC (in flight, applied, or given up), an 8.11
// Remove for dev is queued in tx, whose Request ID is returned.
func (e *Engine) withdrawAdd(ctx context.Context, tx *sql.Tx, r *run, s StepDef, dev Device, round int) (string, error) {
	q := e.db.Outbox()
	queued, err := q.ByKeyTx(ctx, tx, r.messageKey(s.ID, dev.ID))
	if errors.Is(err, outbox.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up the queued 8.11 of %s: %w", dev.ID, err)
	}
	st := queued.State
	if st == outbox.Pending || st == outbox.Dead {
		// In the same transaction as the read above: a sync client cannot
		// take the message in between.
		if _, err := q.DiscardTx(ctx, tx, queued.ID, "install code changed: replaced by a new 8.11 Add"); err != nil {
			return "", fmt.Errorf("discard the queued 8.11 of %s: %w", dev.ID, err)
		}
	}
	if st != outbox.InFlight && st != outbox.Applied && st != outbox.Dead {
		return "", nil
	}
	rm := s
	rm.Fields = map[string]string{"RequestType": "Remove"}
	_, fields, err := e.srFields(r, rm, item{key: dev.ID, dev: &dev})
	if err != nil {
		return "", fmt.Errorf("8.11 Remove of %s: %w", dev.ID, err)
	}
	m, rid, err := e.srMessage("8.11", fields)(ctx, tx)
	if err != nil {
		return "", err
	}
	m.JobID, m.IdempotencyKey = r.plan.JobID, idempotencyKey(r.plan.JobID, s.ID, dev.ID+"#remove"+strconv.Itoa(round))
	if _, err := e.db.Outbox().SendTx(ctx, tx, m); err != nil && !errors.Is(err, outbox.ErrDuplicateKey) {
		return "", fmt.Errorf("queue the 8.11 Remove of %s: %w", dev.ID, err)
	}
	return rid, nil
}

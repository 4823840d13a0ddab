package commission

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
)

// fail builds a StepError with the hint for its reason.
func fail(s StepDef, it item, reason Reason, err error) *StepError {
	return &StepError{Step: s.ID, Item: it.key, Reason: reason, Hint: reasonHints[reason], Err: err}
}

// exec runs one item of a step. Device I/O happens here, outside any
// transaction; the message (if any) is built later, inside the commit.
func (e *Engine) exec(ctx context.Context, r *run, s StepDef, it item, hub Hub) (outcome, *StepError) {
	var missing []string
	for _, q := range s.Requires {
		if r.plan.Answers[q] == "" {
			missing = append(missing, q)
		}
	}
	if len(missing) > 0 {
		se := fail(s, it, ReasonMissingAnswer, fmt.Errorf("answer %s missing", missing[0]))
		se.Missing = missing
		return outcome{}, se
	}
	switch s.Kind {
	case KindPrecheck:
		return e.precheck(r, s, it)
	case KindAnswers:
		ans := map[string]string{}
		for _, q := range s.Requires {
			ans[q] = r.plan.Answers[q]
		}
		return outcome{evidence: ans}, nil
	case KindWANCheck:
		return e.wanCheck(ctx, r, s, it, hub)
	case KindSR:
		variant, fields, err := e.srFields(r, s, it)
		if err != nil {
			return outcome{}, fail(s, it, ReasonRequest, err)
		}
		// Build once now, so a request the job's data cannot make fails
		// before anything is committed; the real one gets its counter in
		// the transaction.
		if _, err := duis.Build(variant, withCounter(fields, 1)); err != nil {
			return outcome{}, fail(s, it, ReasonRequest, err)
		}
		return outcome{evidence: withoutInstallCodes(fields), message: e.srMessage(variant, fields)}, nil
	case KindHubWhitelist:
		if hub == nil {
			return outcome{}, fail(s, it, ReasonNoHub, ErrNoHub)
		}
		code, err := hex.DecodeString(it.dev.InstallCode)
		if err != nil || len(code) < 6 || len(code) > 16 {
			return outcome{}, fail(s, it, ReasonRequest, fmt.Errorf("install code of %s: want 6 to 16 bytes in hex", it.dev.ID))
		}
		// The join window opens with this add: the hub's clock now is what
		// the join step compares the hub's join events with (hubs stamp
		// them by that clock, not the laptop's).
		var facts map[string]string
		ev := map[string]any{"added": it.dev.ID}
		if t, _, err := hub.Clock(ctx); err == nil {
			facts = map[string]string{joinWindowFact(it.dev.ID): t.UTC().Format(time.RFC3339Nano)}
			ev["joinWindowFrom"] = t.UTC()
		}
		if r.facts[relistFact(it.dev.ID)] == "yes" {
			// The hub was given the old code; it would keep it on a
			// second add (CCS01): remove the device first (CCS02).
			if se := relist(ctx, s, it, hub); se != nil {
				return outcome{}, se
			}
			ev["removedFirst"] = true
			if facts == nil {
				facts = map[string]string{}
			}
			facts[relistFact(it.dev.ID)] = "done"
		}
		if err := hub.WhitelistAdd(ctx, it.dev.ID, code); err != nil {
			if errors.Is(err, ErrDeviceLogFull) {
				se := fail(s, it, ReasonDeviceLogFull, err)
				se.Code = 4
				return outcome{}, se
			}
			return outcome{}, fail(s, it, ReasonHubNotAnswering, fmt.Errorf("add %s to the device log: %w", it.dev.ID, err))
		}
		period := r.plan.joinPeriod()
		if err := hub.EnableJoin(ctx, period); err != nil {
			return outcome{}, fail(s, it, ReasonHubNotAnswering, fmt.Errorf("open joining: %w", err))
		}
		ev["joinSeconds"] = int(period / time.Second)
		return outcome{evidence: ev, facts: facts}, nil
	case KindHubRemove:
		if hub == nil {
			return outcome{}, fail(s, it, ReasonNoHub, ErrNoHub)
		}
		if err := hub.WhitelistRemove(ctx, it.dev.ID); err != nil {
			return outcome{}, fail(s, it, ReasonHubNotAnswering, fmt.Errorf("remove %s from the device log: %w", it.dev.ID, err))
		}
		return outcome{evidence: map[string]string{"removed": it.dev.ID}}, nil
	case KindHubJoin, KindPostCheck:
		return e.checkLog(ctx, r, s, it, hub)
	case KindDeliverLocal:
		if hub == nil {
			return outcome{}, fail(s, it, ReasonNoHub, ErrNoHub)
		}
		resp, err := e.deliver(ctx, r, s, it, hub)
		var lost *lostError
		if errors.As(err, &lost) {
			return outcome{}, fail(s, it, ReasonDeliveryLost, fmt.Errorf("deliver %s again: %w", it.cmd.OriginalRequestID, lost.err))
		}
		if err != nil {
			return outcome{}, fail(s, it, ReasonDelivery, fmt.Errorf("deliver %s: %w", it.cmd.OriginalRequestID, err))
		}
		fields := map[string]string{"originator": r.plan.Originator, "target": r.plan.dcc(),
			"OriginalRequestID": it.cmd.OriginalRequestID, "DeviceGBCSResponse": base64.StdEncoding.EncodeToString(resp)}
		return outcome{evidence: deliveryEvidence(resp), message: e.srMessage("8.13", fields)}, nil
	case KindReads:
		var reads []Read
		for _, rd := range r.plan.Reads {
			if rd.DeviceID == it.dev.ID && rd.Kind == s.Fields["ReadKind"] {
				reads = append(reads, rd)
			}
		}
		if len(reads) == 0 {
			return outcome{}, fail(s, it, ReasonMissingRead, fmt.Errorf("no %s read of %s", s.Fields["ReadKind"], it.dev.ID))
		}
		return outcome{evidence: reads}, nil
	case KindEvidence:
		body, codes, err := e.evidenceBody(ctx, r)
		if err != nil {
			return outcome{}, fail(s, it, ReasonRequest, err)
		}
		return outcome{evidence: map[string]any{"photos": len(r.plan.Photos), "reads": len(r.plan.Reads), "installCodes": codes},
			message: jsonMessage(api.KindEvidence, body)}, nil
	case KindFollowUp:
		body := map[string]any{"jobId": r.plan.JobID, "event": "follow-up", "task": "commission when SM WAN is available",
			"flow": r.plan.Flow, "chf": r.plan.CHF, "devices": deviceIDs(r.plan.Devices)}
		return outcome{evidence: body, message: jsonMessage(api.KindJobUpdate, body)}, nil
	case KindComplete:
		body := map[string]any{"jobId": r.plan.JobID, "event": "completed", "flow": r.plan.Flow,
			"installAndLeave": r.facts["wan"] == "no", "at": e.now().UTC()}
		return outcome{evidence: body, message: jsonMessage(api.KindJobUpdate, body)}, nil
	}
	return outcome{}, fail(s, it, ReasonRequest, fmt.Errorf("kind %q: %w", s.Kind, ErrBadFlow))
}

func deviceIDs(ds []Device) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func (p *Plan) joinPeriod() time.Duration {
	if p.JoinPeriod >= 1 && p.JoinPeriod <= 3600 {
		return time.Duration(p.JoinPeriod) * time.Second
	}
	return 90 * time.Second
}

// firstSR is the first service request of the flow that will act on d
// (the step's devices by type and role; for single-item steps the hub
// fitted, or with Device "old-chf" the hub coming out): what the pre-check
// asks the rules about. Steps whose precondition is not yet known (wan)
// count; steps the answers rule out do not. "" means no SR acts on d.
func (r *run) firstSR(d Device) string {
	for _, s := range r.flow {
		if s.Kind != KindSR || !s.mayApply(r.facts, r.plan.Answers) {
			continue
		}
		if len(s.ForEach) > 0 {
			if s.Role == d.Role && slices.Contains(s.ForEach, d.Type) {
				return s.SR
			}
			continue
		}
		switch {
		case s.Device == "" && d.Role == "" && d.ID == r.plan.CHF && (s.SR == "8.14.1" || s.SR == "8.14.2"):
			return s.SR
		case s.Device == "old-chf" && d.ID == r.plan.OldCHF:
			return s.SR
		}
	}
	return ""
}

// precheck checks each device's SMI status against the rules, the CPL
// status, and records the WAN coverage of the postcode (DOMAIN.md §7 step 1).
func (e *Engine) precheck(r *run, s StepDef, it item) (outcome, *StepError) {
	type finding struct {
		Device, Type, Status, CPL, Check string
	}
	var found []finding
	for _, d := range r.plan.Devices {
		f := finding{Device: d.ID, Type: d.Type, Status: d.Status, CPL: d.CPLStatus, Check: "ok"}
		sr := r.firstSR(d)
		if sr == "" || d.Type == "IHD" || d.Type == "CAD" {
			found = append(found, f)
			continue // nothing acts on it, or a Type 2 device: no SMI status to check
		}
		f.Check = sr
		if d.Status == "" {
			return outcome{}, fail(s, it, ReasonNotInSMI, fmt.Errorf("%s %s: %w", d.Type, d.ID, inventory.ErrUnknownDevice))
		}
		if err := e.rules.Permit(sr, inventory.PartyDevice, duis.DeviceType(d.Type), duis.DeviceStatus(d.Status)); err != nil {
			return outcome{}, fail(s, it, ReasonStatus, fmt.Errorf("%s %s in status %s: %w", d.Type, d.ID, d.Status, err))
		}
		if d.CPLStatus != "" && d.CPLStatus != "Active" {
			return outcome{}, fail(s, it, ReasonCPL, fmt.Errorf("%s %s: CPL status %s", d.Type, d.ID, d.CPLStatus))
		}
		found = append(found, f)
	}
	cov := r.plan.Coverage
	if cov == "" {
		cov = "unknown"
	}
	return outcome{evidence: map[string]any{"devices": found, "coverage": cov}, facts: map[string]string{"coverage": cov}}, nil
}

// wanCheck asks the hub whether it has SM WAN; with no hub connected the
// engineer's answer WAN=yes|no is used.
func (e *Engine) wanCheck(ctx context.Context, r *run, s StepDef, it item, hub Hub) (outcome, *StepError) {
	if hub == nil {
		switch a := r.plan.Answers["WAN"]; a {
		case "yes", "no":
			return outcome{evidence: map[string]string{"source": "engineer", "wan": a}, facts: map[string]string{"wan": a}}, nil
		}
		return outcome{}, fail(s, it, ReasonNoHub, ErrNoHub)
	}
	st, err := hub.WAN(ctx)
	if err != nil {
		return outcome{}, fail(s, it, ReasonHubNotAnswering, fmt.Errorf("read WAN status: %w", err))
	}
	wan := "no"
	if st.Registered {
		wan = "yes"
	}
	return outcome{evidence: map[string]any{"source": "hub", "status": st}, facts: map[string]string{"wan": wan}}, nil
}

// checkLog reads the hub's device log for one device: for KindHubJoin it
// must have joined; for KindPostCheck it must also have talked to the hub
// within RecentWithin (DOMAIN.md §7 step 9).
func (e *Engine) checkLog(ctx context.Context, r *run, s StepDef, it item, hub Hub) (outcome, *StepError) {
	if hub == nil {
		return outcome{}, fail(s, it, ReasonNoHub, ErrNoHub)
	}
	want, _ := duis.ParseEUI64(it.dev.ID)
	var since time.Time
	if s.Kind == KindHubJoin {
		var se *StepError
		if since, se = e.joinWindow(ctx, r, s, it, hub); se != nil {
			return outcome{}, se
		}
	}
	var entry *LogEntry
	// The installer presses Join HAN on the device once joining is open:
	// the join step rereads the log until the device has joined or the join
	// period is over.
	deadline := e.now().Add(r.plan.joinPeriod())
	for {
		log, err := hub.DeviceLog(ctx)
		if err != nil {
			return outcome{}, fail(s, it, ReasonHubNotAnswering, fmt.Errorf("read device log: %w", err))
		}
		entry = nil
		for i := range log {
			if got, err := duis.ParseEUI64(log[i].DeviceID); err == nil && got == want {
				entry = &log[i]
			}
		}
		if s.Kind != KindHubJoin || (entry != nil && entry.Joined) || !e.now().Before(deadline) {
			break
		}
		// A join the hub has already seen fail will not succeed by
		// waiting: say why now rather than at the end of the period.
		if se := joinFailed(ctx, s, it, hub, since); se != nil {
			return outcome{}, se
		}
		t := time.NewTimer(e.joinPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return outcome{}, fail(s, it, ReasonNotJoined, fmt.Errorf("wait for %s to join: %w", it.dev.ID, ctx.Err()))
		case <-t.C:
		}
	}
	switch {
	case entry == nil:
		if se := joinFailed(ctx, s, it, hub, since); se != nil {
			return outcome{}, se
		}
		se := fail(s, it, ReasonJoinFailed, fmt.Errorf("%s is not in the hub's device log", it.dev.ID))
		se.Code = 3
		_, se.Hint = JoinFailure(3)
		return outcome{}, se
	case !entry.Joined:
		if se := joinFailed(ctx, s, it, hub, since); se != nil {
			return outcome{}, se
		}
		return outcome{}, fail(s, it, ReasonNotJoined, fmt.Errorf("%s is listed but has no link key", it.dev.ID))
	}
	ev := map[string]any{"entry": entry}
	if !since.IsZero() {
		ev["joinWindowFrom"] = since
	}
	if it.dev.Type == "GSME" {
		if se := gpfCheck(ctx, s, it, hub, s.Kind == KindPostCheck, ev); se != nil {
			return outcome{}, se
		}
	}
	if s.Kind == KindPostCheck {
		now := e.now()
		if entry.LastSeen.IsZero() || now.Sub(entry.LastSeen) > e.recent {
			return outcome{}, fail(s, it, ReasonNotSeen, fmt.Errorf("%s last seen %v", it.dev.ID, entry.LastSeen))
		}
		if t, reliable, err := hub.Clock(ctx); err == nil {
			ev["hubClock"], ev["hubClockReliable"] = t.UTC(), reliable
		}
		if fr, ok := hub.(FirmwareReader); ok {
			if fw, err := fr.Firmware(ctx); err == nil {
				ev["hubFirmware"] = fw
			}
		}
		if se := e.checkMeter(ctx, r, s, it, hub, ev); se != nil {
			return outcome{}, se
		}
	}
	return outcome{evidence: ev}, nil
}

// gpfCheck looks a gas meter up in the GPF device log, when the hub offers
// it (GPFReader): a GSME is served through the GPF (DOMAIN.md §4, §7 step
// 5), so one the CHF has joined but the GPF does not list is not usable.
// With volume it also records the GPF's copy of the gas register.
func gpfCheck(ctx context.Context, s StepDef, it item, hub Hub, volume bool, ev map[string]any) *StepError {
	gr, ok := hub.(GPFReader)
	if !ok {
		return nil
	}
	ids, err := gr.GPFDeviceLog(ctx)
	if errors.Is(err, ErrNotOffered) {
		return nil
	}
	if err != nil {
		return fail(s, it, ReasonHubNotAnswering, fmt.Errorf("read the GPF device log: %w", err))
	}
	want, _ := duis.ParseEUI64(it.dev.ID)
	listed := slices.ContainsFunc(ids, func(id string) bool { got, err := duis.ParseEUI64(id); return err == nil && got == want })
	if !listed {
		return fail(s, it, ReasonNotInGPFLog, fmt.Errorf("%s joined the hub but is not in the GPF device log", it.dev.ID))
	}
	ev["gpfListed"] = true
	if volume {
		if v, err := gr.GasVolume(ctx); err == nil {
			ev["gasVolume"] = v
		}
	}
	return nil
}

// checkMeter reads the meter's firmware version and clock on site when the
// hub bundles local meter access (MeterReader) and records them in ev. With
// SM WAN the meter's clock must be reliable (DOMAIN.md §7 step 9: the hub
// has network time and gives it to the meters it joined); without WAN it is
// only recorded, as the hub's is (DOMAIN.md §8.1). A meter that cannot be
// read locally is recorded with the reason, not failed: the 11.2 queued
// with WAN reads its firmware through the DCC.
func (e *Engine) checkMeter(ctx context.Context, r *run, s StepDef, it item, hub Hub, ev map[string]any) *StepError {
	mr, ok := hub.(MeterReader)
	if !ok {
		ev["meterRead"] = "no local access to the meter"
		return nil
	}
	if fw, err := mr.MeterFirmware(ctx, it.dev.ID); err == nil {
		ev["meterFirmware"] = fw
	} else {
		ev["meterFirmwareError"] = err.Error()
	}
	t, reliable, err := mr.MeterClock(ctx, it.dev.ID)
	if err != nil {
		ev["meterClockError"] = err.Error()
		return nil
	}
	ev["meterClock"], ev["meterClockReliable"] = t.UTC(), reliable
	if !reliable && r.facts["wan"] == "yes" {
		return fail(s, it, ReasonMeterClock, fmt.Errorf("%s clock %v is flagged invalid or doubtful", it.dev.ID, t.UTC()))
	}
	return nil
}

// relist removes a device from the hub's device log before it is added
// again with a corrected install code. A device the hub no longer lists
// (removed by an earlier attempt, or never added) is fine.
func relist(ctx context.Context, s StepDef, it item, hub Hub) *StepError {
	err := hub.WhitelistRemove(ctx, it.dev.ID)
	if err == nil {
		return nil
	}
	log, lerr := hub.DeviceLog(ctx)
	if lerr != nil {
		return fail(s, it, ReasonHubNotAnswering, fmt.Errorf("remove %s (old install code) from the device log: %w", it.dev.ID, err))
	}
	want, _ := duis.ParseEUI64(it.dev.ID)
	for _, e := range log {
		if got, perr := duis.ParseEUI64(e.DeviceID); perr == nil && got == want {
			return fail(s, it, ReasonHubNotAnswering, fmt.Errorf("remove %s (old install code) from the device log: %w", it.dev.ID, err))
		}
	}
	return nil
}

// joinWindowFact names the fact holding when a device's join window
// opened, by the hub's clock (RFC 3339).
func joinWindowFact(device string) string { return "joinWindow." + device }

// joinWindow returns when the device's current join window opened by the
// hub's clock: when the whitelist step added it, or, when this join already
// failed once, now, with joining opened again for the join period (the
// installer retries after acting on the failure; what the hub logged about
// the earlier attempt no longer says anything about this one). Zero means
// the hub's clock was not known: every join event then counts.
func (e *Engine) joinWindow(ctx context.Context, r *run, s StepDef, it item, hub Hub) (time.Time, *StepError) {
	if r.items[itemKey(s.ID, it.key)].Status != StateFailed {
		t, _ := time.Parse(time.RFC3339Nano, r.facts[joinWindowFact(it.dev.ID)])
		return t, nil
	}
	t, _, err := hub.Clock(ctx)
	if err != nil {
		t = time.Time{}
	}
	if err := hub.EnableJoin(ctx, r.plan.joinPeriod()); err != nil {
		return time.Time{}, fail(s, it, ReasonHubNotAnswering, fmt.Errorf("open joining again: %w", err))
	}
	return t.UTC(), nil
}

// joinFailed asks a hub that can say why a join failed (JoinFailureReader)
// for the device's last join response code and, when there is one, returns
// the join-failed error with the code, its meaning and the suggested action
// (DOMAIN.md §10.3). It returns nil when the hub cannot say or gave no code:
// the step then reports not-joined.
func joinFailed(ctx context.Context, s StepDef, it item, hub Hub, since time.Time) *StepError {
	jr, ok := hub.(JoinFailureReader)
	if !ok {
		return nil
	}
	code, err := jr.JoinFailure(ctx, it.dev.ID, since)
	if err != nil || code == 0 {
		return nil
	}
	meaning, hint := JoinFailure(code)
	se := fail(s, it, ReasonJoinFailed, fmt.Errorf("%s failed to join: code %d, %s", it.dev.ID, code, meaning))
	se.Code, se.Hint = code, hint
	return se
}

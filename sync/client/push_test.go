package client

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// TestPushInstallFlow pushes a site's install flow through the real
// service: messages go in queue order (8.11 needs the CHF that 8.14.1
// commissions), each applied one is acked with the DUIS response, the
// refused 8.14.2 is rejected with E5 and holds its job, and a message of
// another job waits for its parent.
func TestPushInstallFlow(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(1, "job-1", "alice")
	tab := newTablet(t, inv, tabletOptions{})
	flow := inv.siteFlow(1)
	ids := tab.queue("job-1", 0, flow...)
	// Another job holds a read of the ESME's inventory that may go only
	// once the job-1 join of the ESME is applied. It overtakes the rest of
	// job-1, so it comes from another originator: Request ID counters
	// must rise per originator in the order the service sees them
	// (DOMAIN.md §12).
	_, _, esme, _ := siteDevices(1)
	child := tab.queue("job-1-child", ids[1], inv.build("8.2", map[string]string{"originator": "90-B3-D5-1F-30-01-00-01", "DeviceID": esme}))[0]
	if err := inv.srv.CreateJob(context.Background(), "office", jobWith("job-1-child", "alice", esme)); err != nil {
		t.Fatal(err)
	}

	tab.syncUntil(20, func() bool {
		p := tab.c.Progress()
		return p.Waiting == 0
	})
	for i, id := range ids[:5] {
		m := tab.msg(id)
		res := tab.outcome(id)
		if m.State != outbox.Applied || res.Status != api.StatusApplied || (res.ResponseCode != "I0" && res.ResponseCode != "I99") || !strings.Contains(res.DUISResponse, "Response") {
			t.Errorf("message %d (%d): state %s, outcome %+v", i, id, m.State, res)
		}
	}
	if m := tab.msg(child); m.State != outbox.Applied {
		t.Errorf("child: %s %s", m.State, m.LastError)
	}
	last := tab.msg(ids[5])
	if res := tab.outcome(ids[5]); last.State != outbox.Rejected || res.ResponseCode != "E5" || !strings.HasPrefix(last.LastError, "E5") {
		t.Errorf("8.14.2 on a commissioned CHF: state %s, reason %q, outcome %+v; want rejected with E5", last.State, last.LastError, res)
	}
	if got := inv.status(esme); got != "Commissioned" {
		t.Errorf("ESME after the flow: %s", got)
	}
	// Order on the wire: one message of a job per batch, in queue order;
	// the child only after its parent.
	pos := map[string]int{}
	inv.mu.Lock()
	for b, keys := range inv.pushed {
		for _, k := range keys {
			if _, ok := pos[k]; !ok {
				pos[k] = b
			}
		}
	}
	inv.mu.Unlock()
	var batches []int
	for _, id := range ids {
		batches = append(batches, pos[tab.msg(id).IdempotencyKey])
	}
	if !slices.IsSorted(batches) || slices.Compact(slices.Clone(batches)) == nil || len(slices.Compact(slices.Clone(batches))) != len(batches) {
		t.Errorf("job-1 went out in batches %v, want one per batch in order", batches)
	}
	if pc, pp := pos[tab.msg(child).IdempotencyKey], pos[tab.msg(ids[1]).IdempotencyKey]; pc <= pp {
		t.Errorf("child in batch %d, parent in batch %d", pc, pp)
	}

	jp, err := tab.c.Job(context.Background(), "job-1")
	if err != nil {
		t.Fatal(err)
	}
	if jp.Status != outbox.NeedsAttention || !strings.HasPrefix(jp.Summary(), "needs attention: E5") {
		t.Errorf("job-1 summary %q (%s)", jp.Summary(), jp.Status)
	}
	if p := tab.c.Progress(); p.NeedsAttention != 1 || p.Applied != 6 || !strings.Contains(p.Summary(), "1 change need") {
		t.Errorf("progress %+v: %q", p, p.Summary())
	}
	// The service's side agrees: five applied, one refused.
	st, err := tab.c.ServerJobStatus(context.Background(), "job-1")
	if err != nil || st.Applied != 5 || st.Rejected != 1 || st.AllApplied {
		t.Errorf("ServerJobStatus = %+v, %v; want 5 applied, 1 rejected", st, err)
	}
	// Discarding the refused message frees the job: applied, safe to leave.
	if _, err := tab.ob.Discard(context.Background(), ids[5], "engineer: CHF already commissioned"); err != nil {
		t.Fatal(err)
	}
	jp, _ = tab.c.Job(context.Background(), "job-1")
	if jp.Summary() != "applied: safe to leave site" {
		t.Errorf("after discard: %q", jp.Summary())
	}
}

// TestDuplicateGetsStoredResult: the service applies a batch but the answer
// is lost; the resend under the same keys is answered with the stored
// results, and the effect happened once.
func TestDuplicateGetsStoredResult(t *testing.T) {
	for _, f := range []fault{faultApplyThen500, faultTruncated} {
		inv := newInventory(t)
		inv.prenotify(3, "job-3", "alice")
		tab := newTablet(t, inv, tabletOptions{})
		ids := tab.queue("job-3", 0, inv.siteFlow(3)[0])
		inv.fail(f)
		err := tab.c.SyncOnce(context.Background())
		if KindOf(err) != KindServer {
			t.Fatalf("fault %d: SyncOnce = %v (kind %s), want a server failure", f, err, KindOf(err))
		}
		if m := tab.msg(ids[0]); m.State != outbox.Pending {
			t.Fatalf("fault %d: after a lost answer the message is %s", f, m.State)
		}
		tab.syncUntil(10, func() bool { return tab.msg(ids[0]).State == outbox.Applied })
		if res := tab.outcome(ids[0]); !res.Duplicate || res.ResponseCode != "I0" {
			t.Errorf("fault %d: resend answered %+v, want the stored I0 marked duplicate", f, res)
		}
		hist, err := inv.srv.History(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		chf, _, _, _ := siteDevices(3)
		n := 0
		for _, c := range hist {
			if c.Device.String() == chf && c.To == "Commissioned" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("fault %d: CHF commissioned %d times", f, n)
		}
	}
}

// TestLoopSurvivesFaults runs Run against a service that answers 500,
// garbage and nothing at all before it recovers: the loop backs off, the
// progress says why in words, and every message ends applied.
func TestLoopSurvivesFaults(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(4, "job-4", "alice")
	tab := newTablet(t, inv, tabletOptions{cfg: func(c *Config) {
		c.RequestTimeout = 150 * time.Millisecond
		c.Interval = time.Hour
	}})
	ids := tab.queue("job-4", 0, inv.siteFlow(4)[:5]...)
	inv.fail(fault500, faultGarbage, faultHang, fault500, faultTruncated)
	updates, stop := tab.c.Subscribe()
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tab.c.Run(ctx) }()
	seen := map[Kind]string{}
	deadline := time.After(30 * time.Second)
wait:
	for {
		select {
		case p := <-updates:
			if p.Err != nil {
				seen[p.Kind] = p.Summary()
			}
			if p.Err == nil && !p.Syncing && p.Applied == 5 && p.Waiting == 0 {
				break wait
			}
		case <-deadline:
			t.Fatalf("loop stalled: %+v", tab.c.Progress())
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v", err)
	}
	for _, id := range ids {
		if m := tab.msg(id); m.State != outbox.Applied {
			t.Errorf("message %d: %s", id, m.State)
		}
	}
	if !strings.Contains(seen[KindServer], "not answering properly") || !strings.HasPrefix(seen[KindOffline], "No coverage:") {
		t.Errorf("summaries seen: %q", seen)
	}
}

// TestPushOtherKindsAndBadPayloads: a job update (JSON body) is applied by
// the service; payloads that cannot go on the wire are dead-lettered with
// the reason at once instead of being retried, and do not stop the rest.
func TestPushOtherKindsAndBadPayloads(t *testing.T) {
	inv := newInventory(t)
	inv.prenotify(12, "job-12", "alice")
	tab := newTablet(t, inv, tabletOptions{})
	ctx := context.Background()
	send := func(job, kind string, payload []byte) int64 {
		id, err := tab.ob.Send(ctx, outbox.Message{JobID: job, Kind: kind, Payload: payload})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	update := send("job-12", api.KindJobUpdate, []byte(`{"step":"arrived","at":"2026-11-28T09:00:00Z"}`))
	notJSON := send("job-12b", api.KindJobUpdate, []byte("arrived"))
	noVariant := send("job-12c", api.KindDUISRequest, []byte("<Request><Header/></Request>"))
	if err := tab.c.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if m := tab.msg(update); m.State != outbox.Applied {
		t.Errorf("job update: %s %q", m.State, m.LastError)
	}
	for _, id := range []int64{notJSON, noVariant} {
		if m := tab.msg(id); m.State != outbox.Dead || !strings.Contains(m.LastError, "cannot be sent") {
			t.Errorf("bad payload %d: %s %q, want dead with the reason", id, m.State, m.LastError)
		}
	}
	if p := tab.c.Progress(); p.NeedsAttention != 2 || p.Applied != 1 {
		t.Errorf("progress %+v", p)
	}
}

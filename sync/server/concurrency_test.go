package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// siteIDs returns the CHF, GPF, ESME and GSME of test site i: EUI-64s in
// the 00-DB-12-34-56-78 test prefix (DOMAIN.md §2) with site and role in
// the last two bytes.
func siteIDs(i int) (chf, gpf, esme, gsme string) {
	f := func(r int) string { return fmt.Sprintf("00-DB-12-34-56-78-%02X-%02X", 0x40+i, r) }
	return f(0), f(1), f(2), f(3)
}

// siteEntries loads site i (back office, directly) and returns the outbox
// entries its installer's tablet would queue, in order.
func siteEntries(e *env, i int, installer string) []api.PushMessage {
	chf, gpf, esme, gsme := siteIDs(i)
	ctx := context.Background()
	office := Principal{Name: "office", Role: RoleBackOffice}
	orig := fmt.Sprintf("90-B3-D5-1F-30-01-01-%02X", i)
	pre := func(f map[string]string) {
		f["originator"] = orig
		if _, err := e.srv.Submit(ctx, Submission{Document: e.build("12.2", f), Principal: office}); err != nil {
			e.t.Fatal(err)
		}
	}
	pre(map[string]string{"DeviceID": chf, "DeviceManufacturer": "AB01", "DeviceModel": "M", "DeviceType": "CHF", "AssociatedGPFDeviceID": gpf})
	pre(map[string]string{"DeviceID": esme, "DeviceManufacturer": "AB01", "DeviceModel": "M", "DeviceType": "ESME"})
	pre(map[string]string{"DeviceID": gsme, "DeviceManufacturer": "AB01", "DeviceModel": "M", "DeviceType": "GSME"})
	job := fmt.Sprintf("job-%d", i)
	if err := e.srv.CreateJob(ctx, "office", Job{ID: job, Installer: installer, Postcode: "AB1 2CD", Devices: []string{chf, gpf, esme, gsme}}); err != nil {
		e.t.Fatal(err)
	}
	docs := [][]byte{
		e.build("8.14.1", map[string]string{"originator": orig, "DeviceID": chf, "CHFInstallType": "New CHF Install", "MPxN": mpan, "AerialInstall": "false", "CHFLocation": "Deep indoors"}),
		e.build("8.11", map[string]string{"originator": orig, "target": chf, "DeviceID": esme, "RequestType": "Add", "JoinTimePeriod": "90", "InstallCode": code}),
		e.build("8.11", map[string]string{"originator": orig, "target": chf, "DeviceID": gsme, "RequestType": "Add", "JoinTimePeriod": "90", "InstallCode": code}),
		e.build("8.1.1", map[string]string{"originator": orig, "target": esme, "CurrentDateTime": "2026-11-28T10:00:00Z", "TolerancePeriod": "60"}),
		e.build("8.1.1", map[string]string{"originator": orig, "target": gsme, "CurrentDateTime": "2026-11-28T10:00:00Z", "TolerancePeriod": "3600"}),
		// Refused by the rules (E5): the CH is already commissioned.
		e.build("8.14.2", map[string]string{"originator": orig, "DeviceID": chf, "CHFInstallType": "CHF Install - no SM WAN", "MPxN": mpan,
			"AerialInstall": "false", "CHFLocation": "Deep indoors", "PremiseType": "Terraced", "MetalObstructionCheck": "false",
			"ConnectivityObstructionCheck": "false", "SharedObstructionCheck": "false"}),
	}
	var out []api.PushMessage
	for k, d := range docs {
		req, _ := duis.Parse(d)
		out = append(out, api.PushMessage{IdempotencyKey: fmt.Sprintf("site%d-%d", i, k), JobID: job, Kind: api.KindDUISRequest,
			CreatedAt:      e.clock.Now().Add(-time.Duration(10-k) * time.Minute),
			ServiceRequest: &api.ServiceRequest{ServiceReferenceVariant: req.Header.ServiceReferenceVariant, XML: string(d)}})
	}
	return out
}

// TestConcurrentPush: 50 clients (5 tablets or retries for each of 10
// sites) push overlapping, duplicated and reordered batches at once. The
// SMI invariants hold: every stored transition is legal, no request has
// its effect twice, every answer for one outbox key is the same, nothing
// fails with a server error.
func TestConcurrentPush(t *testing.T) {
	backends(t, func(t *testing.T, e *env) {
		const sites, perSite = 10, 5
		entries := make([][]api.PushMessage, sites)
		for i := range sites {
			name := fmt.Sprintf("inst%d", i)
			tok, err := e.srv.CreateToken(context.Background(), "setup", name, RoleInstaller)
			if err != nil {
				t.Fatal(err)
			}
			e.tokens[name] = tok
			entries[i] = siteEntries(e, i, name)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		type job struct {
			who     string
			batches [][]api.PushMessage
		}
		var jobs []job
		for i := range sites {
			es := entries[i]
			for c := range perSite {
				var bs [][]api.PushMessage
				switch c {
				case 0: // in order, one batch
					bs = [][]api.PushMessage{es}
				case 1: // in order, the whole batch twice
					bs = [][]api.PushMessage{es, es}
				case 2: // reversed
					r := slices.Clone(es)
					slices.Reverse(r)
					bs = [][]api.PushMessage{r}
				case 3: // shuffled, in batches of two
					p := slices.Clone(es)
					rng.Shuffle(len(p), func(a, b int) { p[a], p[b] = p[b], p[a] })
					for k := 0; k < len(p); k += 2 {
						bs = append(bs, p[k:min(k+2, len(p))])
					}
				case 4: // overlapping halves, second first
					bs = [][]api.PushMessage{es[2:], es[:4]}
				}
				jobs = append(jobs, job{fmt.Sprintf("inst%d", i), bs})
			}
		}
		var mu sync.Mutex
		byKey := map[string][]api.PushResult{}
		var wg sync.WaitGroup
		for _, j := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, b := range j.batches {
					body, _ := json.Marshal(api.PushRequest{InstallerID: j.who, Messages: b})
					req, _ := http.NewRequest("POST", e.ts.URL+"/v1/push", bytes.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+e.tokens[j.who])
					resp, err := e.ts.Client().Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					var pr api.PushResponse
					err = json.NewDecoder(resp.Body).Decode(&pr)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 || len(pr.Results) != len(b) {
						t.Errorf("push: %d %v (%d results for %d)", resp.StatusCode, err, len(pr.Results), len(b))
						return
					}
					mu.Lock()
					for _, r := range pr.Results {
						byKey[r.IdempotencyKey] = append(byKey[r.IdempotencyKey], r)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		e.checkInvariants()

		for i := range sites {
			applied := 0
			for k := range entries[i] {
				key := fmt.Sprintf("site%d-%d", i, k)
				var first *api.PushResult
				for _, r := range byKey[key] {
					if r.Status == api.StatusRetry {
						t.Errorf("%s: server error %+v", key, r)
					}
					if r.ResponseCode == "" {
						continue // refused before processing (replayed counter)
					}
					if first == nil {
						r := r
						first = &r
						continue
					}
					if r.ResponseCode != first.ResponseCode || r.Status != first.Status || r.DUISResponse != first.DUISResponse {
						t.Errorf("%s answered differently: %s/%s then %s/%s", key, first.ResponseCode, first.Status, r.ResponseCode, r.Status)
					}
				}
				if first != nil {
					applied++
				}
			}
			if applied == 0 {
				t.Errorf("site %d: nothing applied", i)
			}
		}
		// Each request ID is logged once, and its effects appear once.
		var n, distinct int
		if err := e.srv.db.row(context.Background(), "SELECT count(*), count(DISTINCT request_id) FROM requests").Scan(&n, &distinct); err != nil || n != distinct {
			t.Errorf("request log: %d rows, %d distinct (%v)", n, distinct, err)
		}
	})
}

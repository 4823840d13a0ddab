package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/smetskit/smetskit/app/store"
	"github.com/smetskit/smetskit/sync/api"
	"github.com/smetskit/smetskit/sync/outbox"
)

// srvCases are ServiceReferenceVariant table cases; the documents are
// trimmed to the header element (DUIS 5.4 Request Header, element names as
// PROTOCOLS.md gives them).
var srvCases = []struct {
	name, doc, want string
	ok              bool
}{
	{"prefixed", `<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway"><sr:Header><sr:RequestID>x</sr:RequestID><sr:ServiceReferenceVariant>8.11</sr:ServiceReferenceVariant></sr:Header></sr:Request>`, "8.11", true},
	{"plain", `<Request><Header><ServiceReferenceVariant> 8.14.2 </ServiceReferenceVariant></Header></Request>`, "8.14.2", true},
	{"missing", `<Request><Header></Header></Request>`, "", false},
	{"empty", `<Request><ServiceReferenceVariant></ServiceReferenceVariant></Request>`, "", false},
	{"nested", `<Request><ServiceReferenceVariant><x/></ServiceReferenceVariant></Request>`, "", false},
	{"not xml", `{"json": true}`, "", false},
	{"truncated", `<Request><ServiceReferenceVariant>8.1`, "", false},
}

func TestServiceReferenceVariant(t *testing.T) {
	for _, tc := range srvCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ServiceReferenceVariant([]byte(tc.doc))
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("ServiceReferenceVariant(%q) = %q, %v, want %q (ok %v)", tc.doc, got, err, tc.want, tc.ok)
			}
		})
	}
	// A request built by protocol/duis.
	doc := buildSR(t, "8.3", map[string]string{"originator": originator, "counter": "1001", "DeviceID": "00-DB-12-34-56-78-90-A0"})
	if got, err := ServiceReferenceVariant(doc); err != nil || got != "8.3" {
		t.Errorf("ServiceReferenceVariant(8.3 from duis.Build) = %q, %v", got, err)
	}
}

// FuzzServiceReferenceVariant: nothing panics, and a variant written into a
// header is read back (round trip).
func FuzzServiceReferenceVariant(f *testing.F) {
	for _, tc := range srvCases {
		f.Add([]byte(tc.doc), tc.want)
	}
	f.Fuzz(func(t *testing.T, doc []byte, variant string) {
		ServiceReferenceVariant(doc)
		if !utf8.ValidString(variant) || strings.ContainsFunc(variant, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFD }) {
			return // XML cannot carry it as it is
		}
		var esc strings.Builder
		if xml.EscapeText(&esc, []byte(variant)) != nil {
			return
		}
		round := "<Request><Header><ServiceReferenceVariant>" + esc.String() + "</ServiceReferenceVariant></Header></Request>"
		got, err := ServiceReferenceVariant([]byte(round))
		want := strings.TrimSpace(variant)
		if err == nil && got != want {
			t.Errorf("ServiceReferenceVariant(%q) = %q, want %q", round, got, want)
		}
		if err != nil && want != "" && len(want) <= 16 {
			t.Errorf("ServiceReferenceVariant(%q): %v", round, err)
		}
	})
}

// answerSeeds are push answers for one message with key "k": the service's
// answers and broken ones.
var answerSeeds = []struct {
	status int
	body   string
}{
	{200, `{"results":[{"idempotencyKey":"k","status":"applied","responseCode":"I0"}]}`},
	{200, `{"results":[{"idempotencyKey":"k","status":"rejected","responseCode":"E5","reason":"status forbids"}]}`},
	{200, `{"results":[{"idempotencyKey":"k","status":"retry","retryAfterSeconds":5}]}`},
	{200, `{"results":[{"idempotencyKey":"other","status":"applied"}]}`},
	{200, `{"results":[]}`},
	{200, `{"results":[{"idempotencyKey":"k","status":"applied"}`},
	{200, `<html>captive portal</html>`},
	{500, `{"title":"internal error","status":500}`},
	{401, `{"title":"Unauthorized","status":401}`},
	{413, ``},
}

// FuzzServerAnswer feeds arbitrary answers to a push: nothing panics, and
// the message is never lost: it ends applied only when the answer said so
// for its key, and otherwise stays queued or is kept as rejected.
func FuzzServerAnswer(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add(s.status, []byte(s.body))
	}
	var (
		mu     sync.Mutex
		status int
		body   []byte
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.WriteHeader(status)
		w.Write(body)
	}))
	defer ts.Close()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	ob := db.Outbox()
	c, err := New(Config{BaseURL: ts.URL, Token: "t", InstallerID: "alice", Outbox: ob, RequestTimeout: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	f.Fuzz(func(t *testing.T, st int, answer []byte) {
		if st < 200 || st > 599 { // a 1xx is informational: the real status follows
			st = 200
		}
		mu.Lock()
		n++
		status, body = st, answer
		mu.Unlock()
		// Each run pushes one fresh message with key "k"; the previous
		// one is moved out of the way under its own key.
		db.InTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "UPDATE outbox_messages SET idempotency_key = ?, state = 'discarded' WHERE idempotency_key = 'k'", fmt.Sprint("old-", n))
			return err
		})
		id, err := ob.Send(ctx, outbox.Message{JobID: "j", Kind: api.KindJobUpdate, IdempotencyKey: "k", Payload: []byte(`{"step":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		c.SyncOnce(ctx)
		m, err := ob.Get(ctx, id)
		if err != nil {
			t.Fatalf("message lost: %v", err)
		}
		var resp api.PushResponse
		said := json.Unmarshal(answer, &resp) == nil && st == 200 && len(resp.Results) == 1 &&
			resp.Results[0].IdempotencyKey == "k"
		switch m.State {
		case outbox.Applied:
			if !said || resp.Results[0].Status != api.StatusApplied {
				t.Errorf("answer %d %q marked the message applied", st, answer)
			}
		case outbox.Rejected:
			if !said || resp.Results[0].Status != api.StatusRejected {
				t.Errorf("answer %d %q marked the message rejected", st, answer)
			}
		case outbox.Pending, outbox.Dead:
		default:
			t.Errorf("answer %d %q left the message %s", st, answer, m.State)
		}
	})
}

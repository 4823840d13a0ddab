package field

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSealedTokenSyncsAndNeverSitsInClear(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := startServer(t, ctx)
	srv.job(t, ctx, "J-1", "AB1 2CD")
	dir := t.TempDir()
	f, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := f.SealToken(srv.Token)
	if err != nil {
		t.Fatalf("SealToken: %v", err)
	}
	f.Close()
	if !SealedToken(sealed) || strings.Contains(sealed, srv.Token) {
		t.Fatalf("sealed token %q shows the token", sealed)
	}
	f = open(t, ctx, Config{DataDir: dir, ServerURL: srv.URL, Token: sealed, Engineer: installer, Interval: time.Hour})
	if err := f.PullNow(ctx); err != nil {
		t.Fatalf("PullNow with the sealed token: %v", err)
	}
	if _, err := f.Jobs.Get(ctx, "J-1"); err != nil {
		t.Errorf("J-1 not pulled with the sealed token: %v", err)
	}

	// Another folder has another key: the token cannot be opened there,
	// and the session works offline and says what to do.
	other := open(t, ctx, Config{DataDir: t.TempDir(), ServerURL: srv.URL, Token: sealed, Engineer: installer})
	if other.Sync != nil {
		t.Errorf("a session with an unreadable token syncs")
	}
	if err := other.PullNow(ctx); !errors.Is(err, ErrTokenSealed) {
		t.Errorf("PullNow = %v, want ErrTokenSealed", err)
	}
	if c := other.Contact(); !strings.Contains(c, "paste it again in Settings") {
		t.Errorf("Contact() = %q", c)
	}
	if w := SyncWords(other.PullNow(ctx)); !strings.Contains(w, "paste it again") {
		t.Errorf("SyncWords = %q", w)
	}
	if _, err := f.SealToken(""); err == nil {
		t.Errorf("SealToken(\"\") = nil error")
	}
}

package outbox

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestReceiveUsesOpenIndex guards Receive's cost: it must walk the partial
// index of open messages, not the whole history of applied ones.
func TestReceiveUsesOpenIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT `+columns+` FROM outbox_messages m WHERE `+readyWhere+`
		ORDER BY m.id LIMIT :n`, sql.Named("now", 0), sql.Named("n", 10))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "SCAN m USING INDEX outbox_open") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("Receive's plan is %q; want a walk of outbox_open in id order", got)
	}
	// Migrate is idempotent.
	if err := Migrate(ctx, db); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}

package commission

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// customFlows is a flow the built-in ones do not have: the wizard cannot
// work its questions out from flows.json.
var customFlows = map[string]Flow{"survey-only": {
	{ID: "survey", Kind: KindAnswers, Title: "Survey", Requires: []string{"Colour", "Size", "Smell"}},
	{ID: "complete", Kind: KindComplete, Title: "Done"},
}}

// A step that stopped for answers keeps their names with its item; after a
// restart the run status names exactly those still missing (Answer saved
// some before the restart), for a custom flow too, and the run completes
// once the rest are given.
func TestMissingAnswersSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.db")
	db := openDB(t, path)
	opts := Options{Flows: customFlows, Now: stepClock()}
	e, err := New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := Plan{JobID: "J-ASK", Flow: "survey-only", Originator: supplier, CHF: chfID, Answers: map[string]string{"Size": "L"}}
	if err := e.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	err = e.Run(ctx, p.JobID, nil)
	var se *StepError
	if !errors.As(err, &se) || se.Reason != ReasonMissingAnswer || !slices.Equal(se.Missing, []string{"Colour", "Smell"}) {
		t.Fatalf("Run = %v, want missing Colour and Smell", err)
	}
	if err := e.Answer(ctx, p.JobID, map[string]string{"Colour": "red"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openDB(t, path)
	defer db.Close()
	e, err = New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.Status(ctx, p.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if it := itemOf(t, st, "survey", "-"); !slices.Equal(it.Missing, []string{"Smell"}) {
		t.Errorf("after a restart Missing = %q, want [Smell]", it.Missing)
	}
	var stored string
	if err := db.Reader().QueryRow(`SELECT missing FROM commission_items WHERE job_id = ? AND step_id = 'survey'`, p.JobID).Scan(&stored); err != nil || stored != `["Colour","Smell"]` {
		t.Errorf("stored missing = %s, %v", stored, err)
	}
	if err := e.Answer(ctx, p.JobID, map[string]string{"Smell": "none"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(ctx, p.JobID, nil); err != nil {
		t.Fatalf("Run after the answers: %v", err)
	}
	st, _ = e.Status(ctx, p.JobID)
	if it := itemOf(t, st, "survey", "-"); it.State != StateDone || it.Missing != nil {
		t.Errorf("survey after the answers = %+v", it)
	}
}

// An item stored before the engine kept the missing answers (the column's
// default) has them worked out from the run's flow and plan.
func TestMissingAnswersOfOldRows(t *testing.T) {
	ctx := context.Background()
	db := tempDB(t)
	e, err := New(db, Options{Flows: customFlows, Now: stepClock()})
	if err != nil {
		t.Fatal(err)
	}
	p := Plan{JobID: "J-OLDROW", Flow: "survey-only", Answers: map[string]string{"Smell": "none"}}
	if err := e.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(ctx, p.JobID, nil); err == nil {
		t.Fatal("Run with missing answers succeeded")
	}
	if err := db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE commission_items SET missing = '[]' WHERE job_id = ?`, p.JobID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	st, err := e.Status(ctx, p.JobID)
	if err != nil {
		t.Fatal(err)
	}
	if it := itemOf(t, st, "survey", "-"); !slices.Equal(it.Missing, []string{"Colour", "Size"}) {
		t.Errorf("Missing = %q, want [Colour Size]", it.Missing)
	}
}

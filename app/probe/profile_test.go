package probe_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/sim"
)

func TestFileStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "profiles.json")
	s := probe.NewFileStore(path)
	if _, ok, err := s.Get("SMk", "SIM-E1"); ok || err != nil {
		t.Fatalf("Get on a missing file = %v, %v", ok, err)
	}
	want := probe.Profile{Manufacturer: "SMk", Model: "SIM-E1", Protocol: probe.ModeE, Baud: 300, Address: &probe.Address{Logical: 1, Physical: 17, Size: 2}, Echo: true}
	if err := s.Put(want); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(probe.Profile{Manufacturer: "LGZ", Model: "E470", Protocol: probe.ModeC, Baud: 4800}); err != nil {
		t.Fatal(err)
	}
	// The third FLAG letter's case announces the reaction time only.
	got, ok, err := probe.NewFileStore(path).Get("SMK", "SIM-E1")
	if err != nil || !ok || got.Protocol != want.Protocol || got.Baud != want.Baud || *got.Address != *want.Address || !got.Echo {
		t.Errorf("Get(SMK, SIM-E1) = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if _, ok, _ := s.Get("SMK", "SIM-E2"); ok {
		t.Errorf("Get of another model found a profile")
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get("SMK", "SIM-E1"); !errors.Is(err, probe.ErrStoreFile) {
		t.Errorf("Get on a damaged file = %v, want ErrStoreFile", err)
	}
	if err := s.Put(want); err != nil {
		t.Errorf("Put over a damaged file: %v", err)
	}
	if _, ok, err := s.Get("SMk", "SIM-E1"); !ok || err != nil {
		t.Errorf("Get after replacing a damaged file = %v, %v", ok, err)
	}
}

func TestDetectRemembersWhatWorked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := probe.NewFileStore(filepath.Join(t.TempDir(), "profiles.json"))
		m := newMeter(t, sim.Quirks{sim.QuirkIgnoreBaud: true})
		port := optical(t, m, sim.LineConfig{})
		ctx := context.Background()
		first, err := probe.Detect(ctx, port, probe.Options{Store: store})
		if err != nil {
			t.Fatalf("first Detect: %v", err)
		}
		if len(first.Attempts) != 2 || first.Baud != 300 || first.FromProfile {
			t.Fatalf("first Detect = %+v, want mode E at 300 Bd on the second attempt", first)
		}
		p, ok, err := store.Get("SMk", "SIM-E1")
		if !ok || err != nil || p.Protocol != probe.ModeE || p.Baud != 300 {
			t.Fatalf("stored profile %+v, %v, %v", p, ok, err)
		}

		start := time.Now()
		second, err := probe.Detect(ctx, port, probe.Options{Store: store, Expect: &probe.Expect{Manufacturer: "SMK", Model: "SIM-E1"}})
		if err != nil {
			t.Fatalf("second Detect: %v", err)
		}
		if len(second.Attempts) != 1 || !second.FromProfile || second.Baud != 300 {
			t.Errorf("second Detect = %+v, want the remembered profile at once", second)
		}
		t.Logf("with the profile: %v of line time", time.Since(start))
	})
}

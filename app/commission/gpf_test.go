package commission

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/duis"
)

// encodeBackup is the inverse of ParseBackup: {date-time, PAN ID, array of
// {EUI-64, key}} (DOMAIN.md §9, the CS14/CCS07 shape).
func encodeBackup(t testing.TB, ids []string) []byte {
	rows := make([]axdr.Value, len(ids))
	for i, s := range ids {
		id, err := duis.ParseEUI64(s)
		if err != nil {
			t.Fatal(err)
		}
		rows[i] = axdr.Structure(axdr.OctetString(id[:]), axdr.OctetString(nil))
	}
	b, err := axdr.Encode(axdr.Structure(axdr.OctetString(bytes.Repeat([]byte{0xFF}, 12)), axdr.OctetString(make([]byte, 8)), axdr.Array(rows...)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var backupCases = [][]string{nil, {gsmeID}, {gsmeID, esmeID, ihdID}}

func TestParseBackup(t *testing.T) {
	for _, ids := range backupCases {
		got, err := ParseBackup(encodeBackup(t, ids))
		if err != nil || !slices.Equal(got, append([]string{}, ids...)) {
			t.Errorf("ParseBackup(%v) = %v, %v", ids, got, err)
		}
	}
	notStruct, _ := axdr.Encode(axdr.Array())
	short, _ := axdr.Encode(axdr.Structure(axdr.OctetString(nil), axdr.OctetString(nil)))
	badEntry, _ := axdr.Encode(axdr.Structure(axdr.OctetString(nil), axdr.OctetString(nil), axdr.Array(axdr.Structure(axdr.OctetString([]byte{1, 2})))))
	for _, bad := range [][]byte{nil, {0x02}, notStruct, short, badEntry} {
		if _, err := ParseBackup(bad); err == nil {
			t.Errorf("ParseBackup(% X) accepted", bad)
		}
	}
}

// FuzzParseBackup: nothing from the wire panics, and a backup that decodes
// re-encodes to one that decodes to the same devices (round trip).
func FuzzParseBackup(f *testing.F) {
	for _, ids := range backupCases {
		f.Add(encodeBackup(f, ids))
	}
	f.Fuzz(func(t *testing.T, d []byte) {
		ids, err := ParseBackup(d)
		if err != nil {
			return
		}
		again, err := ParseBackup(encodeBackup(t, ids))
		if err != nil || !slices.Equal(again, ids) {
			t.Fatalf("round trip: %v, %v; want %v", again, err, ids)
		}
	})
}

// emptyGPF is a hub whose GPF lists no gas meter.
type emptyGPF struct{ *DLMSHub }

func (emptyGPF) GPFDeviceLog(context.Context) ([]string, error) { return nil, nil }

// Dual fuel: the gas meter joins through the CHF device log and the GPF
// lists it; a gas meter the GPF does not list fails the join with what to
// try.
func TestGasMeterJoinsThroughGPF(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		db := tempDB(t)
		e := newEngine(t, db)
		site := newSimSite(t, nil, nil)
		p := dualFuelPlan("J-GPF")
		if err := e.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
		err := e.Run(ctx, p.JobID, emptyGPF{&DLMSHub{C: site.c}})
		var se *StepError
		if !errors.As(err, &se) || se.Step != "join" || se.Item != gsmeID || se.Reason != ReasonNotInGPFLog || se.Hint == "" {
			t.Fatalf("Run = %v, want not-in-gpf-log at join/%s", err, gsmeID)
		}
		if err := e.Run(ctx, p.JobID, &DLMSHub{C: site.c}); err != nil {
			t.Fatalf("Run with the GPF listing the gas meter: %v", err)
		}
		if l := site.hub.GPFDeviceLog(); len(l) != 1 || l[0].String() != gsmeID || !site.gas.Joined(site.hub.ID()) {
			t.Errorf("GPF device log %v, gas meter joined %v", l, site.gas.Joined(site.hub.ID()))
		}
		st, _ := e.Status(ctx, p.JobID)
		for _, s := range st.Steps {
			if s.ID == "join" && (len(s.Items) != 2 || !strings.Contains(string(s.Items[1].Evidence), `"gpfListed":true`)) {
				t.Errorf("join items = %+v", s.Items)
			}
		}
	})
}

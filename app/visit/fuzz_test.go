package visit

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzParseTarget: nothing panics, and a parsed target round-trips.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"tcp:127.0.0.1:4059", "serial:/dev/ttyUSB0", "tcp:localhost", "udp:1.2.3.4:5", "", "serial:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		back, err := ParseTarget(tg.String())
		if err != nil || back != tg {
			t.Errorf("ParseTarget(%q) = %v, %v, want %v", tg.String(), back, err, tg)
		}
	})
}

// FuzzDecodeAnswers: nothing panics, and decoded answers round-trip through
// JSON.
func FuzzDecodeAnswers(f *testing.F) {
	f.Add([]byte(`{"answers":{"CHFLocation":"Indoors"},"installCodes":{"00-DB-12-34-56-78-90-A0":"3031"},"coverage":"yes"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"answers":[1]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAnswers(bytes.NewReader(b))
		if err != nil {
			return
		}
		enc, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeAnswers(bytes.NewReader(enc))
		if err != nil || !reflect.DeepEqual(norm(back), norm(a)) {
			t.Errorf("DecodeAnswers(%s) = %+v, %v, want %+v", enc, back, err, a)
		}
	})
}

// norm treats an empty map as absent, as omitempty does.
func norm(a *Answers) *Answers {
	c := *a
	if len(c.Answers) == 0 {
		c.Answers = nil
	}
	if len(c.InstallCodes) == 0 {
		c.InstallCodes = nil
	}
	if len(c.Reads) == 0 {
		c.Reads = nil
	}
	return &c
}

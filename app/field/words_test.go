package field

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/sync/client"
)

func TestRefusalWords(t *testing.T) {
	tests := []struct {
		name, reason string
		want         []string
		not          []string
	}{
		{"code and words", "E5: device 00-DB-12-34-56-78-90-A1 is Commissioned",
			[]string{"Authorisation failed: device SMI status incompatible", "(E5)", "The service said: device 00-DB"}, nil},
		{"code alone", "E19", []string{"device does not exist", "(E19)"}, []string{"The service said"}},
		{"code and words after a space", "E19 unknown device", []string{"device does not exist (E19).", "The service said: unknown device"}, nil},
		{"unknown code kept", "E999999", []string{"DCC rejected: E999999"}, nil},
		{"words only", "job J-1 is not assigned to this installer", []string{"Job J-1 is not assigned"}, []string{"DCC"}},
		{"empty", "", []string{"gave no reason"}, nil},
		{"a word before a colon is not a code", "Error: boom", []string{"Error: boom"}, []string{"DCC"}},
	}
	for _, tt := range tests {
		got := RefusalWords(tt.reason)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: RefusalWords(%q) = %q, want it to contain %q", tt.name, tt.reason, got, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(got, w) {
				t.Errorf("%s: RefusalWords(%q) = %q, want no %q", tt.name, tt.reason, got, w)
			}
		}
	}
}

func TestSyncWords(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"none", nil, ""},
		{"offline", fmt.Errorf("sync: %w", &client.Error{Op: "pull", Kind: client.KindOffline, Err: errors.New("dial")}), "No coverage"},
		{"auth", &client.Error{Op: "push", Kind: client.KindAuth, Status: 401, Err: errors.New("Unauthorized")}, "check the token in Settings"},
		{"no server", ErrNoServer, "enter the server and your token in Settings"},
		{"local", errors.New("disk I/O error"), "restart the app"},
	}
	for _, tt := range tests {
		if got := SyncWords(tt.err); !strings.Contains(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("%s: SyncWords(%v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
}

// FuzzRefusalWords: a reason comes from the service over the network; no
// reason may panic, every one gets words, and a leading response code is
// always kept (DOMAIN.md §14).
func FuzzRefusalWords(f *testing.F) {
	for _, s := range []string{"E5: device is Commissioned", "E19", "E19 unknown device", "E999999", "job J-1 is not assigned", "", "Error: boom", ":", "E", "W1:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reason string) {
		got := RefusalWords(reason)
		if got == "" {
			t.Fatalf("RefusalWords(%q) is empty", reason)
		}
		trimmed := strings.TrimSpace(reason)
		end := strings.IndexAny(trimmed, ": ")
		if end < 0 {
			end = len(trimmed)
		}
		if code := trimmed[:end]; isResponseCode(code) && !strings.Contains(got, "("+code+")") {
			t.Errorf("RefusalWords(%q) = %q lost the code %s", reason, got, code)
		}
	})
}

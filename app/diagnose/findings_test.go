package diagnose

import (
	"strings"
	"testing"
	"time"
)

func TestFindings(t *testing.T) {
	tests := []struct {
		name string
		r    Readout
		want []string
	}{
		{name: "nothing", r: Readout{Clock: &ClockReading{Device: testStart, Drift: 3 * time.Second}}},
		{name: "clock off against laptop", r: Readout{Clock: &ClockReading{Device: testStart, Drift: -2 * time.Minute}},
			want: []string{"clock off by -2m0s against laptop"}},
		{name: "reference wins over laptop", r: Readout{Clock: &ClockReading{Device: testStart, Drift: 0,
			ReferenceSource: "gps", ReferenceDrift: 90 * time.Second}}, want: []string{"against gps"}},
		{name: "full device log", r: Readout{HubLog: &DeviceLog{Entries: make([]DeviceLogEntry, 16), Capacity: 16, Full: true}},
			want: []string{"hub device log full: 16 of 16"}},
		{name: "roaming is WAN", r: Readout{WAN: &WANDiagnostics{Registration: "registered, roaming"}}},
		{name: "registration unread", r: Readout{WAN: &WANDiagnostics{}}},
		{name: "denied", r: Readout{WAN: &WANDiagnostics{Registration: "registration denied"}}, want: []string{"no WAN: registration denied"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Findings(&tt.r)
			if len(got) != len(tt.want) {
				t.Fatalf("Findings = %+v, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i].Text, w) {
					t.Errorf("finding %d = %q, want %q", i, got[i].Text, w)
				}
			}
		})
	}
	if EventName(0x8F12) != "CHF device log changed" || EventName(4242) != "unknown (code 4242)" {
		t.Errorf("EventName table")
	}
}

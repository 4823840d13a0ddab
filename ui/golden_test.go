package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Golden markup of key screens in their deterministic states (refresh with
// the files Fyne writes to testdata/failed/ after a deliberate change).
func TestGoldenMarkup(t *testing.T) {
	a := test.NewTempApp(t)
	tests := []struct {
		name   string
		screen string
		opts   Options
	}{
		{"settings", ScreenSettings, Options{Settings: SettingsInfo{DataDir: "/data/smetskit"}}},
		{"commission-empty", ScreenCommission, Options{}},
		{"readout-empty", ScreenReadout, Options{}},
	}
	for _, tt := range tests {
		s := NewShell(a, tt.opts)
		s.Window.Resize(fyne.NewSize(1024, 700))
		s.Show(tt.screen)
		test.AssertRendersToMarkup(t, "shell_"+tt.name+".xml", s.Window.Canvas())
		s.Close()
	}
}

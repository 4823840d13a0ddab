package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestSettingsSaveAsTypedAndMaskSecrets(t *testing.T) {
	a := test.NewTempApp(t)
	const code = "30313233343536373839414243444546"
	s := NewShell(a, Options{Settings: SettingsInfo{DataDir: "/data/smetskit", Keys: map[string]string{"Install code": code}}})
	test.Tap(s.NavButton(ScreenSettings))
	st := s.prefs

	test.Type(st.engineer, "E1234")
	if got := a.Preferences().String(PrefEngineer); got != "E1234" {
		t.Errorf("engineer saved as %q, want E1234 as soon as typed", got)
	}
	test.Type(st.token, "tok-abcdefghijkl-9Z7Q")
	if got := st.tokenSet.Text; strings.Contains(got, "abcdefgh") || !strings.Contains(got, "9Z7Q") {
		t.Errorf("token shown as %q, want it masked to its last four", got)
	}
	if strings.Contains(st.keys.Text, code[:20]) || !strings.Contains(st.keys.Text, "Install code") {
		t.Errorf("keys shown as %q, want masked", st.keys.Text)
	}
	if st.dataDir.Text != "/data/smetskit" {
		t.Errorf("data folder = %q", st.dataDir.Text)
	}

	// Dark theme for cupboards, larger text for gloves and sunlight.
	st.theme.SetSelected(ThemeDark)
	st.size.SetSelected("Large")
	th := a.Settings().Theme()
	if got, want := th.Size(theme.SizeNameText), theme.DefaultTheme().Size(theme.SizeNameText)*1.25; got != want {
		t.Errorf("text size = %v, want %v", got, want)
	}
	dark := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark)
	if got := th.Color(theme.ColorNameBackground, theme.VariantLight); got != dark {
		t.Errorf("background = %v, want the dark theme's %v whatever the system says", got, dark)
	}
	if got := a.Preferences().String(PrefTheme); got != "dark" {
		t.Errorf("theme saved as %q", got)
	}

	// A new shell (the app restarted) comes back with the same choices.
	s2 := NewShell(a, Options{})
	if s2.prefs.engineer.Text != "E1234" || s2.prefs.theme.Selected != ThemeDark || s2.prefs.size.Selected != "Large" {
		t.Errorf("after restart: engineer %q, theme %q, size %q", s2.prefs.engineer.Text, s2.prefs.theme.Selected, s2.prefs.size.Selected)
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"short", "1234", "••••••••"},
		{"long", "30313233343536373839414243444546", "••••4546 (32 characters)"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("%s: Mask(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestSettingsEditServerAndDataFolderForNextStart(t *testing.T) {
	a := test.NewTempApp(t)
	s := NewShell(a, Options{Settings: SettingsInfo{DataDir: "/data/in-use", DataDirFrom: DataDirEnv}})
	st := s.prefs
	if !strings.Contains(st.dataDir.Text, "/data/in-use") || !strings.Contains(st.dataDir.Text, DataDirEnv) {
		t.Errorf("folder in use shown as %q, want it and where it came from", st.dataDir.Text)
	}
	test.Type(st.server, "inventory.example.net")
	if !strings.Contains(st.restart.Text, "must be an address starting with https://") {
		t.Errorf("a server without a scheme: note %q", st.restart.Text)
	}
	st.server.SetText("")
	test.Type(st.server, "https://inventory.example.net:8443")
	if strings.Contains(st.restart.Text, "must be") || !strings.Contains(st.restart.Text, "restart the app") {
		t.Errorf("a good server: note %q", st.restart.Text)
	}
	test.Type(st.supplier, "90-B3")
	if !strings.Contains(st.restart.Text, "supplier ID must be") {
		t.Errorf("a short supplier ID: note %q", st.restart.Text)
	}
	test.Type(st.supplier, "-D5-1F-30-01-00-00")
	if strings.Contains(st.restart.Text, "supplier ID must be") {
		t.Errorf("a good supplier ID: note %q", st.restart.Text)
	}
	test.Type(st.newDir, "/media/usb/smetskit")
	test.Type(st.engineer, "E77")
	test.Type(st.token, "tok-0123456789-ABCD")
	if !st.token.Password || strings.Contains(st.tokenSet.Text, "0123456789") || !strings.Contains(st.tokenSet.Text, "ABCD") {
		t.Errorf("token entry password %v, shown as %q; want it masked to its last four", st.token.Password, st.tokenSet.Text)
	}

	// What the next start reads: Settings, then SMETSKIT_DATA, then --data.
	p := a.Preferences()
	cfg, from := FieldConfig(p, "", "")
	if cfg.ServerURL != "https://inventory.example.net:8443" || cfg.Token != "tok-0123456789-ABCD" || cfg.Engineer != "E77" ||
		cfg.DataDir != "/media/usb/smetskit" || from != "Settings" || cfg.Originator != "90-B3-D5-1F-30-01-00-00" {
		t.Errorf("FieldConfig from Settings = %+v, %q", cfg, from)
	}
	if cfg, from := FieldConfig(p, "", "/env/dir"); cfg.DataDir != "/env/dir" || from != DataDirEnv {
		t.Errorf("with %s: %q from %q", DataDirEnv, cfg.DataDir, from)
	}
	if cfg, from := FieldConfig(p, "/flag/dir", "/env/dir"); cfg.DataDir != "/flag/dir" || from != "--data" {
		t.Errorf("with --data: %q from %q", cfg.DataDir, from)
	}
	p.SetString(PrefDataDir, "")
	if cfg, from := FieldConfig(p, "", ""); cfg.DataDir != "" || from != "" {
		t.Errorf("default: %q from %q, want empty (field's default)", cfg.DataDir, from)
	}
}

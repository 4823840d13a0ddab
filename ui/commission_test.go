package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestCommissionWizardInstallsDemoSite(t *testing.T) {
	a := test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	s := newShell(a, DemoOptions(d), loop.do)
	defer s.Close()
	test.Tap(s.NavButton(ScreenCommission))
	w := s.wizard
	loop.runUntil(t, w.Seen(), "the stored run (none yet)")
	if w.status != nil || w.run.Text != "Start install" {
		t.Fatalf("before any run: status %+v, button %q", w.status, w.run.Text)
	}
	idle := w.Idle()
	test.Tap(w.run)
	loop.runUntil(t, idle, "the install")
	if !strings.Contains(w.state.Text, "Install complete") {
		t.Fatalf("state = %q, now = %q", w.state.Text, w.now.Text)
	}
	if w.status == nil || w.status.Status != "done" || len(w.status.Steps) < 5 {
		t.Fatalf("status = %+v", w.status)
	}
	for _, st := range w.status.Steps {
		if line := stepLine(st); strings.HasPrefix(line, "✗") {
			t.Errorf("step failed: %s", line)
		}
		// The wizard reaches the meters too: the post-checks hold the
		// electricity meter's firmware read on site.
		if st.ID == "post-checks" {
			var ev strings.Builder
			for _, it := range st.Items {
				ev.Write(it.Evidence)
			}
			if !strings.Contains(ev.String(), `"meterFirmware":"`) {
				t.Errorf("post-checks recorded no meter firmware: %s", ev.String())
			}
		}
	}

	// After a restart the wizard shows the stored run as done.
	s2 := newShell(a, DemoOptions(d), loop.do)
	defer s2.Close()
	loop.runUntil(t, s2.wizard.Seen(), "the stored run after a restart")
	if s2.wizard.status == nil || s2.wizard.run.Text != "Install done" || !s2.wizard.run.Disabled() {
		t.Errorf("after restart: status %+v, button %q", s2.wizard.status, s2.wizard.run.Text)
	}
}

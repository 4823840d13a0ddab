package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app"
)

func TestShellNavigatesToEveryScreen(t *testing.T) {
	a := test.NewTempApp(t)
	s := NewShell(a, Options{})
	if got := s.Current(); got != ScreenJobs {
		t.Fatalf("initial screen = %q, want %q", got, ScreenJobs)
	}
	// Visit the screens in reverse so every tap changes the screen.
	for i := len(Screens) - 1; i >= 0; i-- {
		name := Screens[i]
		b := s.NavButton(name)
		if b == nil {
			t.Fatalf("no navigation button for %q", name)
		}
		test.Tap(b)
		if got := s.Current(); got != name {
			t.Errorf("after tapping %q, current screen = %q", name, got)
		}
		if s.heading.Text != name {
			t.Errorf("after tapping %q, heading = %q", name, s.heading.Text)
		}
		if b.Importance != widget.HighImportance {
			t.Errorf("button %q not highlighted after tap", name)
		}
		if len(s.content.Objects) != 1 || s.content.Objects[0] != s.screens[name] {
			t.Errorf("after tapping %q, content is not that screen", name)
		}
	}
}

func TestShellTitleSaysDemo(t *testing.T) {
	a := test.NewTempApp(t)
	if got := NewShell(a, Options{Demo: true}).Window.Title(); !strings.Contains(got, "demo") {
		t.Errorf("demo title = %q, want it to say demo", got)
	}
	if got := NewShell(a, Options{}).Window.Title(); got != app.Name+" — "+ScreenJobs {
		t.Errorf("title = %q, want %q", got, app.Name+" — "+ScreenJobs)
	}
}

func TestAboutShowsVersion(t *testing.T) {
	a := test.NewTempApp(t)
	s := NewShell(a, Options{})
	test.Tap(s.AboutButton())
	overlay := s.Window.Canvas().Overlays().Top()
	if overlay == nil {
		t.Fatal("About opened no dialog")
	}
	var texts []string
	walk(overlay, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			texts = append(texts, l.Text)
		}
	})
	if !strings.Contains(strings.Join(texts, "\n"), app.Version) {
		t.Errorf("About dialog shows %q, want the version %s", texts, app.Version)
	}
}

func TestEmptyScreensSayWhatWillAppear(t *testing.T) {
	for name, obj := range emptyScreens() {
		var text string
		walk(obj, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok {
				text += l.Text
			}
		})
		if !strings.Contains(text, "will appear here") {
			t.Errorf("screen %q says %q; an empty screen must say what will appear there", name, text)
		}
	}
}

// walk visits o and every object below it.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, child := range c.Objects {
			walk(child, f)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(c)
		for _, child := range r.Objects() {
			walk(child, f)
		}
	}
}

func TestShellAltDigitsChooseSpan(t *testing.T) {
	a := test.NewTempApp(t)
	s := newShell(a, Options{DeviceSet: NewDeviceSet()}, newEventLoop().do)
	defer s.Close()
	sc, ok := s.Window.Canvas().(fyne.Shortcutable)
	if !ok {
		t.Fatal("the canvas takes no shortcuts")
	}
	for i := len(Spans) - 1; i >= 0; i-- {
		test.Tap(s.NavButton(ScreenJobs))
		sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyName(fmt.Sprint(i + 1)), Modifier: fyne.KeyModifierAlt})
		if got := s.readout.Span(); got != Spans[i] {
			t.Errorf("Alt+%d chose span %q, want %q", i+1, got, Spans[i])
		}
		if s.Current() != ScreenReadout {
			t.Errorf("Alt+%d left the shell on %q, want %q", i+1, s.Current(), ScreenReadout)
		}
	}
	if Spans[3] != SpanYear || SpanYear != "13 months" {
		t.Errorf("Spans = %q, want the fourth to be %q", Spans, "13 months")
	}
}

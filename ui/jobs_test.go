package ui

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestJobsScreenShowsDemoJob(t *testing.T) {
	a := test.NewTempApp(t)
	d := startDemo(t)
	loop := newEventLoop()
	s := newShell(a, DemoOptions(d), loop.do)
	defer s.sync.Close()
	j := s.jobs
	loop.runUntil(t, j.Loaded(), "the job list")
	if len(j.ids) != 1 || j.job == nil {
		t.Fatalf("jobs = %v, current %v", j.ids, j.job)
	}
	if !strings.Contains(j.title.Text, "J-DEMO-1") || !strings.Contains(j.site.Text, "DT1 1AA") {
		t.Errorf("title %q, site %q", j.title.Text, j.site.Text)
	}
	if !strings.Contains(j.syncState.Text, "3 waiting") {
		t.Errorf("sync state = %q, want 3 waiting", j.syncState.Text)
	}
	if !strings.Contains(j.devices.Text, d.Site.Meters[0].Identity().DeviceID) {
		t.Errorf("devices = %q", j.devices.Text)
	}
	if len(j.checks) == 0 {
		t.Fatal("no checklist")
	}

	// A note half typed survives a restart of the app.
	test.Type(j.note, "Cupboard lock")
	s2 := newShell(a, DemoOptions(d), loop.do)
	defer s2.Close()
	loop.runUntil(t, s2.jobs.Loaded(), "the job list after a restart")
	if got := s2.jobs.note.Text; got != "Cupboard lock" {
		t.Errorf("after restart the note entry holds %q, want the draft", got)
	}
	j.note.SetText("")

	// A note is saved, then the entry clears.
	test.Type(j.note, "Meter tails replaced")
	test.Tap(j.addNote)
	loop.runUntil(t, j.Loaded(), "the job after a note")
	if !strings.Contains(j.notes.Text, "Meter tails replaced") || j.note.Text != "" {
		t.Errorf("notes = %q, entry = %q", j.notes.Text, j.note.Text)
	}

	// A checklist tick is stored.
	var item string
	for id, c := range j.checks {
		item = id
		test.Tap(c)
		break
	}
	loop.runUntil(t, j.Loaded(), "the job after a tick")
	if c := j.checks[item]; c == nil || !c.Checked {
		t.Errorf("checklist item %s not ticked after reload", item)
	}

	// A photo shows as a thumbnail.
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	j.AttachPhoto("cupboard.png", io.NopCloser(&buf))
	loop.runUntil(t, j.Loaded(), "the job after a photo")
	if len(j.photos.Objects) != 1 {
		t.Errorf("%d thumbnails, want 1", len(j.photos.Objects))
	}
	got, err := d.WorkOrders.Get(context.Background(), "J-DEMO-1")
	if err != nil || len(got.Photos) != 1 || len(got.Notes) != 1 {
		t.Errorf("stored job = %+v, %v", got, err)
	}
}

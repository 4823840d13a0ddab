// Package ui is the Fyne front end of smetskit: the window shell with its
// navigation (Jobs, Connect, Readout, Commission, Sync, Settings; Ctrl+1…6,
// Ctrl+R for the screen's main action) and, screen by screen, the views
// over the application core.
//
// Only ui and main import Fyne. No screen does I/O on the event goroutine:
// reads, detections, installs and queue queries run on their own
// goroutines and report through the bridges of bridge.go, whose small
// methods each wrap one fyne.Do (FyneApp.toml sets [Migrations] fyneDo =
// true); high-rate progress is throttled to about 60 updates a second.
// Errors reach the engineer through FieldWords, in words to act on.
//
// Each screen keeps the widgets tests need as fields, and what it needs
// from the core comes in Options; a screen without its dependency keeps an
// empty state that says what will appear there.
//
//	d, err := demo.Start(ctx, demo.Options{}) // or the real store, probes and sync client
//	if err != nil { ... }
//	defer d.Close()
//	a := fyneapp.NewWithID(app.ID)
//	shell := ui.NewShell(a, ui.DemoOptions(d))
//	shell.Window.ShowAndRun()
package ui

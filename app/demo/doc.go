// Package demo is the runtime behind `smetskit --demo`: a simulated site
// (sim scenario "demo": a communications hub and a meter), a local store in
// a temporary folder with a few queued messages, and an inventory service
// (sync/server) running in-process on the loopback interface, so a
// newcomer sees a complete install and a readout with no hardware.
//
// Devices are reached in-process through the IEC 62056-47 wrapper over
// net.Pipe (Meter, Hub: diagnose Connectors), and, where the platform has
// pseudo-terminals, also on ptys so the real serial code path can find them
// (PTYs).
//
//	d, err := demo.Start(ctx, demo.Options{})
//	if err != nil { ... }
//	defer d.Close()
//	s, err := diagnose.Open(ctx, d.Meter(0), d.ReaderConfig())
//	r, err := s.Read(ctx, diagnose.Request{})
//
// Nothing here imports Fyne: the ui package drives it.
package demo

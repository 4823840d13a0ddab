// Package probe holds two use cases of the app core: finding out what
// answers behind an optical probe or serial cable (Detect), and telling a
// field engineer why nothing does (SelfTest, Advice).
//
// Both take a Port, the shape that serial ports, USB probes and the
// simulator's line ends share, so the same code runs against a meter on
// site and against sim in tests:
//
//	store := probe.NewFileStore(filepath.Join(dir, "probe-profiles.json"))
//	res, err := probe.Detect(ctx, port, probe.Options{
//		Store:    store, // remembers what worked per manufacturer and model
//		Progress: func(p probe.Progress) { bridge.update(p.Attempt, p.Of, p.What) },
//	})
//	if err != nil {
//		title, action := probe.Advice(err) // "Nothing answered at 300 Bd", "Clean the optical head ..."
//		...
//	}
//	fmt.Println(res.Protocol, res.Baud, res.Manufacturer, res.Model, res.Address)
//
// Detect tries mode E (IEC 62056-21 sign-on, then HDLC), stepping down to
// 300 Bd when the meter ignores the speed it proposed, then the mode C
// readout, then direct HDLC at common speeds; see Detect for the order and
// the timing. SelfTest runs the IEC 62056-21 part alone and reports the
// echo check and a verdict (Report.Kind) for the probe and the optical link.
//
// Manual settings for an awkward meter (mode, speed, HDLC addresses with
// their encoded size of 1, 2 or 4 bytes, security, deviation sign) are a
// Settings, remembered per model with RememberSettings (never the
// secret), tried first by Detect through Options.Manual, and turned into a
// reading by Connector and Settings.ReaderConfig. Once a meter identifies
// itself, mode E tries the address remembered for its model first:
//
//	s := manual.WithResult(res) // fill what the engineer left open
//	cfg, err := s.ReaderConfig()
//	sess, err := diagnose.Open(ctx, probe.Connector(open, "/dev/ttyUSB0", s), cfg)
//
// Errors are *Error with a Kind (no answer, garbled, answered then
// stopped, echo only, refused, port failed); Advice maps them to a title
// and an action, apart from Error(), which is for the log.
package probe

// Package diagnose runs diagnostic readouts of GB smart meters and
// communications hubs and keeps what was read as tamper-evident evidence.
//
// # Sessions
//
// A Session is one DLMS/COSEM association opened through a Connector: TCP
// with the IEC 62056-47 wrapper (TCP, ConnLink), or a probe or serial port
// with IEC 62056-21 sign-on, mode E and HDLC (Optical). It reads the
// association's object list first (IEC 62056-6-2 §4.4.3; probing the usual
// objects when a device has none) and then only what the device offers,
// named with package cosem's tables: identity, clock with drift against
// the laptop and, where known, GPS or NTP time (Config.ReferenceClock, such
// as an NTPClock asked in the background when the laptop has a network),
// registers and instantaneous values with units (Instantaneous re-reads
// only the values, for a live view), disconnect control, load
// profiles by date range, event logs with decoded event codes (EventName;
// corrupted entries kept and marked), the hub's device log and its WAN
// diagnostics. Long reads report Progress (rows, bytes, ETA) and stop
// promptly when the context ends.
//
//	s, err := diagnose.Open(ctx, diagnose.TCP("10.0.0.5:4059", 17, 1), diagnose.Config{
//		Client:   dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: pw},
//		Progress: func(p diagnose.Progress) { fmt.Printf("%d/%d rows\n", p.Rows, p.Expected) },
//	})
//	if err != nil { ... }
//	r, err := s.Read(ctx, diagnose.Request{From: from, To: to}) // r.Problems lists findings
//	b, err := diagnose.NewBundle(diagnose.Header{Engineer: "E123", JobID: "J-42"}, s, r)
//	_ = s.Close(ctx)
//
// A reference clock is asked while the association opens and is waited
// for at most Config.ReferenceWait at the clock read; without an answer
// ClockReading.ReferenceProblem says why and the drift is against the
// laptop only:
//
//	cfg.ReferenceClock = &diagnose.NTPClock{Server: "pool.ntp.org"}
//
// # Evidence and exports
//
// A Bundle is a SHA-256 hash chain: header (engineer, job, device, probe
// and session parameters, timestamps), readout, trace of the frames, and
// operations. Verify finds any change; Head is the evidence hash printed
// on reports. An Attacher attaches a bundle to a job and queues it for
// sync (StoreAttacher: the store's outbox, in one transaction).
//
//	err = b.Save(f)                              // self-contained JSON
//	err = diagnose.StoreAttacher{DB: db, Dir: dir}.Attach(ctx, "J-42", b)
//	err = diagnose.WriteCSV(w, r, diagnose.SectionProfile)
//	err = diagnose.WritePDF(w, b)                // summary, profile chart, events, evidence hash
//
// # Guarded operations
//
// Clock set, disconnect, reconnect and firmware activation go through a
// Plan (what will change, shown to the engineer) and Execute, which checks
// the role against Permissions (data) and reads the object back to verify.
package diagnose

// Package diagnose runs diagnostic readouts of GB smart meters and
// communications hubs and keeps what was read as tamper-evident evidence.
//
// A Session is one DLMS/COSEM association opened through a Connector (TCP
// with the IEC 62056-47 wrapper, or an optical probe with IEC 62056-21
// mode E and HDLC: the caller decides). It reads the association's object
// list first and then only what the device offers, named with package
// cosem's tables: identity, clock (drift against the laptop and, where
// known, GPS or NTP time), registers with units, disconnect control,
// load profiles by date range, event logs with decoded event codes, the
// hub's device log and WAN diagnostics. Long reads report Progress and
// stop when the context ends.
//
//	s, err := diagnose.Open(ctx, diagnose.TCP("10.0.0.5:4059", 17, 1), diagnose.Config{
//		Client:   dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: pw},
//		Progress: func(p diagnose.Progress) { fmt.Printf("%d/%d rows\n", p.Rows, p.Expected) },
//	})
//	if err != nil { ... }
//	defer s.Close(ctx)
//	r, err := s.Read(ctx, diagnose.Request{From: from, To: to}) // r.Problems lists findings
//	b, err := diagnose.NewBundle(diagnose.Header{Engineer: "E123", JobID: "J-42"}, s, r)
//	err = b.Save(f)                   // JSON, hash-chained; b.Verify() detects tampering
//	err = diagnose.WriteCSV(w, r, diagnose.SectionProfile)
//	err = diagnose.WritePDF(w, b)     // summary, profile chart, events, evidence hash
//
// Guarded operations (clock set, disconnect, reconnect, firmware
// activation) go through Plan and Execute: the role must allow them, the
// plan says what will change, and Execute reads back to verify.
package diagnose

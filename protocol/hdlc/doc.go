// Package hdlc implements the HDLC link layer of IEC 62056-46 (frame format
// type 3) used on the optical port and serial lines of DLMS/COSEM meters:
// frame encoding and decoding with CRC-16/X.25 header and frame check
// sequences, 1-, 2- and 4-byte addresses, the LLC header, a stream framer
// that resynchronises after garbage, and the link state machine (SNRM/UA
// with parameter negotiation, I-frames modulo 8 with windows, segmentation,
// RR/RNR polling, retransmission, DM/FRMR handling and DISC) in both the
// client (primary) and server (secondary) roles.
//
// Wire formats and the clauses followed are summarised in PROTOCOLS.md §2.
//
// Decoding one frame:
//
//	f, err := hdlc.DecodeFrame(b) // b holds 7E … 7E
//	if err != nil {
//		var fe *hdlc.FrameError // Op, Offset, Err (ErrBadFCS, ErrBadHCS, …)
//		…
//	}
//	fmt.Println(f.Dst, f.Src, f.Control, len(f.Info))
//
// Reading frames from a byte stream, skipping garbage and bad frames
// without allocating:
//
//	fr := hdlc.NewFramer(port)
//	for {
//		f, err := fr.Next() // f.Info is valid until the next call
//		…
//	}
//
// Running a link as a client over any byte transport (a serial port, a
// net.Conn, a sim.Line end):
//
//	link, err := hdlc.Dial(ctx, conn, hdlc.Config{
//		ClientSAP: 16, ServerLogical: 1, ServerPhysical: 17, ServerAddressSize: 2,
//		Params: hdlc.Params{MaxInfoTx: 1024, MaxInfoRx: 1024, WindowTx: 7, WindowRx: 7},
//	})
//	if err != nil { … }
//	defer link.Close(ctx)
//	err = link.Send(ctx, getRequest) // LLC E6 E6 00 added, segmented as negotiated
//	resp, err := link.Receive(ctx)   // whole APDU, LLC stripped
//
// A simulated meter uses Accept, then Receive and Send in turn.
//
// Timeouts surface as *TimeoutError (errors.Is(err, ErrTimeout)); DM and
// FRMR from the peer as *LinkError wrapping ErrDisconnectedMode or
// ErrFrameRejected; bad frames as *FrameError.
package hdlc

// Package iec62056 speaks IEC 62056-21, the local optical and serial
// exchange of electricity meters: sign-on, identification, option select,
// the baud-rate switch, data readout (mode C), programming mode, and the
// hand-over to HDLC (mode E). It holds both sides: the client session
// driver and the message encoders and parsers a simulated meter needs.
//
// # Session driver
//
// The driver works over a Port (a serial port, a USB probe or the sim
// line emulator) that can change speed mid-session. Every call takes a
// context and is bounded by the time-outs in Options; errors are *Error
// values whose Kind tells "nothing answered", "garbled answer" and
// "meter stayed at old speed" apart.
//
//	cl, err := iec62056.SignOn(ctx, port, iec62056.Options{Echo: true, MaxBaud: 9600})
//	if err != nil { ... }                   // iec62056.KindOf(err) == iec62056.KindNoAnswer, ...
//	ro, err := cl.ReadOut(ctx)             // mode C readout, with fallback to 300 Bd
//	for _, r := range ro.Records {
//		fmt.Println(r.Address, r.OBIS, r.Values[0].Value, r.Unit)
//	}
//
//	link, err := cl.EnterModeE(ctx)        // 8N1 at the agreed speed: hand it to HDLC
//
//	s, err := cl.Program(ctx, iec62056.Auth{Password: "00000000"})
//	recs, err := s.Read(ctx, "1.8.0")      // R1
//	err = s.Write(ctx, "C003", "910324092239") // W1
//	err = s.Break(ctx)                     // B0, back to 300 Bd
//
// Each of ReadOut, EnterModeE and Program signs on again by itself when
// the previous one used up the sign-on.
//
// # Messages
//
// The codecs work on byte slices:
//
//	d, err := iec62056.Decode(msg)          // any message, for display (smetsctl decode iec21)
//	ro, err := iec62056.ParseReadout(msg)   // STX data "!" CR LF ETX BCC → records
//	id, err := iec62056.ParseIdentification(line)
//	ack := iec62056.OptionSelect{Protocol: '0', Baud: '5', Mode: '0'}.Bytes()
//
// The meter side (meter.go) cuts the client's stream with FrameLength,
// parses it with ParseClientMessage, and answers with
// Identification.Bytes, ReadoutBlocks, OperandMessage, AnswerMessage,
// ErrorMessage and OptionSelect.Confirm.
//
// Byte layouts follow IEC 62056-21:2002 §6.3; where the public sources
// behind PROTOCOLS.md §1 could not confirm a detail, the comment says
// "unverified".
package iec62056

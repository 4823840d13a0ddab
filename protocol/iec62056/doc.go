// Package iec62056 speaks IEC 62056-21, the local optical and serial
// exchange of electricity meters: sign-on, identification, option select,
// the baud-rate switch, data readout (mode C), programming mode, and the
// hand-over to HDLC (mode E). It holds both sides: the client session
// driver and the message encoders and parsers a simulated meter needs.
//
// The codecs work on byte slices:
//
//	d, err := iec62056.Decode(msg)          // any message, for display (smetsctl decode iec21)
//	ro, err := iec62056.ParseReadout(msg)   // STX data "!" CR LF ETX BCC → records
//	id, err := iec62056.ParseIdentification(line)
//	ack := iec62056.OptionSelect{Protocol: '0', Baud: '5', Mode: '0'}.Bytes()
//
// A readout record keeps the meter's address and values as sent, and the
// address as an OBIS code where it is one:
//
//	for _, r := range ro.Records {
//		fmt.Println(r.Address, r.OBIS, r.Values[0].Value, r.Unit)
//	}
//
// Byte layouts follow IEC 62056-21:2002 §6.3; where the public sources
// behind PROTOCOLS.md §1 could not confirm a detail, the comment says
// "unverified".
package iec62056

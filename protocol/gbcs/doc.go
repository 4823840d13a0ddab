// Package gbcs decodes and builds Great Britain Companion Specification
// (GBCS) messages: the General-Ciphering wrapper with its MAC, the
// General-Signing grouping header (pre-commands included), General Block
// Transfer streams and their reassembly, the message-code and alert-code
// tables, payload decoding (DLMS through package dlms, GBZ/ZCL, ASN.1 DER),
// the GBCS key derivation, MAC and signatures, and the ZigBee install-code
// link key. Byte layouts follow GBCS §7 (summarised in DOMAIN.md §16);
// the cryptography reproduces the GBCS §18.4 test vectors.
//
// Decode a message from text, as `smetsctl decode gbcs` does (hex with
// whitespace, GFI lines or base64); the result marshals to JSON:
//
//	d, err := gbcs.DecodeText(text)
//	if err != nil {
//		return err
//	}
//	fmt.Println(d.UseCase, d.Header.CRA, d.Payload.Kind)
//	if d.Facts != nil {
//		fmt.Println(d.Facts.Outcome, d.Facts.JoinResult, d.Facts.DeviceLog)
//	}
//
// Work with frames directly:
//
//	m, err := gbcs.Parse(raw)              // DD 00 … or DF …
//	p, err := gbcs.DecodePayload(m)        // DLMS, GBZ or ASN.1
//	r := m.Reply(respPayload)              // a device's answer
//	err = gbcs.Sign(rand.Reader, devKey, r) // ECDSA P-256 over the header
//	err = gbcs.Seal(macKey, r)             // 12-byte GMAC
//	wire, err := r.MarshalBinary()
//
// Large messages travel as GBT blocks: SplitBlocks cuts a message, a
// Reassembler (or Reassemble for a whole stream) puts it back together.
//
// Nothing read from the wire panics: lengths are checked against the bytes
// left and capped before allocating, and DER nesting is bounded.
package gbcs

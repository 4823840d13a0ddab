// Package gbcs decodes and builds Great Britain Companion Specification
// (GBCS) messages: the General-Ciphering wrapper with its MAC, the
// General-Signing grouping header, pre-commands, General Block Transfer
// streams, the message-code and alert-code tables, payload decoding (DLMS,
// GBZ and ASN.1 DER), the GBCS key derivation, MAC and signatures, and the
// ZigBee install-code link key.
//
// Decode a message from hex text, as smetsctl does:
//
//	d, err := gbcs.DecodeText(text) // whitespace allowed
//	if err != nil {
//		return err
//	}
//	fmt.Println(d.Header.CRA, d.UseCase, d.Payload.Kind)
//
// Work with the frame directly:
//
//	m, err := gbcs.Parse(raw)
//	...
//	m.Payload = newPayload
//	out, err := m.MarshalBinary()
//
// Byte layouts follow GBCS §7 (DOMAIN.md §16); cryptography follows GBCS
// §18.4 test vectors.
package gbcs

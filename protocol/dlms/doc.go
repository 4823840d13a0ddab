// Package dlms implements the DLMS/COSEM application layer: the ACSE
// association APDUs (AARQ, AARE, RLRQ, RLRE), the xDLMS services (GET, SET,
// ACTION, ACCESS, DataNotification, EventNotification, service-specific and
// general block transfer), security suite 0 and suite 1 (AES-GCM-128 glo-,
// ded- and general-glo-ciphering, HLS-GMAC, HLS-ECDSA on P-256), the
// IEC 62056-47 wrapper, and a Client and a Server that run one association
// over any Transport (IEC 62056-5-3, IEC 62056-47, DLMS UA Green Book; the
// project's summary is PROTOCOLS.md §3–§8).
//
// # Codecs
//
// Decode turns bytes into one of the APDU types (*AARQ, *GetRequestNormal,
// *CipheredAPDU, *AccessRequest, ...) and Encode does the reverse. A-XDR
// Data travel as raw encoded bytes (type Data); decode them with package
// axdr. Nothing from the wire can make the decoders panic, every length is
// checked against the bytes present before it is used, and trailing bytes
// after a complete APDU come back as the APDU plus an error wrapping
// ErrTrailingBytes. Explain gives a JSON-marshalable account of one APDU,
// deciphering it when given a key.
//
// # Sessions
//
// A Transport carries whole APDUs: *hdlc.Link on a serial or optical line,
// *WrapperConn over TCP or UDP.
//
//	link, err := hdlc.Dial(ctx, port, hdlc.Config{ClientSAP: 1, ServerLogical: 1, ServerPhysical: 17})
//	if err != nil { ... }
//	c, err := dlms.Associate(ctx, link, dlms.ClientConfig{
//		Mechanism: dlms.MechanismGMAC, Ciphered: true,
//		Keys:      dlms.Keys{EK: ek, AK: ak}, SystemTitle: ourTitle,
//		InvocationCounter: counterReadByThePublicClient + 1,
//	})
//	if err != nil { ... }                  // *AssociationError: errors.Is(err, dlms.ErrAuthentication) ...
//	defer c.Release(ctx)
//	clock, err := c.Get(ctx, dlms.ClockTimeAttr, nil)
//	p, err := c.ReadProfile(ctx, [6]byte{1, 0, 99, 1, 0, 255}, from, to)
//	for _, row := range p.Rows { fmt.Println(row.Time, row.Cells) }
//
// A Server answers the same associations from an ObjectModel (the
// simulator's objects): NewServer(model, cfg).Serve(ctx, transport).
//
// Keys are never logged: Keys, ClientConfig and ServerConfig print only
// the length of secrets.
package dlms

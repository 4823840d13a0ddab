package dlms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// Security control byte bits (IEC 62056-5-3 §9.2.7.2.3; PROTOCOLS.md §8.1).
const (
	SCAuthentication = 0x10
	SCEncryption     = 0x20
	SCBroadcastKey   = 0x40
	SCCompression    = 0x80
	SCSuiteMask      = 0x0F
)

// tagLength is the GCM tag length used by DLMS security suites 0 and 1.
const tagLength = 12

// CipheredAPDU is a glo- or ded- ciphered APDU, or a general-glo- /
// general-ded-ciphering APDU when Tag is DB or DC (IEC 62056-5-3 §9.2.7.2;
// PROTOCOLS.md §8.2).
//
//	glo/ded:      tag | length | SC | IC(u32) | payload
//	general-*:    tag | length ST | ST | length | SC | IC(u32) | payload
//
// Payload is ciphertext ‖ tag (SC 30), plaintext ‖ tag (SC 10) or
// ciphertext alone (SC 20).
type CipheredAPDU struct {
	Tag               byte
	SystemTitle       []byte // general-*-ciphering only; may be empty
	SecurityControl   byte
	InvocationCounter uint32
	Payload           []byte
}

func (a *CipheredAPDU) apduName() string {
	switch a.Tag {
	case TagGeneralGloCiphering:
		return "general-glo-ciphering"
	case TagGeneralDedCiphering:
		return "general-ded-ciphering"
	}
	if isDedicatedTag(a.Tag) {
		return fmt.Sprintf("ded-APDU(%#02x)", a.Tag)
	}
	return fmt.Sprintf("glo-APDU(%#02x)", a.Tag)
}

// AppendAPDU appends the encoding.
func (a *CipheredAPDU) AppendAPDU(dst []byte) ([]byte, error) {
	dst = append(dst, a.Tag)
	if a.Tag == TagGeneralGloCiphering || a.Tag == TagGeneralDedCiphering {
		dst = appendOctets(dst, a.SystemTitle)
	}
	dst = appendLength(dst, 5+len(a.Payload))
	dst = append(dst, a.SecurityControl)
	dst = appendU32(dst, a.InvocationCounter)
	return append(dst, a.Payload...), nil
}

func isCipheredTag(t byte) bool {
	switch t {
	case 0x21, 0x28, 0x2E, 0x25, 0x26, 0x2C, 0x2D,
		0x41, 0x48, 0x4E, 0x45, 0x46, 0x4C, 0x4D,
		0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCF,
		0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD7,
		TagGeneralGloCiphering, TagGeneralDedCiphering:
		return true
	}
	return false
}

func isDedicatedTag(t byte) bool {
	return t >= 0x41 && t <= 0x4E || t >= 0xD0 && t <= 0xD7 || t == TagGeneralDedCiphering
}

// PlainTag returns the tag of the APDU that a glo- or ded- tag protects
// (C8 → C0, D4 → C4, 21 → 01, 48 → 08), and false for other tags, including
// general-*-ciphering whose content carries its own tag.
func PlainTag(t byte) (byte, bool) {
	switch {
	case t >= 0x21 && t <= 0x2E && isCipheredTag(t):
		return t - 0x20, true
	case t >= 0x41 && t <= 0x4E && isCipheredTag(t):
		return t - 0x40, true
	case t >= 0xC8 && t <= 0xCF && isCipheredTag(t):
		return t - 0x08, true
	case t >= 0xD0 && t <= 0xD7 && isCipheredTag(t):
		return t - 0x10, true
	}
	return 0, false
}

// CipheredTag returns the glo- (dedicated false) or ded- tag that protects an
// APDU with the given plain tag, and false when there is none.
func CipheredTag(plain byte, dedicated bool) (byte, bool) {
	var t byte
	switch {
	case plain >= 0x01 && plain <= 0x0E:
		t = plain + 0x20
		if dedicated {
			t = plain + 0x40
		}
	case plain >= 0xC0 && plain <= 0xC7:
		t = plain + 0x08
		if dedicated {
			t = plain + 0x10
		}
	default:
		return 0, false
	}
	if !isCipheredTag(t) {
		return 0, false
	}
	return t, true
}

func decodeCiphered(b []byte) (APDU, int, error) {
	a := &CipheredAPDU{Tag: b[0]}
	r := &reader{b: b, off: 1}
	if a.Tag == TagGeneralGloCiphering || a.Tag == TagGeneralDedCiphering {
		a.SystemTitle = r.octets()
	}
	content := r.octets()
	if r.err == nil && len(content) < 5 {
		r.fail(fmt.Errorf("%w: ciphered content of %d bytes", ErrMalformed, len(content)))
	}
	if r.err != nil {
		return nil, 0, named(r.err, a.apduName())
	}
	a.SecurityControl = content[0]
	a.InvocationCounter = binary.BigEndian.Uint32(content[1:5])
	a.Payload = content[5:]
	return a, r.off, nil
}

// nonce returns the GCM initialisation vector: sender system title ‖ IC
// (PROTOCOLS.md §8.2).
func nonce(systemTitle []byte, ic uint32) ([]byte, error) {
	if len(systemTitle) != 8 {
		return nil, fmt.Errorf("%w: system title of %d bytes, want 8", ErrDecipher, len(systemTitle))
	}
	iv := make([]byte, 12)
	copy(iv, systemTitle)
	binary.BigEndian.PutUint32(iv[8:], ic)
	return iv, nil
}

func newGCM(key []byte) (cipher.AEAD, cipher.Block, error) {
	if len(key) == 0 {
		return nil, nil, ErrNoKey
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrNoKey, err)
	}
	g, err := cipher.NewGCMWithTagSize(blk, tagLength)
	if err != nil {
		return nil, nil, err
	}
	return g, blk, nil
}

// ctrStream is AES-GCM without authentication: AES-CTR from IV ‖ 00000002,
// used for SC 20 (encryption only).
func ctrStream(blk cipher.Block, iv []byte, dst, src []byte) {
	ctr := make([]byte, 16)
	copy(ctr, iv)
	ctr[15] = 2
	cipher.NewCTR(blk, ctr).XORKeyStream(dst, src)
}

// Seal protects plaintext with the given security control, key (EK, or the
// dedicated key), authentication key AK, sender system title and invocation
// counter, and returns the payload of a ciphered APDU (IEC 62056-5-3
// §9.2.7.2.4; PROTOCOLS.md §8.2).
func Seal(sc byte, key, ak, systemTitle []byte, ic uint32, plaintext []byte) ([]byte, error) {
	if sc&SCCompression != 0 {
		return nil, fmt.Errorf("%w: compression not supported", ErrDecipher)
	}
	iv, err := nonce(systemTitle, ic)
	if err != nil {
		return nil, err
	}
	g, blk, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	switch sc & (SCAuthentication | SCEncryption) {
	case SCAuthentication | SCEncryption:
		return g.Seal(nil, iv, plaintext, aad(sc, ak, nil)), nil
	case SCAuthentication:
		tag := g.Seal(nil, iv, nil, aad(sc, ak, plaintext))
		return append(append([]byte(nil), plaintext...), tag...), nil
	case SCEncryption:
		out := make([]byte, len(plaintext))
		ctrStream(blk, iv, out, plaintext)
		return out, nil
	}
	return append([]byte(nil), plaintext...), nil
}

// Open reverses Seal: it checks the tag and returns the plaintext. A wrong
// key, title, counter or tag gives an error wrapping ErrDecipher.
func Open(sc byte, key, ak, systemTitle []byte, ic uint32, payload []byte) ([]byte, error) {
	if sc&SCCompression != 0 {
		return nil, fmt.Errorf("%w: compression not supported", ErrDecipher)
	}
	iv, err := nonce(systemTitle, ic)
	if err != nil {
		return nil, err
	}
	g, blk, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	switch sc & (SCAuthentication | SCEncryption) {
	case SCAuthentication | SCEncryption:
		if len(payload) < tagLength {
			return nil, fmt.Errorf("%w: payload shorter than the tag", ErrDecipher)
		}
		p, err := g.Open(nil, iv, payload, aad(sc, ak, nil))
		if err != nil {
			return nil, fmt.Errorf("%w: authentication tag mismatch", ErrDecipher)
		}
		return p, nil
	case SCAuthentication:
		if len(payload) < tagLength {
			return nil, fmt.Errorf("%w: payload shorter than the tag", ErrDecipher)
		}
		plain := payload[:len(payload)-tagLength]
		want := g.Seal(nil, iv, nil, aad(sc, ak, plain))
		if subtle.ConstantTimeCompare(want, payload[len(plain):]) != 1 {
			return nil, fmt.Errorf("%w: authentication tag mismatch", ErrDecipher)
		}
		return append([]byte(nil), plain...), nil
	case SCEncryption:
		out := make([]byte, len(payload))
		ctrStream(blk, iv, out, payload)
		return out, nil
	}
	return append([]byte(nil), payload...), nil
}

func aad(sc byte, ak, plaintext []byte) []byte {
	a := make([]byte, 0, 1+len(ak)+len(plaintext))
	a = append(a, sc)
	a = append(a, ak...)
	return append(a, plaintext...)
}

// GMAC computes the HLS mechanism 5 response f(x) = SC ‖ IC ‖ GMAC tag, where
// the tag is AES-GCM over no plaintext with AAD = SC ‖ AK ‖ challenge and
// IV = own system title ‖ IC (IEC 62056-5-3 §9.2.7.4; PROTOCOLS.md §8.3).
// sc is normally 0x10.
func GMAC(sc byte, ek, ak, systemTitle []byte, ic uint32, challenge []byte) ([]byte, error) {
	iv, err := nonce(systemTitle, ic)
	if err != nil {
		return nil, err
	}
	g, _, err := newGCM(ek)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 5, 5+tagLength)
	out[0] = sc
	binary.BigEndian.PutUint32(out[1:], ic)
	return g.Seal(out, iv, nil, aad(sc, ak, challenge)), nil
}

// VerifyGMAC checks a peer's f(x) against the challenge we sent, using the
// peer's system title.
func VerifyGMAC(ek, ak, peerTitle, challenge, fx []byte) error {
	if len(fx) != 5+tagLength {
		return fmt.Errorf("%w: GMAC response of %d bytes", ErrAuthentication, len(fx))
	}
	want, err := GMAC(fx[0], ek, ak, peerTitle, binary.BigEndian.Uint32(fx[1:5]), challenge)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(want, fx) != 1 {
		return fmt.Errorf("%w: GMAC response does not verify", ErrAuthentication)
	}
	return nil
}

// Keys holds the suite 0/1 symmetric keys of one association side. Its
// String and GoString never print key material.
type Keys struct {
	EK        []byte // global unicast encryption key
	AK        []byte // authentication key
	Dedicated []byte // dedicated key of the current association, if any
}

func (k Keys) String() string {
	return fmt.Sprintf("Keys{EK:%s AK:%s Dedicated:%s}", redact(k.EK), redact(k.AK), redact(k.Dedicated))
}

// GoString keeps %#v from printing the keys.
func (k Keys) GoString() string { return k.String() }

func redact(b []byte) string {
	if b == nil {
		return "none"
	}
	return fmt.Sprintf("<%d bytes>", len(b))
}

// Protect wraps a plain xDLMS APDU into its glo- (or, when dedicated is true,
// ded-) ciphered form.
func Protect(plain []byte, sc byte, keys Keys, senderTitle []byte, ic uint32, dedicated bool) (*CipheredAPDU, error) {
	if len(plain) == 0 {
		return nil, ErrTruncated
	}
	tag, ok := CipheredTag(plain[0], dedicated)
	if !ok {
		return nil, fmt.Errorf("%w: no ciphered form of tag %#02x", ErrUnknownTag, plain[0])
	}
	key := keys.EK
	if dedicated {
		key = keys.Dedicated
	}
	p, err := Seal(sc, key, keys.AK, senderTitle, ic, plain)
	if err != nil {
		return nil, err
	}
	return &CipheredAPDU{Tag: tag, SecurityControl: sc, InvocationCounter: ic, Payload: p}, nil
}

// ProtectGeneral wraps any APDU into general-glo-ciphering (tag DB), which
// carries the sender's system title (IEC 62056-5-3 §9.2.7.2.4; PROTOCOLS.md
// §8.2).
func ProtectGeneral(plain []byte, sc byte, keys Keys, senderTitle []byte, ic uint32) (*CipheredAPDU, error) {
	p, err := Seal(sc, keys.EK, keys.AK, senderTitle, ic, plain)
	if err != nil {
		return nil, err
	}
	return &CipheredAPDU{Tag: TagGeneralGloCiphering, SystemTitle: senderTitle, SecurityControl: sc,
		InvocationCounter: ic, Payload: p}, nil
}

// Unprotect returns the plain APDU inside a ciphered APDU. senderTitle is
// the peer's system title; for general-*-ciphering the title carried in the
// APDU is used when present.
func (a *CipheredAPDU) Unprotect(keys Keys, senderTitle []byte) ([]byte, error) {
	key := keys.EK
	if isDedicatedTag(a.Tag) {
		key = keys.Dedicated
	}
	if len(a.SystemTitle) > 0 {
		senderTitle = a.SystemTitle
	}
	p, err := Open(a.SecurityControl, key, keys.AK, senderTitle, a.InvocationCounter, a.Payload)
	if err != nil {
		return nil, err
	}
	if want, ok := PlainTag(a.Tag); ok && (len(p) == 0 || p[0] != want) {
		return nil, fmt.Errorf("%w: plaintext tag does not match %#02x", ErrDecipher, a.Tag)
	}
	return p, nil
}

package gbcs

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"encoding/binary"
	"fmt"
)

// SecurityControlEncrypted is the security-control byte of the encrypted
// parts of a payload (sensitive data in some responses): encryption and
// authentication. It is also their whole AAD.
const SecurityControlEncrypted = 0x31

// craEncryption replaces the CRA flag in the KDF OtherInfo when deriving
// the key of encrypted payload parts.
const craEncryption = 0x04

// ContentKey derives the AES-128 key of the encrypted parts of m's
// payload: the GBCS KDF with the transaction-id flag 0x04 and, when the
// other-information names a supplementary remote party, that party as the
// recipient. priv and pub are the key-agreement keys of the recipient (or
// remote party) and of the device.
//
// This follows the gbcs-parser reading of GBCS (DOMAIN.md §16.7); no
// published vector checks it.
func ContentKey(priv *ecdh.PrivateKey, pub *ecdh.PublicKey, m *Message) ([16]byte, error) {
	z, err := SharedSecret(priv, pub)
	if err != nil {
		return [16]byte{}, err
	}
	recipient := m.Recipient
	if m.OtherInfo.SupplementaryRemotePartyID != nil {
		recipient = *m.OtherInfo.SupplementaryRemotePartyID
	}
	tx := TransactionID{CRA: craEncryption, Counter: m.Counter}
	return KDF(z, KDFOtherInfo(m.Originator, tx, recipient)), nil
}

func contentAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("gbcs: content key: %w", err)
	}
	return cipher.NewGCMWithTagSize(block, MACSize)
}

// DecryptContent opens ciphertext‖tag (12-byte tag) of an encrypted
// payload part of m: AES-128-GCM, IV = originator system title ‖
// 00000000, AAD = 0x31. It returns ErrMAC when the tag does not verify.
func DecryptContent(key []byte, m *Message, ciphertextAndTag []byte) ([]byte, error) {
	aead, err := contentAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(ciphertextAndTag) < MACSize {
		return nil, fmt.Errorf("%w: encrypted part of %d bytes", ErrShort, len(ciphertextAndTag))
	}
	iv := append(m.Originator[:len(m.Originator):len(m.Originator)], 0, 0, 0, 0)
	pt, err := aead.Open(nil, iv, ciphertextAndTag, []byte{SecurityControlEncrypted})
	if err != nil {
		return nil, ErrMAC
	}
	return pt, nil
}

// EncryptContent is the inverse of DecryptContent.
func EncryptContent(key []byte, m *Message, plaintext []byte) ([]byte, error) {
	aead, err := contentAEAD(key)
	if err != nil {
		return nil, err
	}
	iv := append(m.Originator[:len(m.Originator):len(m.Originator)], 0, 0, 0, 0)
	return aead.Seal(nil, iv, plaintext, []byte{SecurityControlEncrypted}), nil
}

// CipheredContent splits the payload of an encrypted GBZ component: a
// 2-byte ciphered-information length, the 5-byte security header, then
// ciphertext‖tag.
func (c *GBZComponent) CipheredContent() (securityHeader, ciphertextAndTag []byte, err error) {
	if !c.Encrypted {
		return nil, nil, fmt.Errorf("%w: component is not encrypted", ErrTag)
	}
	p := c.Payload
	if len(p) < 2 {
		return nil, nil, ErrShort
	}
	n := int(binary.BigEndian.Uint16(p))
	if n < 5+MACSize || 2+n != len(p) {
		return nil, nil, fmt.Errorf("%w: ciphered information of %d bytes in %d", ErrLength, n, len(p)-2)
	}
	return p[2:7], p[7:], nil
}

// DecryptGBZComponent returns a copy of the encrypted component c of
// message m with its ZCL payload decrypted and decoded (attributes of Read
// Attributes Responses and so on).
func DecryptGBZComponent(key []byte, m *Message, c *GBZComponent) (*GBZComponent, error) {
	_, ct, err := c.CipheredContent()
	if err != nil {
		return nil, fmt.Errorf("decrypt GBZ component: %w", err)
	}
	pt, err := DecryptContent(key, m, ct)
	if err != nil {
		return nil, fmt.Errorf("decrypt GBZ component: %w", err)
	}
	out := *c
	out.Encrypted = false
	out.Control &^= GBZEncrypted
	out.AdditionalHeader = nil
	out.Payload = pt
	out.Attributes, out.Default = nil, nil
	out.decodeBody()
	return &out, nil
}

// EncryptGBZComponent returns a copy of the plaintext component c with its
// ZCL payload encrypted for message m (additional header 00 00, security
// header 31 00000000).
func EncryptGBZComponent(key []byte, m *Message, c *GBZComponent) (*GBZComponent, error) {
	ct, err := EncryptContent(key, m, c.Payload)
	if err != nil {
		return nil, err
	}
	n := 5 + len(ct)
	if n > 0xFFFF {
		return nil, fmt.Errorf("encrypt GBZ component: %w: %d bytes", ErrLength, n)
	}
	p := binary.BigEndian.AppendUint16(make([]byte, 0, 2+n), uint16(n))
	p = append(p, SecurityControlEncrypted, 0, 0, 0, 0)
	p = append(p, ct...)
	out := *c
	out.Encrypted = true
	out.Control |= GBZEncrypted
	out.AdditionalHeader = Hex{0, 0}
	out.Payload = p
	out.Attributes, out.Default = nil, nil
	return &out, nil
}

package gbcs

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// TestContentEncryption round-trips an encrypted GBZ component with the
// §18.4 key material. GBCS publishes no vector for encrypted payload
// parts, so this checks self-consistency only.
func TestContentEncryption(t *testing.T) {
	m, err := Parse(mustHex(t, vec184Message))
	if err != nil {
		t.Fatal(err)
	}
	kaPriv, kaPub, err := ParseKeyAgreementKeys(mustHex(t, vec184ACBKAPriv), mustHex(t, vec184DeviceKAPub))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ContentKey(kaPriv, kaPub, m)
	if err != nil {
		t.Fatal(err)
	}
	mac, _ := MACKey(kaPriv, kaPub, m)
	if key == mac {
		t.Error("content key equals MAC key; the 0x04 flag was not applied")
	}
	g, err := ParseGBZ(gbzTests[1].in, false)
	if err != nil {
		t.Fatal(err)
	}
	plain := &g.Components[0]
	enc, err := EncryptGBZComponent(key[:], m, plain)
	if err != nil {
		t.Fatal(err)
	}
	wire, err := (&GBZPayload{Components: []GBZComponent{*enc}}).AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := ParseGBZ(wire, false)
	if err != nil {
		t.Fatalf("ParseGBZ(encrypted %X): %v", wire, err)
	}
	if !g2.Components[0].Encrypted || g2.Components[0].Attributes != nil {
		t.Errorf("encrypted component = %+v", g2.Components[0])
	}
	dec, err := DecryptGBZComponent(key[:], m, &g2.Components[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dec.Payload, plain.Payload) || !reflect.DeepEqual(dec.Attributes, plain.Attributes) {
		t.Errorf("decrypted = %+v, want %+v", dec, plain)
	}
	wrong := key
	wrong[0] ^= 1
	if _, err := DecryptGBZComponent(wrong[:], m, &g2.Components[0]); !errors.Is(err, ErrMAC) {
		t.Errorf("wrong key: %v, want ErrMAC", err)
	}
	if _, err := DecryptGBZComponent(key[:], m, plain); err == nil {
		t.Error("decrypting a plaintext component succeeded")
	}
}

package dlms

import (
	"bytes"
	"errors"
	"testing"
)

func TestProtectRoundTrip(t *testing.T) {
	plain := mustHex(nil, "C0 01 C1 0008 0000010000FF 02 00") // PROTOCOLS.md §5.3
	keys := testKeys
	keys.Dedicated = mustHex(nil, "00112233445566778899AABBCCDDEEFF")
	for _, sc := range []byte{0x10, 0x20, 0x30, 0x31} {
		for _, ded := range []bool{false, true} {
			c, err := Protect(plain, sc, keys, clientST, 7, ded)
			if err != nil {
				t.Fatalf("Protect(sc %02x, ded %v): %v", sc, ded, err)
			}
			b, _ := Encode(c)
			a, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode(%x): %v", b, err)
			}
			got, err := a.(*CipheredAPDU).Unprotect(keys, clientST)
			if err != nil || !bytes.Equal(got, plain) {
				t.Errorf("sc %02x ded %v: Unprotect = %x, %v", sc, ded, got, err)
			}
			if sc&SCAuthentication != 0 {
				b[len(b)-1] ^= 1
				a, _ := Decode(b)
				if _, err := a.(*CipheredAPDU).Unprotect(keys, clientST); !errors.Is(err, ErrDecipher) {
					t.Errorf("sc %02x: tampered tag: %v, want ErrDecipher", sc, err)
				}
			}
		}
	}
	g, err := ProtectGeneral(plain, 0x30, testKeys, clientST, 9)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Encode(g)
	a, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.(*CipheredAPDU).Unprotect(testKeys, nil); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("general-glo-ciphering: Unprotect = %x, %v", got, err)
	}
}

func TestKeyWrapRejectsTampering(t *testing.T) {
	kek := testKeys.EK
	w, err := WrapKey(kek, testKeys.AK)
	if err != nil {
		t.Fatal(err)
	}
	w[3] ^= 0x80
	if _, err := UnwrapKey(kek, w); !errors.Is(err, ErrDecipher) {
		t.Errorf("UnwrapKey(tampered) = %v, want ErrDecipher", err)
	}
}

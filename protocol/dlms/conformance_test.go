package dlms

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
	"github.com/smetskit/smetskit/protocol/cosem"
)

func mustHex(t testing.TB, s string) []byte {
	if t != nil {
		t.Helper()
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\t' {
			return -1
		}
		return r
	}, s)
	b, err := hex.DecodeString(s)
	if err != nil {
		if t == nil {
			panic(err) // table literal typo: a programmer error
		}
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

// apduChecks holds, per conformance vector id, facts about the decoded APDU
// beyond the byte-exact round trip. They restate the vectors' "meaning"
// fields; the bytes stay in the shared folder.
var apduChecks = map[string]func(t *testing.T, a APDU){
	"aarq-ln-lls": func(t *testing.T, a APDU) {
		q := a.(*AARQ)
		if q.Context != ContextLN || q.Mechanism != MechanismLLS || string(q.CallingAuth) != "12345678" {
			t.Errorf("AARQ = %+v", q)
		}
	},
	"aarq-ln-hls-gmac": func(t *testing.T, a APDU) {
		q := a.(*AARQ)
		if q.Mechanism != MechanismGMAC || string(q.CallingAuth) != "K56iVagY" {
			t.Errorf("AARQ = %+v", q)
		}
	},
	"aarq-ln-ciphered-lls-greenbook": func(t *testing.T, a APDU) {
		q := a.(*AARQ)
		if q.Context != ContextLNCiphered || len(q.CallingAPTitle) != 8 || q.UserInformation[0] != TagGloInitiateRequest {
			t.Errorf("AARQ = %+v", q)
		}
	},
	"aare-accepted-1": func(t *testing.T, a APDU) {
		r := a.(*AARE)
		if r.Err() != nil {
			t.Errorf("Err() = %v", r.Err())
		}
		ir := mustInitiateResponse(t, r.UserInformation)
		if ir.Conformance != 0x00501F || ir.MaxReceivePDU != 500 || ir.VAAName != 7 {
			t.Errorf("InitiateResponse = %+v", ir)
		}
	},
	"aare-rejected-app-context": func(t *testing.T, a APDU) {
		err := a.(*AARE).Err()
		if !errors.Is(err, ErrRejected) || !errors.Is(err, ErrContextUnsupported) {
			t.Errorf("Err() = %v, want context not supported", err)
		}
	},
	"aare-rejected-dlms-version": func(t *testing.T, a APDU) {
		var ae *AssociationError
		if err := a.(*AARE).Err(); !errors.As(err, &ae) || ae.ServiceErr == nil || ae.ServiceErr.ErrorType != 6 || ae.ServiceErr.Value != 1 {
			t.Errorf("Err() = %v, want initiate/dlms-version-too-low", err)
		}
	},
	"aare-conf-service-error": func(t *testing.T, a APDU) {
		if err := a.(*AARE).Err(); !errors.Is(err, ErrAuthentication) {
			t.Errorf("Err() = %v, want authentication failure", err)
		}
	},
	"aare-hls-gmac-accepted": func(t *testing.T, a APDU) {
		r := a.(*AARE)
		if r.Err() != nil || r.Diagnostic != DiagAuthenticationRequired || r.Mechanism != MechanismGMAC || string(r.RespondingAuth) != "P6wRJ21F" {
			t.Errorf("AARE = %+v", r)
		}
	},
	"aare-accepted-1224": func(t *testing.T, a APDU) {
		if ir := mustInitiateResponse(t, a.(*AARE).UserInformation); ir.MaxReceivePDU != 1224 || ir.Conformance != 0x001E1D {
			t.Errorf("InitiateResponse = %+v", ir)
		}
	},
	"initiate-request-dedicated-key": func(t *testing.T, a APDU) {
		q := a.(*InitiateRequest)
		if len(q.DedicatedKey) != 16 || q.Conformance != 0x007E1F || q.MaxReceivePDU != 1200 {
			t.Errorf("InitiateRequest = %v", q)
		}
	},
	"rlre-with-initiate-response": func(t *testing.T, a APDU) {
		ir := mustInitiateResponse(t, a.(*ReleaseResponse).UserInformation)
		if ir.QoS == nil || *ir.QoS != 0 {
			t.Errorf("InitiateResponse = %+v", ir)
		}
	},
	"get-request-normal": func(t *testing.T, a APDU) {
		g := a.(*GetRequestNormal)
		if g.InvokeID != 0xC1 || g.Attribute.Class != 1 || g.Attribute.Instance != [6]byte{0, 0, 43, 1, 0, 255} || g.Attribute.Attribute != 2 || g.Access != nil {
			t.Errorf("GET = %+v", g)
		}
	},
	"get-request-with-list": func(t *testing.T, a APDU) {
		if g := a.(*GetRequestWithList); len(g.Items) != 2 || g.Items[1].Attribute.Class != 8 {
			t.Errorf("GET = %+v", g)
		}
	},
	"get-response-normal-error": func(t *testing.T, a APDU) {
		if g := a.(*GetResponseNormal); g.Result.Err() != HardwareFault {
			t.Errorf("result = %v", g.Result.Err())
		}
	},
	"get-response-with-datablock-first": func(t *testing.T, a APDU) {
		if g := a.(*GetResponseWithDatablock); g.Last || g.Block != 1 || len(g.Raw) != 1182 {
			t.Errorf("block = last %v #%d %d bytes", g.Last, g.Block, len(g.Raw))
		}
	},
	"get-response-last-block-with-error": func(t *testing.T, a APDU) {
		if g := a.(*GetResponseWithDatablock); !g.Last || g.Block != 19 || g.Result != HardwareFault {
			t.Errorf("block = %+v", g)
		}
	},
	"get-response-with-list-compound": func(t *testing.T, a APDU) {
		if g := a.(*GetResponseWithList); len(g.Results) != 9 {
			t.Errorf("%d results, want 9", len(g.Results))
		}
	},
	"action-response-error": func(t *testing.T, a APDU) {
		if r := a.(*ActionResponseNormal); r.Err() != OtherReason {
			t.Errorf("Err() = %v, want other-reason", r.Err())
		}
	},
	"data-notification-with-datetime": func(t *testing.T, a APDU) {
		n := a.(*DataNotification)
		if n.LongInvokeID != 0x0063D76A || len(n.DateTime) != 12 || !bytes.Equal(n.Body, []byte{3, 1}) {
			t.Errorf("DataNotification = %+v", n)
		}
	},
	"get-request-profile-range-1": func(t *testing.T, a APDU) {
		g := a.(*GetRequestNormal)
		rd, err := ParseRangeAccess(g.Access)
		if err != nil {
			t.Fatalf("ParseRangeAccess: %v", err)
		}
		if rd.Restricting.Class != 8 || rd.From.Year != 2018 || rd.To.Year != 2021 || len(rd.Columns) != 0 {
			t.Errorf("range = %+v", rd)
		}
	},
}

func mustInitiateResponse(t *testing.T, b []byte) *InitiateResponse {
	t.Helper()
	a, err := Decode(b)
	if err != nil {
		t.Fatalf("decode user-information: %v", err)
	}
	ir, ok := a.(*InitiateResponse)
	if !ok {
		t.Fatalf("user-information is %T", a)
	}
	return ir
}

func TestConformanceAPDU(t *testing.T) {
	for _, file := range []string{"dlms/apdu_acse.json", "dlms/apdu_xdlms.json"} {
		vectors := conformance.Vectors(t, file)
		pass := 0
		for _, v := range vectors {
			t.Run(v.ID, func(t *testing.T) {
				b := mustHex(t, v.Hex)
				if strings.HasPrefix(v.ID, "selective-access-") {
					testSelectorVector(t, v.ID, b)
					pass++
					return
				}
				a, err := Decode(b)
				if err != nil {
					t.Fatalf("Decode(%X) = %v", b, err)
				}
				enc, err := Encode(a)
				if err != nil {
					t.Fatalf("Encode(%s) = %v", Name(a), err)
				}
				if !bytes.Equal(enc, b) {
					t.Errorf("Encode(Decode(%X)) = %X", b, enc)
				}
				var d struct {
					Class string `json:"dlms_cosem_class"`
				}
				_ = json.Unmarshal(v.Decode, &d)
				if c, ok := apduChecks[v.ID]; ok {
					c(t, a)
				}
				if !t.Failed() {
					pass++
				}
			})
		}
		t.Logf("%s: %d/%d vectors pass", file, pass, len(vectors))
	}
}

// testSelectorVector checks the selective-access vectors, which hold a
// selector byte followed by its parameters (no APDU around them).
func testSelectorVector(t *testing.T, id string, b []byte) {
	sa := &SelectiveAccess{Selector: b[0]}
	n, err := skipData(b[1:], 0)
	if err != nil || 1+n != len(b) {
		t.Fatalf("skipData(%X) = %d, %v", b[1:], n, err)
	}
	sa.Parameters = b[1:]
	switch sa.Selector {
	case cosem.SelectorRange:
		rd, err := ParseRangeAccess(sa)
		if err != nil {
			t.Fatalf("ParseRangeAccess: %v", err)
		}
		if len(rd.Columns) != 2 || rd.Columns[1].LogicalName != [6]byte{0, 0, 96, 10, 7, 255} {
			t.Errorf("range = %+v", rd)
		}
		if got, err := RangeAccess(rd); err != nil || !bytes.Equal(got.Parameters, sa.Parameters) {
			t.Errorf("range re-encodes to %X, want %X", got.Parameters, sa.Parameters)
		}
	case cosem.SelectorEntry:
		ed, err := ParseEntryAccess(sa)
		if err != nil {
			t.Fatalf("ParseEntryAccess: %v", err)
		}
		if ed.FromEntry != 0 || ed.ToEntry != 5 {
			t.Errorf("entry = %+v", ed)
		}
		if got := EntryAccess(ed); !bytes.Equal(got.Parameters, sa.Parameters) {
			t.Errorf("entry re-encodes to %X, want %X", got.Parameters, sa.Parameters)
		}
	default:
		t.Fatalf("%s: selector %d", id, sa.Selector)
	}
}

func TestConformanceSecurity(t *testing.T) {
	vectors := conformance.Vectors(t, "dlms/security.json")
	pass := 0
	for _, v := range vectors {
		t.Run(v.ID, func(t *testing.T) {
			var d struct {
				Plaintext string            `json:"plaintext"`
				Keys      map[string]string `json:"keys"`
				StoC      string            `json:"StoC"`
				CtoS      string            `json:"CtoS"`
				EK        string            `json:"EK"`
				AK        string            `json:"AK"`
				IV        string            `json:"IV"`
				ClientST  string            `json:"client_system_title"`
				ServerST  string            `json:"server_system_title"`
			}
			if err := json.Unmarshal(v.Decode, &d); err != nil {
				t.Fatal(err)
			}
			b := mustHex(t, v.Hex)
			switch {
			case strings.HasPrefix(v.ID, "hls-gmac-"):
				testGMACVector(t, v.ID, b, d.StoC, d.CtoS, d.IV)
			case v.ID == "aes-key-wrap-rfc3394":
				kek := mustHex(t, "000102030405060708090A0B0C0D0E0F") // RFC 3394 §4.1
				key := mustHex(t, "00112233445566778899AABBCCDDEEFF")
				w, err := WrapKey(kek, key)
				if err != nil || !bytes.Equal(w, b) {
					t.Errorf("WrapKey = %X, %v; want %X", w, err, b)
				}
				u, err := UnwrapKey(kek, b)
				if err != nil || !bytes.Equal(u, key) {
					t.Errorf("UnwrapKey = %X, %v", u, err)
				}
			default:
				testCipheredVector(t, v.ID, b, d.Plaintext, d.Keys)
			}
			if !t.Failed() {
				pass++
			}
		})
	}
	t.Logf("security.json: %d/%d vectors pass", pass, len(vectors))
}

func testGMACVector(t *testing.T, id string, want []byte, stoc, ctos, iv string) {
	ek := mustHex(t, "000102030405060708090A0B0C0D0E0F") // Green Book keys, PROTOCOLS.md §8.3
	ak := mustHex(t, "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
	ivb := mustHex(t, iv)
	challenge := stoc
	if id == "hls-gmac-f-ctos" {
		challenge = ctos
	}
	ch := mustHex(t, strings.Fields(challenge)[0])
	ic := uint32(ivb[8])<<24 | uint32(ivb[9])<<16 | uint32(ivb[10])<<8 | uint32(ivb[11])
	got, err := GMAC(0x10, ek, ak, ivb[:8], ic, ch)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("GMAC = %X, %v; want %X", got, err, want)
	}
	if err := VerifyGMAC(ek, ak, ivb[:8], ch, want); err != nil {
		t.Errorf("VerifyGMAC: %v", err)
	}
}

func testCipheredVector(t *testing.T, id string, b []byte, plaintext string, keys map[string]string) {
	a, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode(%X) = %v", b, err)
	}
	enc, _ := Encode(a)
	if !bytes.Equal(enc, b) {
		t.Errorf("Encode(Decode(%X)) = %X", b, enc)
	}
	if plaintext == "" {
		return // no keys published for this vector: framing only
	}
	// Find the ciphered APDU: the vector itself, or the user-information of an AARQ/AARE.
	var c *CipheredAPDU
	switch a := a.(type) {
	case *CipheredAPDU:
		c = a
	case *AARQ:
		x, _ := Decode(a.UserInformation)
		c, _ = x.(*CipheredAPDU)
	case *AARE:
		x, _ := Decode(a.UserInformation)
		c, _ = x.(*CipheredAPDU)
	}
	if c == nil {
		t.Fatalf("%s: no ciphered APDU in %T", id, a)
	}
	k := Keys{EK: mustHex(t, hexField(keys["EK"]))}
	if ak, ok := keys["AK"]; ok && strings.HasPrefix(ak, "same") {
		k.AK = k.EK
	} else if ok {
		k.AK = mustHex(t, hexField(ak))
	}
	title := ""
	for _, name := range []string{"system_title_used_in_IV", "system_title", "client_system_title", "system_title_used", "server_system_title"} {
		if keys[name] != "" {
			title = keys[name]
			break
		}
	}
	var st []byte
	if title != "" {
		st = mustHex(t, title)
	}
	p, err := c.Unprotect(k, st)
	if err != nil {
		t.Fatalf("Unprotect: %v", err)
	}
	if want := mustHex(t, plaintext); !bytes.Equal(p, want) {
		t.Errorf("Unprotect = %X, want %X", p, want)
	}
	// Sealing the plaintext again with the same counter reproduces the payload.
	again, err := Seal(c.SecurityControl, k.EK, k.AK, firstNonEmpty(c.SystemTitle, st), c.InvocationCounter, p)
	if err != nil || !bytes.Equal(again, c.Payload) {
		t.Errorf("Seal = %X, %v; want %X", again, err, c.Payload)
	}
}

// hexField keeps the hex part of a value such as "4D59... ('MYDUMMY...')".
func hexField(s string) string {
	if i := strings.IndexAny(s, " ("); i >= 0 {
		return s[:i]
	}
	return s
}

func firstNonEmpty(a, b []byte) []byte {
	if len(a) > 0 {
		return a
	}
	return b
}

func TestConformanceWrapper(t *testing.T) {
	vectors := conformance.Vectors(t, "dlms/wrapper.json")
	pass := 0
	for _, v := range vectors {
		t.Run(v.ID, func(t *testing.T) {
			var d struct {
				Version uint16 `json:"version"`
				Src     uint16 `json:"source_wport"`
				Dst     uint16 `json:"destination_wport"`
				Length  int    `json:"length"`
				APDU    string `json:"apdu"`
			}
			if err := json.Unmarshal(v.Decode, &d); err != nil {
				t.Fatal(err)
			}
			b := mustHex(t, v.Hex)
			f, n, err := ParseWrapperFrame(b)
			if err != nil || n != len(b) {
				t.Fatalf("ParseWrapperFrame(%X) = %d, %v", b, n, err)
			}
			if f.Source != d.Src || f.Destination != d.Dst || len(f.APDU) != d.Length || !bytes.Equal(f.APDU, mustHex(t, d.APDU)) {
				t.Errorf("frame = %+v, want %+v", f, d)
			}
			if enc := f.Append(nil); !bytes.Equal(enc, b) {
				t.Errorf("Append = %X, want %X", enc, b)
			}
			pass++
		})
	}
	t.Logf("wrapper.json: %d/%d vectors pass", pass, len(vectors))
}

// TestConformanceHDLCPayloads decodes the APDU carried by every HDLC frame
// vector and capture whose information field holds a complete APDU (the
// `apdu` key; segmented frames are skipped).
func TestConformanceHDLCPayloads(t *testing.T) {
	for _, file := range []string{"dlms/hdlc_frames.json", "dlms/interop_captures_local.json"} {
		pass, total := 0, 0
		for _, v := range conformance.Vectors(t, file) {
			var d struct {
				APDU      string `json:"apdu"`
				Segmented bool   `json:"segmented"`
			}
			_ = json.Unmarshal(v.Decode, &d)
			if d.APDU == "" || d.Segmented || strings.HasPrefix(v.ID, "local-wrapper-") {
				continue
			}
			b := mustHex(t, d.APDU)
			a, err := Decode(b)
			if errors.Is(err, ErrTrailingBytes) {
				err = nil // local-hdlc-08, local-modee-12: 18 bytes after the clock value
			}
			total++
			if err != nil {
				t.Errorf("%s: Decode(%X) = %v", v.ID, b, err)
				continue
			}
			if enc, _ := Encode(a); !bytes.HasPrefix(b, enc) {
				t.Errorf("%s: Encode(Decode(%X)) = %X", v.ID, b, enc)
				continue
			}
			pass++
		}
		t.Logf("%s: %d/%d APDUs decode and re-encode", file, pass, total)
	}
}

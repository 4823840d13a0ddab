package dlms

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// TestConformanceWrapperCapture decodes every APDU of the wrapper loopback
// capture (Gurux client ↔ Gurux example server, CAP local-wrapper-*), then
// replays the server's side to our Client: association, GET of the logical
// device name, GET of the clock with 18 trailing bytes, object_list in 9
// blocks, release.
func TestConformanceWrapperCapture(t *testing.T) {
	var server [][]byte
	decoded := 0
	for _, v := range conformance.Vectors(t, "dlms/interop_captures_local.json") {
		if !strings.HasPrefix(v.ID, "local-wrapper-") {
			continue
		}
		var d struct {
			Direction string `json:"direction"`
		}
		_ = json.Unmarshal(v.Decode, &d)
		b, _ := hex.DecodeString(v.Hex)
		f, n, err := ParseWrapperFrame(b)
		if err != nil || n != len(b) {
			t.Fatalf("%s: ParseWrapperFrame = %v", v.ID, err)
		}
		a, err := Decode(f.APDU)
		if errors.Is(err, ErrTrailingBytes) {
			t.Logf("%s: %v (accepted)", v.ID, err)
			err = nil
		}
		if err != nil {
			t.Errorf("%s: Decode(%X) = %v", v.ID, f.APDU, err)
			continue
		}
		if enc, _ := Encode(a); !bytes.HasPrefix(f.APDU, enc) {
			t.Errorf("%s: Encode(Decode(%X)) = %X", v.ID, f.APDU, enc)
		}
		decoded++
		if d.Direction == "server->client" {
			server = append(server, f.APDU)
		}
	}
	t.Logf("wrapper capture: %d APDUs decode and re-encode", decoded)
	if len(server) != 13 {
		t.Fatalf("%d server APDUs in the capture, want 13", len(server))
	}

	ctx := testCtx(t)
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		defer b.Close()
		w := NewWrapperConn(b, 1, 16)
		for _, resp := range server {
			req, err := w.Receive(ctx)
			if err != nil {
				return
			}
			if len(resp) > 2 && resp[0] == TagGetResponse && len(req) > 2 {
				resp = append([]byte(nil), resp...)
				resp[2] = req[2] // echo our invoke id, as the server would
			}
			if w.Send(ctx, resp) != nil {
				return
			}
		}
	}()
	var logged []string
	c, err := Associate(ctx, NewWrapperConn(a, 16, 1), ClientConfig{Logf: func(f string, args ...any) { logged = append(logged, f) }})
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	if ldn, err := c.Get(ctx, AttributeDescriptor{Class: 1, Instance: [6]byte{0, 0, 42, 0, 0, 255}, Attribute: 2}, nil); err != nil || !bytes.Contains(ldn, []byte("GRX")) {
		t.Errorf("Get(LDN) = %q, %v", ldn, err)
	}
	if clk, err := c.Get(ctx, ClockTimeAttr, nil); err != nil || len(clk) != 14 {
		t.Errorf("Get(clock) = %x, %v; want one 14-byte value", clk, err)
	}
	objs, err := c.ReadObjectList(ctx)
	if err != nil || len(objs) < 10 {
		t.Fatalf("ReadObjectList = %d objects, %v", len(objs), err)
	}
	if err := c.Release(ctx); err != nil {
		t.Errorf("Release: %v", err)
	}
	if len(logged) == 0 {
		t.Errorf("trailing bytes after the clock were not reported")
	}
	t.Logf("object_list: %d objects in 9 blocks", len(objs))
}

package dlms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/smetskit/smetskit/protocol/hdlc"
)

// chanTransport is an in-test Transport over channels.
type chanTransport struct {
	in  chan []byte
	out chan []byte
}

func (c *chanTransport) Send(ctx context.Context, b []byte) error {
	select {
	case c.out <- append([]byte(nil), b...):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *chanTransport) Receive(ctx context.Context) ([]byte, error) {
	select {
	case b, ok := <-c.in:
		if !ok {
			return nil, ErrPeerRestarted
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// scripted answers each request of the client with the next list of raw
// APDUs; the AARQ is answered with an accepting AARE.
func scripted(t *testing.T, script ...[][]byte) (*Client, <-chan [][]byte) {
	t.Helper()
	ctx := testCtx(t)
	toClient, toServer := make(chan []byte, 16), make(chan []byte, 16)
	seen := make(chan [][]byte, 1)
	go func() {
		var reqs [][]byte
		defer func() { seen <- reqs }()
		aare, _ := Encode(&AARE{Context: ContextLN, UserInformation: mustHex(nil, "0800065F1F0400201E1D04000007")})
		<-toServer
		toClient <- aare
		for _, answers := range script {
			select {
			case r := <-toServer:
				reqs = append(reqs, r)
			case <-ctx.Done():
				return
			}
			for _, a := range answers {
				toClient <- a
			}
		}
	}()
	c, err := Associate(ctx, &chanTransport{in: toClient, out: toServer}, ClientConfig{})
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	return c, seen
}

func encodeAll(t *testing.T, as ...APDU) [][]byte {
	var out [][]byte
	for _, a := range as {
		b, err := Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestClientTrailingGarbage(t *testing.T) {
	// PROTOCOLS.md §11.5: 18 bytes after the value of a GET response.
	resp := append(mustHex(nil, "C4 01 C1 00 06 00001391"), bytes.Repeat([]byte{0x09}, 18)...)
	c, _ := scripted(t, [][]byte{resp})
	d, err := c.Get(testCtx(t), ClockTimeAttr, nil)
	if err != nil || !bytes.Equal(d, []byte{6, 0, 0, 0x13, 0x91}) {
		t.Errorf("Get = %x, %v", d, err)
	}
}

func TestClientOddBlocks(t *testing.T) {
	value := octetString(bytes.Repeat([]byte{0xAB}, 300))
	// Blocks numbered from 0, cut inside the length field, block 1 sent
	// twice, and an empty last block.
	c, seen := scripted(t,
		encodeAll(t, &GetResponseWithDatablock{InvokeID: 0xC1, Block: 0, Raw: value[:2]}),
		encodeAll(t, &GetResponseWithDatablock{InvokeID: 0xC1, Block: 1, Raw: value[2:100]},
			&GetResponseWithDatablock{InvokeID: 0xC1, Block: 1, Raw: value[2:100]}),
		encodeAll(t, &GetResponseWithDatablock{InvokeID: 0xC1, Block: 2, Raw: value[100:]}),
		encodeAll(t, &GetResponseWithDatablock{InvokeID: 0xC1, Block: 3, Last: true}),
	)
	d, err := c.Get(testCtx(t), ClockTimeAttr, nil)
	if err != nil || !bytes.Equal(d, value) {
		t.Fatalf("Get = %d bytes, %v", len(d), err)
	}
	reqs := <-seen
	if len(reqs) != 4 || !bytes.Equal(reqs[1], mustHex(nil, "C0 02 C1 00000000")) || !bytes.Equal(reqs[3], mustHex(nil, "C0 02 C1 00000002")) {
		t.Errorf("requests = %x", reqs)
	}
}

func TestClientBlockGap(t *testing.T) {
	c, _ := scripted(t,
		encodeAll(t, &GetResponseWithDatablock{InvokeID: 0xC1, Block: 1, Raw: []byte{9, 4}}),
		encodeAll(t, &GetResponseWithDatablock{InvokeID: 0xC1, Block: 3, Raw: []byte{1, 2, 3, 4}, Last: true}),
	)
	if _, err := c.Get(testCtx(t), ClockTimeAttr, nil); !errors.Is(err, ErrBlockSequence) {
		t.Errorf("Get = %v, want ErrBlockSequence", err)
	}
}

func TestClientLateResponseSkipped(t *testing.T) {
	c, _ := scripted(t, [][]byte{
		mustHex(nil, "C4 01 C7 00 11 07"), // invoke id 7: an earlier request's answer
		mustHex(nil, "0F 00000001 00 03 01"),
		mustHex(nil, "C4 01 C1 00 11 01"),
	})
	d, err := c.Get(testCtx(t), ClockTimeAttr, nil)
	if err != nil || !bytes.Equal(d, []byte{0x11, 1}) {
		t.Errorf("Get = %x, %v", d, err)
	}
}

func TestClientGeneralBlockTransfer(t *testing.T) {
	inner := mustHex(nil, "C4 01 C1 00 09 10 30313233343536373839414243444546")
	c, seen := scripted(t,
		encodeAll(t, &GeneralBlockTransfer{Window: 1, Block: 1, Data: inner[:5]}),
		encodeAll(t, &GeneralBlockTransfer{Window: 1, Block: 2, BlockAck: 1, Data: inner[5:12]}),
		encodeAll(t, &GeneralBlockTransfer{Last: true, Window: 1, Block: 3, BlockAck: 2, Data: inner[12:]}),
	)
	d, err := c.Get(testCtx(t), ClockTimeAttr, nil)
	if err != nil || !bytes.Equal(d, inner[4:]) {
		t.Fatalf("Get = %x, %v", d, err)
	}
	if reqs := <-seen; len(reqs) != 3 || reqs[1][0] != TagGeneralBlockTransfer {
		t.Errorf("requests = %x, want GET then two block acknowledgements", reqs)
	}
}

func TestClientCounterMovesForward(t *testing.T) {
	c, seen := scripted(t, [][]byte{mustHex(nil, "D8 01 06 00000100")}, [][]byte{mustHex(nil, "C4 01 C1 00 11 01")})
	d, err := c.Get(testCtx(t), ClockTimeAttr, nil)
	if err != nil || !bytes.Equal(d, []byte{0x11, 1}) {
		t.Fatalf("Get = %x, %v", d, err)
	}
	if ic := c.InvocationCounter(); ic != 0x100 {
		t.Errorf("InvocationCounter = %d, want 256", ic)
	}
	if reqs := <-seen; len(reqs) != 2 || !bytes.Equal(reqs[0], reqs[1]) {
		t.Errorf("requests = %x, want the GET twice", reqs)
	}
}

func TestClientExceptionResponse(t *testing.T) {
	c, _ := scripted(t, [][]byte{mustHex(nil, "D8 01 06 00000010")}, [][]byte{mustHex(nil, "D8 01 06 00000010")})
	_, err := c.Get(testCtx(t), ClockTimeAttr, nil)
	var se *ServiceError
	if !errors.As(err, &se) || !errors.Is(err, ErrInvocationCounter) {
		t.Errorf("Get = %v, want an invocation counter ServiceError", err)
	}
}

func TestClientRefusesOversizeRequest(t *testing.T) {
	c, _ := scripted(t) // the script's AARE offers max PDU 0x0400 and no block transfer with SET
	c.negotiated.Conformance &^= ConfBlockTransferWithSet
	big := octetString(bytes.Repeat([]byte{1}, 2000))
	if err := c.Set(testCtx(t), ClockTimeAttr, nil, big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Set(2000 bytes) = %v, want ErrTooLarge", err)
	}
}

// failingTransport answers the AARQ, then fails every exchange with err.
type failingTransport struct {
	chanTransport
	err error
}

func (f *failingTransport) Receive(ctx context.Context) ([]byte, error) {
	select {
	case b := <-f.in:
		return b, nil
	default:
		return nil, f.err
	}
}

func TestClientHDLCReset(t *testing.T) {
	for _, cause := range []error{hdlc.ErrDisconnectedMode, hdlc.ErrReset} {
		aare, _ := Encode(&AARE{Context: ContextLN, UserInformation: mustHex(nil, "0800065F1F0400001E1D04000007")})
		ft := &failingTransport{chanTransport{in: make(chan []byte, 1), out: make(chan []byte, 8)}, fmt.Errorf("receive: %w", cause)}
		ft.in <- aare
		c, err := Associate(testCtx(t), ft, ClientConfig{})
		if err != nil {
			t.Fatalf("Associate: %v", err)
		}
		if _, err := c.Get(testCtx(t), ClockTimeAttr, nil); !errors.Is(err, ErrPeerRestarted) || !errors.Is(err, cause) {
			t.Errorf("Get after %v = %v, want ErrPeerRestarted", cause, err)
		}
	}
}

package hdlc_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/hdlc"
)

// scripted is a transport that yields a fixed byte stream and then EOF,
// and swallows what is written.
type scripted struct{ r *bytes.Reader }

func (s scripted) Read(b []byte) (int, error)  { return s.r.Read(b) }
func (s scripted) Write(b []byte) (int, error) { return len(b), nil }

// script turns fuzz input into well-formed frames from `from` to `to`, so
// that the fuzzer explores the link state machine rather than CRCs: each
// 3-byte step is a control field, flags (bit 0 = segmented, bit 1 = from a
// stranger, bit 2 = raw garbage byte instead) and an information length.
func script(in []byte, from, to hdlc.Address, prefix ...hdlc.Frame) []byte {
	var out []byte
	for _, f := range prefix {
		out, _ = f.Append(out)
	}
	for i := 0; i+3 <= len(in); i += 3 {
		c, flags, n := hdlc.Control(in[i]), in[i+1], int(in[i+2])
		if flags&4 != 0 {
			out = append(out, in[i+2])
			continue
		}
		f := hdlc.Frame{Segmented: flags&1 != 0, Dst: to, Src: from, Control: c}
		if flags&2 != 0 {
			f.Src = hdlc.ClientAddress(99)
		}
		if n > 0 {
			f.Info = bytes.Repeat([]byte{in[i]}, n)
			if n > 3 && flags&8 != 0 {
				copy(f.Info, hdlc.LLCClient)
			}
		}
		out, _ = f.Append(out)
	}
	return out
}

func FuzzLink(f *testing.F) {
	// Seeds: a request in one frame, a segmented request answered by RR
	// polls, a DISC, a repeated frame, an SNRM in the middle.
	f.Add([]byte{0x10, 8, 10})
	f.Add([]byte{0x10, 9, 128, 0x32, 1, 128, 0x54, 8, 5, 0x91, 0, 0, 0xB1, 0, 0})
	f.Add([]byte{0x10, 8, 10, 0x10, 8, 10, 0x53, 0, 0})
	f.Add([]byte{0x93, 0, 0, 0x10, 8, 4, 0x1F, 0, 0, 0x97, 0, 0, 0x13, 8, 9})
	client, server := hdlc.ClientAddress(16), hdlc.ServerAddress(1, 0, 1)
	p := hdlc.Params{MaxInfoTx: 32, MaxInfoRx: 128, WindowTx: 3, WindowRx: 3}
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cfg := hdlc.Config{ClientSAP: 16, ServerLogical: 1, Params: p, ResponseTimeout: 5 * time.Second, Retries: 2}

		// Server role: an SNRM, then the scripted frames.
		snrm := hdlc.Frame{Dst: server, Src: client, Control: hdlc.SNRM, Info: hdlc.AppendParams(nil, p)}
		if l, err := hdlc.Accept(ctx, scripted{bytes.NewReader(script(in, client, server, snrm))}, cfg); err == nil {
			for range 50 {
				req, err := l.Receive(ctx)
				if err != nil {
					break
				}
				if err := l.Send(ctx, append(req, req...)); err != nil {
					break
				}
			}
		} else if err != io.EOF && ctx.Err() == nil && !isLinkErr(err) {
			t.Fatalf("Accept: unexpected error type %T: %v", err, err)
		}

		// Client role: a UA, then the scripted frames.
		ua := hdlc.Frame{Dst: client, Src: server, Control: hdlc.UA, Info: hdlc.AppendParams(nil, p.Swapped())}
		l, err := hdlc.Dial(ctx, scripted{bytes.NewReader(script(in, server, client, ua))}, cfg)
		if err != nil {
			t.Fatalf("Dial over a scripted UA: %v", err)
		}
		for range 50 {
			if err := l.Send(ctx, make([]byte, 70)); err != nil {
				break
			}
			if _, err := l.Receive(ctx); err != nil {
				break
			}
		}
	})
}

func isLinkErr(err error) bool {
	switch err.(type) {
	case *hdlc.LinkError, *hdlc.TimeoutError:
		return true
	}
	return false
}

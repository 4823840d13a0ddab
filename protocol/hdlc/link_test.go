package hdlc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sim"
)

// serve runs a server link that answers each APDU with respond(apdu) until
// Receive fails; the error goes to the returned channel.
func serve(ctx context.Context, c hdlc.Conn, cfg hdlc.Config, respond func([]byte) []byte) (<-chan *hdlc.Link, <-chan error) {
	links := make(chan *hdlc.Link, 1)
	errc := make(chan error, 1)
	go func() {
		l, err := hdlc.Accept(ctx, c, cfg)
		if err != nil {
			errc <- err
			return
		}
		links <- l
		for {
			req, err := l.Receive(ctx)
			if err != nil {
				errc <- err
				return
			}
			if err := l.Send(ctx, respond(req)); err != nil {
				errc <- err
				return
			}
		}
	}()
	return links, errc
}

func payload(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 99))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

// exchange sends req and expects the server (which answers with resp) to
// return resp; it also checks the server saw req.
func exchange(t *testing.T, ctx context.Context, l *hdlc.Link, req, resp []byte, seen func() []byte) {
	t.Helper()
	if err := l.Send(ctx, req); err != nil {
		t.Fatalf("Send(%d bytes): %v", len(req), err)
	}
	got, err := l.Receive(ctx)
	if err != nil {
		t.Fatalf("Receive after Send(%d bytes): %v", len(req), err)
	}
	if !bytes.Equal(got, resp) {
		t.Fatalf("Receive = %d bytes, want %d bytes (equal: %v)", len(got), len(resp), bytes.Equal(got, resp))
	}
	if s := seen(); !bytes.Equal(s, req) {
		t.Fatalf("server received %d bytes, want the %d sent", len(s), len(req))
	}
}

// noDeadline hides SetReadDeadline so the link reads in a goroutine.
type noDeadline struct{ c net.Conn }

func (n noDeadline) Read(b []byte) (int, error)  { return n.c.Read(b) }
func (n noDeadline) Write(b []byte) (int, error) { return n.c.Write(b) }

func TestLinkExchange(t *testing.T) {
	params := []hdlc.Params{
		{},
		{MaxInfoTx: 64, MaxInfoRx: 64, WindowTx: 1, WindowRx: 1},
		{MaxInfoTx: 128, MaxInfoRx: 256, WindowTx: 3, WindowRx: 7},
		{MaxInfoTx: 2030, MaxInfoRx: 2030, WindowTx: 7, WindowRx: 7},
	}
	transports := []struct {
		name string
		make func() (hdlc.Conn, hdlc.Conn, func())
	}{
		{"net.Pipe", func() (hdlc.Conn, hdlc.Conn, func()) {
			a, b := net.Pipe()
			return a, b, func() { a.Close(); b.Close() }
		}},
		{"no deadline", func() (hdlc.Conn, hdlc.Conn, func()) {
			a, b := net.Pipe()
			return noDeadline{a}, noDeadline{b}, func() { a.Close(); b.Close() }
		}},
		{"sim.Line", func() (hdlc.Conn, hdlc.Conn, func()) {
			a, b := sim.NewLine(sim.LineConfig{Baud: 115200, Format: "8N1", Turnaround: time.Millisecond, Echo: true})
			return a, b, func() { a.Close(); b.Close() }
		}},
	}
	for _, tr := range transports {
		for i, p := range params {
			t.Run(fmt.Sprintf("%s/params%d", tr.name, i), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
					defer cancel()
					a, b, closeAll := tr.make()
					defer closeAll()
					var seen []byte
					srvCfg := hdlc.Config{ServerLogical: 1, ServerPhysical: 17, Params: p.Swapped()}
					_, errc := serve(ctx, b, srvCfg, func(req []byte) []byte {
						seen = bytes.Clone(req)
						return payload(uint64(len(req)), len(req)*2+1)
					})
					l, err := hdlc.Dial(ctx, a, hdlc.Config{ClientSAP: 16, ServerLogical: 1, ServerPhysical: 17, Params: p})
					if err != nil {
						t.Fatalf("Dial: %v", err)
					}
					want := hdlcParams(p)
					if got := l.Negotiated(); got != want {
						t.Errorf("Negotiated() = %+v, want %+v", got, want)
					}
					for _, n := range []int{1, 100, 125, 126, 127, 500, 5000} {
						req := payload(uint64(n), n)
						exchange(t, ctx, l, req, payload(uint64(n), 2*n+1), func() []byte { return seen })
					}
					if err := l.Close(ctx); err != nil {
						t.Errorf("Close: %v", err)
					}
					if err := <-errc; !errors.Is(err, hdlc.ErrClosed) {
						t.Errorf("server Receive after DISC = %v, want %v", err, hdlc.ErrClosed)
					}
					if err := l.Send(ctx, []byte{1}); !errors.Is(err, hdlc.ErrClosed) {
						t.Errorf("Send after Close = %v, want %v", err, hdlc.ErrClosed)
					}
				})
			})
		}
	}
}

// hdlcParams is what both sides settle on when the client proposes p and
// the server proposes p seen from its side.
func hdlcParams(p hdlc.Params) hdlc.Params {
	d := hdlc.DefaultParams()
	if p == (hdlc.Params{}) {
		return d
	}
	return p
}

func TestLinkTrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		p := hdlc.Params{MaxInfoTx: 32, MaxInfoRx: 32, WindowTx: 3, WindowRx: 3}
		serve(ctx, b, hdlc.Config{ServerLogical: 1, Params: p}, func(req []byte) []byte { return req })
		var ctrl []hdlc.Control
		l, err := hdlc.Dial(ctx, a, hdlc.Config{ClientSAP: 16, ServerLogical: 1, Params: p,
			Trace: func(dir hdlc.Direction, frame []byte) {
				f, err := hdlc.DecodeFrame(frame)
				if err != nil {
					t.Errorf("trace %v %x: %v", dir, frame, err)
				}
				ctrl = append(ctrl, f.Control)
			}})
		if err != nil {
			t.Fatal(err)
		}
		// 3 + 150 bytes = 5 segments of 32: window 3, RR, window 2, then
		// the echo comes back the same way.
		if err := l.Send(ctx, make([]byte, 150)); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range ctrl {
			got = append(got, c.String())
		}
		want := []string{
			"SNRM P/F=1", "UA P/F=1",
			"I N(S)=0 N(R)=0 P/F=0", "I N(S)=1 N(R)=0 P/F=0", "I N(S)=2 N(R)=0 P/F=1", "RR N(R)=3 P/F=1",
			"I N(S)=3 N(R)=0 P/F=0", "I N(S)=4 N(R)=0 P/F=1",
			"I N(S)=0 N(R)=5 P/F=0", "I N(S)=1 N(R)=5 P/F=0", "I N(S)=2 N(R)=5 P/F=1", "RR N(R)=3 P/F=1",
			"I N(S)=3 N(R)=5 P/F=0", "I N(S)=4 N(R)=5 P/F=1",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("frames =\n%q\nwant\n%q", got, want)
		}
	})
}

func TestLinkPeerGone(t *testing.T) {
	t.Run("dial", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			a, _ := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1", Echo: true})
			start := time.Now()
			_, err := hdlc.Dial(context.Background(), a, hdlc.Config{ClientSAP: 16, ServerLogical: 1,
				ResponseTimeout: 500 * time.Millisecond, Retries: 2})
			var te *hdlc.TimeoutError
			if !errors.As(err, &te) || !errors.Is(err, hdlc.ErrTimeout) || te.Retries != 2 {
				t.Fatalf("Dial to nobody = %v, want *TimeoutError after 2 retries", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Dial gave up after %v, want about 1.5s", d)
			}
		})
	})
	t.Run("ctx deadline", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			a, _ := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := hdlc.Dial(ctx, a, hdlc.Config{ClientSAP: 16, ServerLogical: 1, ResponseTimeout: time.Second, Retries: 5})
			if !errors.Is(err, hdlc.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Dial = %v, want a timeout wrapping the context deadline", err)
			}
			if d := time.Since(start); d != 300*time.Millisecond {
				t.Errorf("Dial returned after %v, want 300ms", d)
			}
		})
	})
	t.Run("no deadline transport", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			a, b := net.Pipe()
			defer b.Close()
			go io.Copy(io.Discard, b)
			_, err := hdlc.Dial(context.Background(), noDeadline{a}, hdlc.Config{ClientSAP: 16, ServerLogical: 1,
				ResponseTimeout: 100 * time.Millisecond})
			if !errors.Is(err, hdlc.ErrTimeout) {
				t.Fatalf("Dial = %v, want timeout", err)
			}
			a.Close()
		})
	})
	t.Run("server vanishes", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			a, b := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1", Faults: sim.Faults{DisconnectAfter: 2000}})
			serve(ctx, b, hdlc.Config{ServerLogical: 1}, func(req []byte) []byte { return req })
			l, err := hdlc.Dial(ctx, a, hdlc.Config{ClientSAP: 16, ServerLogical: 1, ResponseTimeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			var rerr error
			for range 100 {
				if rerr = l.Send(ctx, make([]byte, 50)); rerr != nil {
					break
				}
				if _, rerr = l.Receive(ctx); rerr != nil {
					break
				}
			}
			var le *hdlc.LinkError
			if !errors.As(rerr, &le) || !errors.Is(rerr, sim.ErrDisconnected) {
				t.Errorf("exchange over a broken line = %v, want *LinkError wrapping sim.ErrDisconnected", rerr)
			}
			cancel()
		})
	})
	t.Run("server silent", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := context.Background()
			a, b := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
			srv := make(chan *hdlc.Link, 1)
			go func() {
				l, _ := hdlc.Accept(ctx, b, hdlc.Config{ServerLogical: 1})
				srv <- l // and never reads again
			}()
			l, err := hdlc.Dial(ctx, a, hdlc.Config{ClientSAP: 16, ServerLogical: 1, ResponseTimeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			<-srv
			if err := l.Send(ctx, []byte{0xC0, 0x01}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = l.Receive(ctx)
			if !errors.Is(err, hdlc.ErrTimeout) {
				t.Errorf("Receive from a silent server = %v, want timeout", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Receive gave up after %v, want 4 × 200ms", d)
			}
			a.Close()
		})
	})
}

// rawPeer answers every good frame it reads with the frame reply returns
// (nil for none).
func rawPeer(c hdlc.Conn, reply func(hdlc.Frame) *hdlc.Frame) {
	fr := hdlc.NewFramer(c)
	for {
		f, err := fr.Next()
		if err != nil {
			return
		}
		if r := reply(f); r != nil {
			b, _ := r.MarshalBinary()
			if _, err := c.Write(b); err != nil {
				return
			}
		}
	}
}

func TestLinkDMAndFRMR(t *testing.T) {
	for _, tt := range []struct {
		name string
		ctrl hdlc.Control
		want error
	}{
		{"dm", hdlc.DM, hdlc.ErrDisconnectedMode},
		{"frmr", hdlc.FRMR, hdlc.ErrFrameRejected},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := net.Pipe()
				defer a.Close()
				defer b.Close()
				go rawPeer(b, func(f hdlc.Frame) *hdlc.Frame {
					return &hdlc.Frame{Dst: f.Src, Src: f.Dst, Control: tt.ctrl}
				})
				_, err := hdlc.Dial(context.Background(), a, hdlc.Config{ClientSAP: 16, ServerLogical: 1})
				var le *hdlc.LinkError
				if !errors.As(err, &le) || !errors.Is(err, tt.want) {
					t.Errorf("Dial answered by %v = %v, want *LinkError wrapping %v", tt.ctrl, err, tt.want)
				}
			})
		})
	}
	t.Run("accept answers dm before snrm", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			go hdlc.Accept(ctx, b, hdlc.Config{ServerLogical: 1})
			// An I-frame before SNRM, from client 16 to server 1.
			f := hdlc.Frame{Dst: hdlc.ServerAddress(1, 0, 1), Src: hdlc.ClientAddress(16), Control: hdlc.IControl(0, 0, true), Info: []byte{0xE6, 0xE6, 0x00, 0xC0}}
			enc, _ := f.MarshalBinary()
			a.Write(enc)
			got, err := hdlc.NewFramer(a).Next()
			if err != nil || got.Control.Kind() != hdlc.KindDM {
				t.Errorf("answer to an I-frame before SNRM = %v, %v, want DM", got.Control, err)
			}
		})
	})
}

func TestLinkServerInactivity(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		a, b := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
		defer a.Close()
		_, errc := serve(ctx, b, hdlc.Config{ServerLogical: 1, InactivityTimeout: 120 * time.Second},
			func(req []byte) []byte { return req })
		if _, err := hdlc.Dial(ctx, a, hdlc.Config{ClientSAP: 16, ServerLogical: 1}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err := <-errc
		if !errors.Is(err, hdlc.ErrTimeout) {
			t.Errorf("idle server Receive = %v, want timeout", err)
		}
		if d := time.Since(start); d < 120*time.Second || d > 121*time.Second {
			t.Errorf("idle server gave up after %v, want 120s", d)
		}
	})
}

func TestLinkAddressing(t *testing.T) {
	tests := []struct {
		name       string
		client     hdlc.Config
		server     hdlc.Config
		wantAccept bool
	}{
		{"1-byte", hdlc.Config{ClientSAP: 1, ServerLogical: 1}, hdlc.Config{ServerLogical: 1}, true},
		{"4-byte to 2-byte server config", hdlc.Config{ClientSAP: 16, ServerLogical: 1, ServerPhysical: 17, ServerAddressSize: 4},
			hdlc.Config{ServerLogical: 1, ServerPhysical: 17}, true},
		{"4-byte large", hdlc.Config{ClientSAP: 48, ServerLogical: 17, ServerPhysical: 5481, ServerAddressSize: 4},
			hdlc.Config{ServerLogical: 17, ServerPhysical: 5481, ServerAddressSize: 4}, true},
		{"wrong client", hdlc.Config{ClientSAP: 16, ServerLogical: 1}, hdlc.Config{ClientSAP: 1, ServerLogical: 1}, false},
		{"wrong physical", hdlc.Config{ClientSAP: 16, ServerLogical: 1, ServerPhysical: 18}, hdlc.Config{ServerLogical: 1, ServerPhysical: 17}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				a, b := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1", Echo: true})
				defer a.Close()
				_, errc := serve(ctx, b, tt.server, func(req []byte) []byte { return req })
				tt.client.ResponseTimeout = 100 * time.Millisecond
				l, err := hdlc.Dial(ctx, a, tt.client)
				if !tt.wantAccept {
					if !errors.Is(err, hdlc.ErrTimeout) {
						t.Errorf("Dial to a server that is not addressed = %v, want timeout", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				exchange(t, ctx, l, []byte{1, 2, 3}, []byte{1, 2, 3}, func() []byte { return []byte{1, 2, 3} })
				if err := l.Close(ctx); err != nil {
					t.Errorf("Close: %v", err)
				}
				<-errc
			})
		})
	}
	if _, err := hdlc.Dial(context.Background(), noDeadline{}, hdlc.Config{ClientSAP: 200, ServerLogical: 1}); !errors.Is(err, hdlc.ErrBadConfig) {
		t.Errorf("Dial with client SAP 200 = %v, want %v", err, hdlc.ErrBadConfig)
	}
}

// TestLinkWrongCharacterFormat: a probe left at 7E1 after the meter moved
// to 8N1 (PROTOCOLS.md §11.12) loses bit 7 of every byte, so no frame
// checks; Dial must time out, not hang or panic.
func TestLinkWrongCharacterFormat(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a, b := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "7E1"})
		defer a.Close()
		if err := b.SetLine(9600, "8N1"); err != nil {
			t.Fatal(err)
		}
		serve(ctx, b, hdlc.Config{ServerLogical: 1}, func(req []byte) []byte { return req })
		_, err := hdlc.Dial(ctx, a, hdlc.Config{ClientSAP: 16, ServerLogical: 1, ResponseTimeout: 200 * time.Millisecond})
		if !errors.Is(err, hdlc.ErrTimeout) {
			t.Errorf("Dial across 7E1/8N1 = %v, want timeout", err)
		}
	})
}

// TestLinkServerSessions: a simulated meter loops on Receive; after the
// client's DISC the next Receive waits for a new SNRM, which may follow the
// DISC at once on the same transport.
func TestLinkServerSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a, b := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1", Echo: true})
		defer a.Close()
		closes := make(chan error, 10)
		go func() {
			l, err := hdlc.Accept(ctx, b, hdlc.Config{ServerLogical: 1})
			if err != nil {
				closes <- err
				return
			}
			for {
				req, err := l.Receive(ctx)
				if errors.Is(err, hdlc.ErrClosed) {
					closes <- err
					continue
				}
				if err != nil {
					return
				}
				l.Send(ctx, append([]byte{0xAA}, req...))
			}
		}()
		for session := range 3 {
			cfg := hdlc.Config{ClientSAP: 16 + session, ServerLogical: 1, ResponseTimeout: 100 * time.Millisecond}
			l, err := hdlc.Dial(ctx, a, cfg)
			if err != nil {
				t.Fatalf("session %d: Dial: %v", session, err)
			}
			req := []byte{byte(session), 1, 2}
			exchange(t, ctx, l, req, append([]byte{0xAA}, req...), func() []byte { return req })
			if err := l.Close(ctx); err != nil {
				t.Fatalf("session %d: Close: %v", session, err)
			}
			if err := <-closes; !errors.Is(err, hdlc.ErrClosed) {
				t.Fatalf("session %d: server = %v, want %v", session, err, hdlc.ErrClosed)
			}
			if s := l.Stats(); s.Silences != 0 {
				t.Errorf("session %d: %d silences, want none", session, s.Silences)
			}
		}
	})
}

func TestLinkMaxAPDU(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		_, errc := serve(ctx, b, hdlc.Config{ServerLogical: 1, MaxAPDU: 100}, func(req []byte) []byte { return req })
		l, err := hdlc.Dial(ctx, a, hdlc.Config{ClientSAP: 16, ServerLogical: 1, ResponseTimeout: 100 * time.Millisecond, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		go l.Send(ctx, make([]byte, 500))
		if err := <-errc; !errors.Is(err, hdlc.ErrAPDUTooLong) {
			t.Errorf("server Receive of 500 bytes with MaxAPDU 100 = %v, want %v", err, hdlc.ErrAPDUTooLong)
		}
		cancel()
	})
}

// TestLinkServerAnswersInOtherAddressSize: a meter addressed with two bytes
// may answer from the four-byte form of the same address.
func TestLinkServerAnswersInOtherAddressSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		go rawPeer(b, func(f hdlc.Frame) *hdlc.Frame {
			return &hdlc.Frame{Dst: f.Src, Src: hdlc.ServerAddress(1, 17, 4), Control: hdlc.UA}
		})
		l, err := hdlc.Dial(context.Background(), a, hdlc.Config{ClientSAP: 16, ServerLogical: 1, ServerPhysical: 17})
		if err != nil {
			t.Fatalf("Dial answered from 00 02 00 23: %v", err)
		}
		if got := l.Negotiated(); got != hdlc.DefaultParams() {
			t.Errorf("Negotiated() = %+v, want defaults after a UA without parameters", got)
		}
	})
}

// TestLinkCancel: cancelling a Receive ends it at once with the context's
// error, and the link goes on working with a fresh context.
func TestLinkCancel(t *testing.T) {
	for _, deadlines := range []bool{true, false} {
		t.Run(fmt.Sprintf("deadlines=%v", deadlines), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				a, b := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
				defer a.Close()
				var conn hdlc.Conn = a
				if !deadlines {
					conn = struct{ io.ReadWriter }{a}
				}
				release := make(chan struct{})
				serve(ctx, b, hdlc.Config{ServerLogical: 1}, func(req []byte) []byte {
					<-release
					return req
				})
				l, err := hdlc.Dial(ctx, conn, hdlc.Config{ClientSAP: 16, ServerLogical: 1, ResponseTimeout: time.Hour})
				if err != nil {
					t.Fatal(err)
				}
				if err := l.Send(ctx, []byte{7}); err != nil {
					t.Fatal(err)
				}
				cctx, cancel := context.WithCancel(ctx)
				time.AfterFunc(50*time.Millisecond, cancel)
				start := time.Now()
				_, err = l.Receive(cctx)
				var le *hdlc.LinkError
				if !errors.As(err, &le) || !errors.Is(err, context.Canceled) || time.Since(start) != 50*time.Millisecond {
					t.Fatalf("cancelled Receive = %v after %v, want *LinkError wrapping context.Canceled after 50ms", err, time.Since(start))
				}
				close(release)
				got, err := l.Receive(ctx)
				if err != nil || !bytes.Equal(got, []byte{7}) {
					t.Errorf("Receive after the cancelled one = %x, %v, want 07", got, err)
				}
				if s := l.Stats(); s.Silences != 0 {
					t.Errorf("%d silences after a cancel, want none", s.Silences)
				}
				b.Close()
			})
		})
	}
}

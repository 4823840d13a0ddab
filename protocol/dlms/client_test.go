package dlms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// Green Book test keys and titles (PROTOCOLS.md §8.2, §8.3).
var (
	testKeys = Keys{EK: mustHex(nil, "000102030405060708090A0B0C0D0E0F"), AK: mustHex(nil, "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")}
	clientST = mustHex(nil, "4D4D4D0000000001")
	serverST = mustHex(nil, "4D4D4D0000BC614E")
)

// pair starts a Server on one end of a net.Pipe (wrapper transport on both
// sides) and returns the client transport. The server stops at cleanup.
func pair(t *testing.T, model ObjectModel, cfg ServerConfig) (*WrapperConn, *Server) {
	t.Helper()
	a, b := net.Pipe()
	srv := NewServer(model, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, NewWrapperConn(b, 1, 16)) }()
	t.Cleanup(func() {
		cancel()
		_ = a.Close()
		_ = b.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("server did not stop")
		}
	})
	return NewWrapperConn(a, 16, 1), srv
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClientServerPlain(t *testing.T) {
	ctx := testCtx(t)
	meter := newTestMeter(t, 13)
	tr, _ := pair(t, meter, ServerConfig{Mechanism: MechanismLLS, Password: []byte("12345678")})
	c, err := Associate(ctx, tr, ClientConfig{Mechanism: MechanismLLS, Password: []byte("12345678"), MaxReceivePDU: 1024})
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	if !c.Negotiated().Conformance.Has(ConfGet | ConfBlockTransferWithGet) {
		t.Errorf("negotiated %v", c.Negotiated().Conformance)
	}

	t.Run("get", func(t *testing.T) {
		d, err := c.Get(ctx, AttributeDescriptor{Class: 1, Instance: ldnObis, Attribute: 2}, nil)
		if err != nil || !bytes.Contains(d, []byte("SMK")) {
			t.Errorf("Get(LDN) = %x, %v", d, err)
		}
		_, err = c.Get(ctx, AttributeDescriptor{Class: 1, Instance: [6]byte{9, 9, 9, 9, 9, 9}, Attribute: 2}, nil)
		if !errors.Is(err, ObjectUndefined) {
			t.Errorf("Get(unknown) = %v, want object-undefined", err)
		}
	})
	t.Run("set and read back the clock", func(t *testing.T) {
		want := DateTimeData(axdr.FromTime(time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC)).Bytes())
		if err := c.Set(ctx, ClockTimeAttr, nil, want); err != nil {
			t.Fatalf("Set(clock) = %v", err)
		}
		got, err := c.Get(ctx, ClockTimeAttr, nil)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Get(clock) = %x, %v; want %x", got, err, want)
		}
	})
	t.Run("set list", func(t *testing.T) {
		res, err := c.SetList(ctx, []AttributeAccess{{Attribute: ClockTimeAttr}, {Attribute: AttributeDescriptor{Class: 1, Instance: ldnObis, Attribute: 2}}},
			[]Data{meter.clock, {0x11, 1}})
		if err != nil || len(res) != 2 || res[0] != Success || res[1] != ReadWriteDenied {
			t.Errorf("SetList = %v, %v", res, err)
		}
	})
	t.Run("get list", func(t *testing.T) {
		res, err := c.GetList(ctx, []AttributeAccess{{Attribute: ClockTimeAttr}, {Attribute: AttributeDescriptor{Class: 1, Instance: [6]byte{9}, Attribute: 2}}})
		if err != nil || len(res) != 2 || res[0].Err() != nil || res[1].Result != ObjectUndefined {
			t.Errorf("GetList = %+v, %v", res, err)
		}
	})
	t.Run("action with return data", func(t *testing.T) {
		d, err := c.Action(ctx, MethodDescriptor{Class: 1, Instance: echoObis, Method: 1}, Data{0x11, 0x2A})
		if want := (Data{0x02, 0x02, 0x11, 0x2A, 0x11, 0x2A}); err != nil || !bytes.Equal(d, want) {
			t.Errorf("Action = %x, %v; want %x", d, err, want)
		}
	})
	t.Run("large set and action in blocks", func(t *testing.T) {
		blob := octetString(bytes.Repeat([]byte{0xA5}, 3000))
		if err := c.Set(ctx, AttributeDescriptor{Class: 1, Instance: bigObis, Attribute: 2}, nil, blob); err != nil {
			t.Fatalf("Set(3000 bytes) = %v", err)
		}
		if got, err := c.Get(ctx, AttributeDescriptor{Class: 1, Instance: bigObis, Attribute: 2}, nil); err != nil || !bytes.Equal(got, blob) {
			t.Errorf("Get(big) = %d bytes, %v", len(got), err)
		}
		d, err := c.Action(ctx, MethodDescriptor{Class: 1, Instance: echoObis, Method: 1}, blob)
		if err != nil || len(d) != 2+2*len(blob) {
			t.Errorf("Action(3000 bytes) = %d bytes, %v", len(d), err)
		}
	})
	t.Run("access", func(t *testing.T) {
		req := &AccessRequest{LongInvokeID: 0x20000001, Specs: []AccessRequestSpec{
			{Kind: AccessGet, Attribute: ClockTimeAttr},
			{Kind: AccessAction, Method: MethodDescriptor{Class: 1, Instance: echoObis, Method: 1}},
			{Kind: AccessSet, Attribute: AttributeDescriptor{Class: 1, Instance: ldnObis, Attribute: 2}},
		}, Data: []Data{{0}, {0x11, 7}, {0x11, 8}}}
		r, err := c.Access(ctx, req)
		if err != nil || len(r.Results) != 3 || r.Results[0].Result != 0 || r.Results[2].Result != uint8(ReadWriteDenied) ||
			!bytes.Equal(r.Data[1], Data{2, 2, 0x11, 7, 0x11, 7}) {
			t.Errorf("Access = %+v, %v", r, err)
		}
	})
	t.Run("object list", func(t *testing.T) {
		l, err := c.ReadObjectList(ctx)
		if err != nil || len(l) != 6 || l[2].Class != 7 || l[2].LogicalName != profileObis {
			t.Errorf("ReadObjectList = %+v, %v", l, err)
		}
	})
	t.Run("13-month profile by range", func(t *testing.T) {
		from := meter.start
		to := meter.start.AddDate(0, 13, 0).Add(-30 * time.Minute)
		p, err := c.ReadProfile(ctx, profileObis, from, to)
		if err != nil {
			t.Fatalf("ReadProfile: %v", err)
		}
		if len(p.Rows) != meter.entries || p.Generic.CapturePeriod != 1800 || len(p.Generic.Columns) != 2 {
			t.Fatalf("ReadProfile = %d rows, period %v, %d columns; want %d rows", len(p.Rows), p.Generic.CapturePeriod, len(p.Generic.Columns), meter.entries)
		}
		last := p.Rows[len(p.Rows)-1]
		if !last.Time.Equal(to) || last.Cells[1].Uint() != uint64(1000+meter.entries-1) {
			t.Errorf("last row = %v %v, want %v", last.Time, last.Cells[1], to)
		}
		// A one-day window.
		day, err := c.ReadProfile(ctx, profileObis, from.AddDate(0, 6, 0), from.AddDate(0, 6, 1).Add(-time.Minute))
		if err != nil || len(day.Rows) != 48 {
			t.Errorf("ReadProfile(one day) = %d rows, %v", len(day.Rows), err)
		}
	})
	t.Run("profile by entry", func(t *testing.T) {
		p, err := c.ReadProfileEntries(ctx, profileObis, 1, 0)
		if err != nil || len(p.Rows) != meter.entries {
			t.Fatalf("ReadProfileEntries(all) = %d rows, %v", len(p.Rows), err)
		}
		p, err = c.ReadProfileEntries(ctx, profileObis, 10, 12)
		if err != nil || len(p.Rows) != 3 || !p.Rows[0].Time.Equal(meter.start.Add(9*30*time.Minute)) {
			t.Errorf("ReadProfileEntries(10, 12) = %+v, %v", p, err)
		}
	})
	if err := c.Release(ctx); err != nil {
		t.Errorf("Release: %v", err)
	}
	if _, err := c.Get(ctx, ClockTimeAttr, nil); !errors.Is(err, ErrNotAssociated) {
		t.Errorf("Get after Release = %v, want ErrNotAssociated", err)
	}
}

func TestClientServerRejections(t *testing.T) {
	ctx := testCtx(t)
	for _, tc := range []struct {
		name string
		srv  ServerConfig
		cli  ClientConfig
		want error
	}{
		{"wrong password", ServerConfig{Mechanism: MechanismLLS, Password: []byte("right")},
			ClientConfig{Mechanism: MechanismLLS, Password: []byte("wrong")}, ErrAuthentication},
		{"ciphering required", ServerConfig{Ciphered: true, Keys: testKeys, SystemTitle: serverST},
			ClientConfig{}, ErrContextUnsupported},
		{"wrong GMAC key", ServerConfig{Mechanism: MechanismGMAC, Keys: testKeys, SystemTitle: serverST},
			ClientConfig{Mechanism: MechanismGMAC, SystemTitle: clientST, Keys: Keys{EK: make([]byte, 16), AK: testKeys.AK}}, ErrAuthentication},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := pair(t, newTestMeter(t, 1), tc.srv)
			_, err := Associate(ctx, tr, tc.cli)
			if !errors.Is(err, tc.want) {
				t.Errorf("Associate = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestClientServerHLSGMAC(t *testing.T) {
	ctx := testCtx(t)
	tr, _ := pair(t, newTestMeter(t, 1), ServerConfig{Mechanism: MechanismGMAC, Keys: testKeys, SystemTitle: serverST, InvocationCounter: 0x01234567})
	c, err := Associate(ctx, tr, ClientConfig{Mechanism: MechanismGMAC, Keys: testKeys, SystemTitle: clientST, InvocationCounter: 1})
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	if !bytes.Equal(c.ServerSystemTitle(), serverST) {
		t.Errorf("server title = %x", c.ServerSystemTitle())
	}
	if _, err := c.Get(ctx, ClockTimeAttr, nil); err != nil {
		t.Errorf("Get after HLS: %v", err)
	}
}

func TestClientServerHLSECDSA(t *testing.T) {
	ctx := testCtx(t)
	ck, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sk, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tr, _ := pair(t, newTestMeter(t, 1), ServerConfig{Mechanism: MechanismECDSA, SystemTitle: serverST, SigningKey: sk, ClientKey: &ck.PublicKey})
	c, err := Associate(ctx, tr, ClientConfig{Mechanism: MechanismECDSA, SystemTitle: clientST, SigningKey: ck, ServerKey: &sk.PublicKey})
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	if _, err := c.Get(ctx, ClockTimeAttr, nil); err != nil {
		t.Errorf("Get after HLS-ECDSA: %v", err)
	}
	// A client that holds the wrong server key must refuse the server.
	tr2, _ := pair(t, newTestMeter(t, 1), ServerConfig{Mechanism: MechanismECDSA, SystemTitle: serverST, SigningKey: sk, ClientKey: &ck.PublicKey})
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if _, err := Associate(ctx, tr2, ClientConfig{Mechanism: MechanismECDSA, SystemTitle: clientST, SigningKey: ck, ServerKey: &other.PublicKey}); !errors.Is(err, ErrAuthentication) {
		t.Errorf("Associate with wrong server key = %v, want ErrAuthentication", err)
	}
}

func TestClientServerCiphered(t *testing.T) {
	ctx := testCtx(t)
	meter := newTestMeter(t, 1)
	cfg := ServerConfig{Ciphered: true, Mechanism: MechanismGMAC, Keys: testKeys, SystemTitle: serverST, InvocationCounter: 100}
	tr, _ := pair(t, meter, cfg)
	cli := ClientConfig{Ciphered: true, Mechanism: MechanismGMAC, Keys: testKeys, SystemTitle: clientST, InvocationCounter: 5, MaxReceivePDU: 512}
	c, err := Associate(ctx, tr, cli)
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	p, err := c.ReadProfileEntries(ctx, profileObis, 1, 0)
	if err != nil || len(p.Rows) != meter.entries {
		t.Fatalf("ReadProfileEntries = %v", err)
	}
	if err := c.Set(ctx, ClockTimeAttr, nil, meter.clock); err != nil {
		t.Errorf("Set: %v", err)
	}
	ic := c.InvocationCounter()
	if ic <= 5 {
		t.Errorf("invocation counter %d did not move", ic)
	}
	if err := c.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	// A second association on the same server reusing old counters is refused:
	// the server's counter for this client only moves forward.
	cli.InvocationCounter = 5
	if _, err := Associate(ctx, tr, cli); !errors.Is(err, ErrDecipher) && !errors.Is(err, ErrRejected) {
		t.Errorf("Associate with a replayed counter = %v, want a rejection", err)
	}
	cli.InvocationCounter = ic + 10
	c2, err := Associate(ctx, tr, cli)
	if err != nil {
		t.Fatalf("Associate with a fresh counter: %v", err)
	}
	if _, err := c2.Get(ctx, ClockTimeAttr, nil); err != nil {
		t.Errorf("Get: %v", err)
	}
	// A client whose counter fell behind (say, restored from an old store)
	// is told the expected counter and catches up.
	c2.ch.sendIC = 3
	if _, err := c2.Get(ctx, ClockTimeAttr, nil); err != nil {
		t.Errorf("Get with a stale counter: %v", err)
	}
	if c2.InvocationCounter() <= ic {
		t.Errorf("counter %d did not move past %d", c2.InvocationCounter(), ic)
	}
}

func TestClientServerDedicatedKey(t *testing.T) {
	ctx := testCtx(t)
	tr, _ := pair(t, newTestMeter(t, 1), ServerConfig{Ciphered: true, Keys: testKeys, SystemTitle: serverST})
	k := testKeys
	k.Dedicated = mustHex(nil, "00112233445566778899AABBCCDDEEFF")
	c, err := Associate(ctx, tr, ClientConfig{Ciphered: true, Keys: k, SystemTitle: clientST, InvocationCounter: 1})
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	if _, err := c.Get(ctx, ClockTimeAttr, nil); err != nil {
		t.Errorf("Get with dedicated key: %v", err)
	}
}

// TestClientMeterRestart: the meter restarts mid-session (a new Server on
// the same line knows no association); the client gets a clear error.
func TestClientMeterRestart(t *testing.T) {
	ctx := testCtx(t)
	a, b := net.Pipe()
	t.Cleanup(func() { _ = a.Close(); _ = b.Close() })
	sctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	srvT := NewWrapperConn(b, 1, 16)
	go func() { first <- NewServer(newTestMeter(t, 1), ServerConfig{}).Serve(sctx, srvT) }()
	c, err := Associate(ctx, NewWrapperConn(a, 16, 1), ClientConfig{})
	if err != nil {
		t.Fatalf("Associate: %v", err)
	}
	cancel() // the meter stops...
	_ = b.SetReadDeadline(time.Unix(1, 0))
	if err := <-first; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	_ = b.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() { done <- NewServer(newTestMeter(t, 1), ServerConfig{}).Serve(context.Background(), srvT) }() // ...and restarts
	if _, err := c.Get(ctx, ClockTimeAttr, nil); !errors.Is(err, ErrPeerRestarted) {
		t.Errorf("Get after restart = %v, want ErrPeerRestarted", err)
	}
	_ = a.Close()
	<-done
	// A dropped line is reported the same way, without hanging.
	if _, err := c.Get(ctx, ClockTimeAttr, nil); !errors.Is(err, ErrPeerRestarted) {
		t.Errorf("Get on a closed line = %v, want ErrPeerRestarted", err)
	}
}

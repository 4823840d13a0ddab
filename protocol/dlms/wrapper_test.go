package dlms

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
)

// TestWrapperStream feeds frames split and joined at every byte boundary
// (PROTOCOLS.md §3: a TCP read may hold part of a frame or several).
func TestWrapperStream(t *testing.T) {
	f1 := WrapperFrame{Source: 1, Destination: 16, APDU: mustHex(nil, "C4 01 C1 00 06 00001391")}.Append(nil)
	f2 := WrapperFrame{Source: 1, Destination: 16, APDU: mustHex(nil, "C5 01 C1 00")}.Append(nil)
	stream := append(append([]byte(nil), f1...), f2...)
	for cut := 1; cut < len(stream); cut++ {
		a, b := net.Pipe()
		go func() {
			_, _ = b.Write(stream[:cut])
			_, _ = b.Write(stream[cut:])
			_ = b.Close()
		}()
		w := NewWrapperConn(a, 16, 1)
		ctx := testCtx(t)
		got1, err1 := w.Receive(ctx)
		got2, err2 := w.Receive(ctx)
		_, err3 := w.Receive(ctx)
		if err1 != nil || err2 != nil || !bytes.Equal(got1, f1[8:]) || !bytes.Equal(got2, f2[8:]) || err3 == nil {
			t.Errorf("cut %d: Receive = %x, %v / %x, %v / %v", cut, got1, err1, got2, err2, err3)
		}
		if w.RemotePort() != 1 {
			t.Errorf("RemotePort = %d", w.RemotePort())
		}
		_ = a.Close()
	}
}

func TestWrapperVersion(t *testing.T) {
	_, _, err := ParseWrapperFrame(mustHex(nil, "0002 0001 0010 0001 00"))
	if !errors.Is(err, ErrWrapperVersion) {
		t.Errorf("ParseWrapperFrame(version 2) = %v, want ErrWrapperVersion", err)
	}
}

func TestWrapperUDP(t *testing.T) {
	srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Skipf("no UDP loopback: %v", err)
	}
	defer srv.Close()
	cli, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := testCtx(t)
	big := bytes.Repeat([]byte{0xC4}, 9000) // larger than any small read buffer
	if err := NewWrapperConn(cli, 16, 1).Send(ctx, big); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 70000)
	n, _, err := srv.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := ParseWrapperFrame(buf[:n])
	if err != nil || !bytes.Equal(f.APDU, big) {
		t.Errorf("UDP frame = %d bytes, %v", len(f.APDU), err)
	}
	// And back: one datagram holds one frame.
	if _, err := srv.WriteToUDP(WrapperFrame{Source: 1, Destination: 16, APDU: big}.Append(nil), cli.LocalAddr().(*net.UDPAddr)); err != nil {
		t.Fatal(err)
	}
	got, err := NewWrapperConn(cli, 16, 1).Receive(context.Background())
	if err != nil || !bytes.Equal(got, big) {
		t.Errorf("Receive over UDP = %d bytes, %v", len(got), err)
	}
}

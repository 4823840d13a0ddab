package dlms

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// WrapperHeaderLen is the size of the IEC 62056-47 wrapper header.
const WrapperHeaderLen = 8

// WrapperFrame is one IEC 62056-47 wrapper frame (TCP/UDP transport of
// DLMS/COSEM; PROTOCOLS.md §3):
//
//	version(u16)=0001 | source wPort(u16) | destination wPort(u16) | length(u16) | APDU
type WrapperFrame struct {
	Version     uint16
	Source      uint16 // client SAP on the client side, logical device on the server side
	Destination uint16
	APDU        []byte
}

// Append appends the frame encoding. Version 0 is written as 1.
func (f WrapperFrame) Append(dst []byte) []byte {
	v := f.Version
	if v == 0 {
		v = 1
	}
	dst = binary.BigEndian.AppendUint16(dst, v)
	dst = binary.BigEndian.AppendUint16(dst, f.Source)
	dst = binary.BigEndian.AppendUint16(dst, f.Destination)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(f.APDU)))
	return append(dst, f.APDU...)
}

// ParseWrapperFrame decodes the frame at the start of b and returns the
// bytes it used. It returns ErrTruncated (wrapped) when b holds only part of
// a frame, and ErrWrapperVersion when the version is not 1.
func ParseWrapperFrame(b []byte) (WrapperFrame, int, error) {
	var f WrapperFrame
	if len(b) < WrapperHeaderLen {
		return f, 0, &DecodeError{APDU: "wrapper", Offset: len(b), Err: ErrTruncated}
	}
	f.Version = binary.BigEndian.Uint16(b)
	if f.Version != 1 {
		return f, 0, &DecodeError{APDU: "wrapper", Err: fmt.Errorf("%w: version %d", ErrWrapperVersion, f.Version)}
	}
	f.Source = binary.BigEndian.Uint16(b[2:])
	f.Destination = binary.BigEndian.Uint16(b[4:])
	n := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) < WrapperHeaderLen+n {
		return f, 0, &DecodeError{APDU: "wrapper", Offset: len(b), Err: ErrTruncated}
	}
	f.APDU = b[WrapperHeaderLen : WrapperHeaderLen+n : WrapperHeaderLen+n]
	return f, WrapperHeaderLen + n, nil
}

// deadliner is the optional deadline side of a net.Conn.
type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// WrapperConn runs the IEC 62056-47 wrapper over a byte stream (TCP,
// net.Pipe) or a connected UDP socket, and reassembles frames by their
// length field, whatever the reads return: part of a frame or several
// frames. It is a Transport.
type WrapperConn struct {
	conn       io.ReadWriter
	local      uint16
	remote     uint16
	rmu, wmu   sync.Mutex
	buf        []byte
	chunk      []byte // read buffer: one whole UDP datagram must fit
	lastSource uint16
}

// NewWrapperConn returns a wrapper transport over conn with the given local
// and remote wPorts (client SAP and logical device). When conn has
// SetReadDeadline/SetWriteDeadline (a net.Conn), context deadlines and
// cancellation interrupt blocked reads and writes.
func NewWrapperConn(conn io.ReadWriter, local, remote uint16) *WrapperConn {
	return &WrapperConn{conn: conn, local: local, remote: remote}
}

// watch applies ctx to the connection's deadline; the returned function
// undoes it.
func (w *WrapperConn) watch(ctx context.Context, read bool) func() {
	d, ok := w.conn.(deadliner)
	if !ok {
		return func() {}
	}
	set := d.SetWriteDeadline
	if read {
		set = d.SetReadDeadline
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = set(dl)
	}
	// The AfterFunc may still be running when stop returns: the flag keeps
	// it from setting a past deadline after the operation ended.
	var mu sync.Mutex
	ended := false
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !ended {
			_ = set(time.Unix(1, 0))
		}
	})
	return func() {
		stop()
		mu.Lock()
		ended = true
		mu.Unlock()
		_ = set(time.Time{})
	}
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)) {
		return ctx.Err()
	}
	if ce := ctx.Err(); ce != nil {
		return fmt.Errorf("%w: %v", ce, err)
	}
	return err
}

// Send writes one APDU in one wrapper frame. APDUs over 65535 bytes are
// refused.
func (w *WrapperConn) Send(ctx context.Context, apdu []byte) error {
	if len(apdu) > 0xFFFF {
		return fmt.Errorf("%w: %d bytes for the wrapper", ErrTooLarge, len(apdu))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	defer w.watch(ctx, false)()
	frame := WrapperFrame{Version: 1, Source: w.local, Destination: w.remote, APDU: apdu}.Append(nil)
	if _, err := w.conn.Write(frame); err != nil {
		return fmt.Errorf("send wrapper frame: %w", ctxErr(ctx, err))
	}
	return nil
}

// Receive returns the APDU of the next wrapper frame. A frame with another
// version ends the stream with ErrWrapperVersion: a stream cannot be
// resynchronised without a frame delimiter.
func (w *WrapperConn) Receive(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	w.rmu.Lock()
	defer w.rmu.Unlock()
	defer w.watch(ctx, true)()
	if w.chunk == nil {
		w.chunk = make([]byte, WrapperHeaderLen+0xFFFF)
	}
	for {
		f, n, err := ParseWrapperFrame(w.buf)
		if err == nil {
			apdu := append([]byte(nil), f.APDU...)
			w.buf = append(w.buf[:0], w.buf[n:]...)
			w.lastSource = f.Source
			return apdu, nil
		}
		if !errors.Is(err, ErrTruncated) {
			return nil, fmt.Errorf("receive wrapper frame: %w", err)
		}
		m, rerr := w.conn.Read(w.chunk)
		w.buf = append(w.buf, w.chunk[:m]...)
		if rerr != nil {
			if m > 0 {
				continue
			}
			if errors.Is(rerr, io.EOF) && len(w.buf) > 0 {
				rerr = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("receive wrapper frame: %w", ctxErr(ctx, rerr))
		}
	}
}

// RemotePort returns the source wPort of the last frame received.
func (w *WrapperConn) RemotePort() uint16 {
	w.rmu.Lock()
	defer w.rmu.Unlock()
	return w.lastSource
}

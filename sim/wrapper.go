package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/smetskit/smetskit/protocol/dlms"
)

// wrapperLink carries APDUs in IEC 62056-47 wrapper frames and answers
// each client on the wPort it came from.
type wrapperLink struct {
	conn  io.ReadWriter
	in    *dlms.WrapperConn
	trace func(string, []byte)

	mu     sync.Mutex
	remote uint16 // source wPort of the last request: the client SAP
}

func (w *wrapperLink) Receive(ctx context.Context) ([]byte, error) {
	b, err := w.in.Receive(ctx)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.remote = w.in.RemotePort()
	w.mu.Unlock()
	if w.trace != nil {
		w.trace("rx", dlms.WrapperFrame{Version: 1, Source: w.in.RemotePort(), Destination: 1, APDU: b}.Append(nil))
	}
	return b, nil
}

func (w *wrapperLink) Send(ctx context.Context, apdu []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	frame := dlms.WrapperFrame{Version: 1, Source: 1, Destination: w.remote, APDU: apdu}.Append(nil)
	if w.trace != nil {
		w.trace("tx", frame)
	}
	if _, err := w.conn.Write(frame); err != nil {
		return fmt.Errorf("send wrapper frame: %w", err)
	}
	return nil
}

func (w *wrapperLink) sap() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int(w.remote)
}

// serveWrapper serves a device's associations over the wrapper until the
// peer closes conn or ctx ends.
func serveWrapper(ctx context.Context, d device, conn io.ReadWriter, trace func(string, []byte)) error {
	w := &wrapperLink{conn: conn, in: dlms.NewWrapperConn(conn, 1, 0), trace: trace}
	disp := newDispatcher(ctx, d, w, w.sap)
	err := disp.run(0)
	disp.close()
	if ctx.Err() != nil || isClosed(err) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return fmt.Errorf("serve wrapper: %w", err)
}

// ServeWrapper serves the meter's DLMS associations over the IEC 62056-47
// wrapper on conn (a TCP connection; logical device wPort 1, client SAP =
// the client's wPort) until the peer closes it or ctx ends. There is no
// IEC 62056-21 sign-on on this path.
func (m *ESME) ServeWrapper(ctx context.Context, conn io.ReadWriter, trace func(dir string, b []byte)) error {
	return serveWrapper(ctx, m, conn, trace)
}

// ServeWrapper serves the hub's DLMS associations over the IEC 62056-47
// wrapper on conn.
func (h *Hub) ServeWrapper(ctx context.Context, conn io.ReadWriter, trace func(dir string, b []byte)) error {
	return serveWrapper(ctx, h, conn, trace)
}

package diagnose

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/smetskit/smetskit/protocol/dlms"
)

// Link is an open APDU transport to one device, as a Connector returns it:
// a dlms.Transport that can be closed when the session ends.
type Link interface {
	dlms.Transport
	Close(ctx context.Context) error
}

// Connector opens a Link to the device under test. The app and the CLI
// choose how (optical probe with IEC 62056-21 mode E and HDLC, serial line,
// TCP with the IEC 62056-47 wrapper); the session does not care. The
// returned Params describe the probe or line for the evidence bundle.
type Connector interface {
	Connect(ctx context.Context) (Link, Params, error)
}

// Params are the probe and session parameters recorded in the evidence
// bundle ("transport": "tcp-wrapper", "address": "127.0.0.1:4059", ...).
type Params map[string]string

// ConnectorFunc adapts a function to Connector.
type ConnectorFunc func(ctx context.Context) (Link, Params, error)

// Connect calls f.
func (f ConnectorFunc) Connect(ctx context.Context) (Link, Params, error) { return f(ctx) }

// TCP returns a Connector that dials addr and speaks the IEC 62056-47
// wrapper with the given client SAP and server logical device (wPorts).
func TCP(addr string, clientSAP, logical uint16) Connector {
	return ConnectorFunc(func(ctx context.Context) (Link, Params, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		return ConnLink(conn, clientSAP, logical), Params{
			"transport": "tcp-wrapper", "address": addr,
			"client_sap": fmt.Sprint(clientSAP), "server_logical": fmt.Sprint(logical),
		}, nil
	})
}

// ConnLink runs the wrapper over an established net.Conn (TCP or one end of
// net.Pipe); closing the Link closes conn.
func ConnLink(conn net.Conn, clientSAP, logical uint16) Link {
	return &connLink{WrapperConn: dlms.NewWrapperConn(conn, clientSAP, logical), conn: conn}
}

type connLink struct {
	*dlms.WrapperConn
	conn net.Conn
}

func (l *connLink) Close(context.Context) error { return l.conn.Close() }

// Frame is one APDU (or link frame) of the session trace, as sent or
// received, with its time.
type Frame struct {
	At  time.Time `json:"at"`
	Dir string    `json:"dir"` // "tx" or "rx"
	Hex string    `json:"hex"`
}

// maxTraceBytes caps the trace kept for the evidence bundle (a long profile
// read stays under it); later frames are counted but not kept.
const maxTraceBytes = 8 << 20

// trace wraps a Link and records every APDU in both directions.
type trace struct {
	Link
	now func() time.Time

	mu      sync.Mutex
	frames  []Frame
	kept    int
	dropped int
	bytes   int64
}

func newTrace(l Link, now func() time.Time) *trace { return &trace{Link: l, now: now} }

func (t *trace) record(dir string, b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bytes += int64(len(b))
	if t.kept+len(b) > maxTraceBytes {
		t.dropped++
		return
	}
	t.kept += len(b)
	t.frames = append(t.frames, Frame{At: t.now().UTC(), Dir: dir, Hex: hex.EncodeToString(b)})
}

// Send sends apdu and records it.
func (t *trace) Send(ctx context.Context, apdu []byte) error {
	t.record("tx", apdu)
	return t.Link.Send(ctx, apdu)
}

// Receive receives one APDU and records it.
func (t *trace) Receive(ctx context.Context) ([]byte, error) {
	b, err := t.Link.Receive(ctx)
	if err == nil {
		t.record("rx", b)
	}
	return b, err
}

func (t *trace) snapshot() ([]Frame, int, int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Frame(nil), t.frames...), t.dropped, t.bytes
}

func (t *trace) byteCount() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.bytes
}

package sim

import (
	"net"
	"time"
)

// ConnPort adapts a net.Conn (TCP, net.Pipe) to Port: a raw byte stream
// carrying what a serial line would, as a serial-over-TCP bridge does.
// SetLine does nothing.
type ConnPort struct{ net.Conn }

// SetLine does nothing: a TCP stream has no speed.
func (ConnPort) SetLine(int, string) error { return nil }

// SetReadDeadline bounds the next Read.
func (c ConnPort) SetReadDeadline(t time.Time) error { return c.Conn.SetReadDeadline(t) }

package hdlc

import "time"

// Direction tells a trace hook which way a frame went.
type Direction int

// Directions for Config.Trace.
const (
	Tx Direction = iota // sent by this side
	Rx                  // received (good frames only, echoes included)
)

func (d Direction) String() string {
	if d == Tx {
		return "tx"
	}
	return "rx"
}

// Config configures a link. Zero values select the defaults noted.
type Config struct {
	// ClientSAP is the client's address (16 = public client). Accept takes
	// any client when it is 0.
	ClientSAP int
	// ServerLogical, ServerPhysical and ServerAddressSize (1, 2 or 4 bytes)
	// form the server address. Size 0 means 1 when ServerPhysical is 0 and
	// 2 otherwise.
	ServerLogical     int
	ServerPhysical    int
	ServerAddressSize int
	// Params is this side's proposal in its own view (Tx = what it sends).
	// Zero fields mean 128/128/1/1. The link uses, per direction, the
	// smaller of what one side sends and the other accepts.
	Params Params
	// ResponseTimeout is the longest silence the client waits for an
	// answer before it retransmits or polls, and the server for a poll
	// while a segmented response is pending. Default 2 s.
	ResponseTimeout time.Duration
	// Retries bounds the retransmissions or polls after a silence; after
	// Retries+1 silences in a row the operation fails with a *TimeoutError.
	// 0 means 3; a negative value means none.
	Retries int
	// InterFrameTimeout is the longest silence between the frames of one
	// window (after a frame with P/F = 0) before the receiver polls. Default
	// ResponseTimeout.
	InterFrameTimeout time.Duration
	// InactivityTimeout, for the server, is the longest silence Receive
	// accepts on an established link before it closes the link and fails
	// with a *TimeoutError (meters use 120 s, HDLC setup attribute 8).
	// 0 means no limit beyond ctx.
	InactivityTimeout time.Duration
	// MaxAPDU caps a reassembled APDU. Default 1 MiB.
	MaxAPDU int
	// Trace, when set, sees every frame sent and every good frame received.
	Trace func(dir Direction, frame []byte)
}

func (c Config) withDefaults() Config {
	if c.ServerAddressSize == 0 {
		c.ServerAddressSize = 1
		if c.ServerPhysical != 0 {
			c.ServerAddressSize = 2
		}
	}
	c.Params = c.Params.withDefaults().clamp()
	if c.ResponseTimeout <= 0 {
		c.ResponseTimeout = 2 * time.Second
	}
	switch {
	case c.Retries == 0:
		c.Retries = 3
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.InterFrameTimeout <= 0 {
		c.InterFrameTimeout = c.ResponseTimeout
	}
	if c.MaxAPDU <= 0 {
		c.MaxAPDU = 1 << 20
	}
	return c
}

package dlms

import (
	"context"

	"github.com/smetskit/smetskit/protocol/hdlc"
)

// Transport carries whole APDUs between the two ends of an association.
// Both (*hdlc.Link) and *WrapperConn satisfy it. Send and Receive block
// until done or until ctx ends; Receive returns one whole APDU.
type Transport interface {
	Send(ctx context.Context, apdu []byte) error
	Receive(ctx context.Context) ([]byte, error)
}

var (
	_ Transport = (*hdlc.Link)(nil)
	_ Transport = (*WrapperConn)(nil)
)

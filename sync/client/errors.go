package client

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test them with errors.Is.
var (
	// ErrUnknownCursor: the service no longer knows the pull cursor (it
	// answered 400 to GET /v1/changes with one); the client refetches
	// from the start.
	ErrUnknownCursor = errors.New("client: unknown pull cursor")
	// ErrConfig: New was given a configuration it cannot work with.
	ErrConfig = errors.New("client: bad configuration")
	// ErrBadMessage: a queued message cannot be put on the wire (its
	// payload does not fit its kind); it is dead-lettered, not retried.
	ErrBadMessage = errors.New("client: message cannot be sent")
)

// Kind says what a sync failure means for the caller: whether to wait for
// coverage, ask the engineer to act, or wait for the service (STYLE.md §13).
// Kinds are never renumbered.
type Kind int

// The failure kinds.
const (
	KindNone    Kind = iota
	KindOffline      // no answer: no coverage, DNS, dial or read timeout
	KindAuth         // 401/403: the token is wrong, expired or revoked
	KindServer       // 5xx, a garbled or truncated answer: the service's fault
	KindRefused      // 4xx on a whole request: a client bug or version skew
	KindLocal        // the local database failed
)

func (k Kind) String() string {
	switch k {
	case KindNone:
		return "none"
	case KindOffline:
		return "offline"
	case KindAuth:
		return "auth"
	case KindServer:
		return "server"
	case KindRefused:
		return "refused"
	case KindLocal:
		return "local"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a failed sync step: Op is "push" or "pull", Status the HTTP
// status when the service answered (0 otherwise).
type Error struct {
	Op     string
	Kind   Kind
	Status int
	Err    error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("client: %s: HTTP %d: %v", e.Op, e.Status, e.Err)
	}
	return fmt.Sprintf("client: %s: %v", e.Op, e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err: that of the *Error it wraps, KindNone for
// nil and KindLocal for anything else.
func KindOf(err error) Kind {
	if err == nil {
		return KindNone
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindLocal
}

package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrTooLarge means a body was longer than the protocol allows.
var ErrTooLarge = errors.New("api: body too large")

// DecodeError reports a body that is not the JSON expected.
type DecodeError struct {
	What string // "push request"
	Err  error
}

func (e *DecodeError) Error() string { return "api: decode " + e.What + ": " + e.Err.Error() }

// Unwrap returns the JSON or I/O error.
func (e *DecodeError) Unwrap() error { return e.Err }

// decode reads at most limit bytes from r (refusing more with ErrTooLarge
// before parsing anything), parses exactly one JSON value into v and
// nothing after it.
func decode(r io.Reader, limit int64, what string, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return &DecodeError{What: what, Err: err}
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("decode %s: more than %d bytes: %w", what, limit, ErrTooLarge)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return &DecodeError{What: what, Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &DecodeError{What: what, Err: errors.New("data after the JSON value")}
	}
	return nil
}

// DecodePushRequest reads and validates a push request body (at most
// MaxPushBytes).
func DecodePushRequest(r io.Reader) (*PushRequest, error) {
	return decodePushRequest(r, MaxPushBytes)
}

func decodePushRequest(r io.Reader, limit int64) (*PushRequest, error) {
	var req PushRequest
	if err := decode(r, limit, "push request", &req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// DecodePushResponse reads and validates the answer to req.
func DecodePushResponse(r io.Reader, req *PushRequest) (*PushResponse, error) {
	var resp PushResponse
	// Each result may carry a DUIS response.
	if err := decode(r, int64(MaxBatch)*(MaxDUISResponse+4096), "push response", &resp); err != nil {
		return nil, err
	}
	if err := resp.Validate(req); err != nil {
		return nil, err
	}
	return &resp, nil
}

// DecodePullResponse reads and validates a pull response (at most
// MaxPullBytes).
func DecodePullResponse(r io.Reader) (*PullResponse, error) {
	return decodePullResponse(r, MaxPullBytes)
}

func decodePullResponse(r io.Reader, limit int64) (*PullResponse, error) {
	var resp PullResponse
	if err := decode(r, limit, "pull response", &resp); err != nil {
		return nil, err
	}
	if err := resp.Validate(); err != nil {
		return nil, err
	}
	return &resp, nil
}

// DecodeJobStatus reads and validates a job status.
func DecodeJobStatus(r io.Reader) (*JobStatus, error) {
	var s JobStatus
	if err := decode(r, 1<<20, "job status", &s); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// DecodeProblem reads an error answer.
func DecodeProblem(r io.Reader) (*Problem, error) {
	var p Problem
	if err := decode(r, 64<<10, "problem", &p); err != nil {
		return nil, err
	}
	return &p, nil
}

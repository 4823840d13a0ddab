package server

import (
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/sync/api"
)

// Sentinel errors of request processing. Each maps to one HTTP status
// (see httpStatus); none of them changes the SMI.
var (
	ErrMalformed    = errors.New("server: malformed document")                          // 400
	ErrInvalid      = errors.New("server: document fails DUIS validation")              // 400
	ErrUnsupported  = errors.New("server: service request variant not served")          // 400
	ErrUnauthorized = errors.New("server: missing or unknown token")                    // 401
	ErrForbidden    = errors.New("server: not allowed for this role, job or device")    // 403
	ErrNotFound     = errors.New("server: not found")                                   // 404
	ErrReplay       = errors.New("server: request counter not above the last accepted") // 409
	ErrConflict     = errors.New("server: request ID or idempotency key reused with a different request")
	ErrTooLarge     = errors.New("server: request body too large") // 413
)

// RequestError is a refused submission: which request, why, and the
// problems validation found.
type RequestError struct {
	RequestID string
	Problems  []string // validation problems, for ErrInvalid
	Field     string   // the JSON field at fault, when known
	Err       error
	Detail    string
}

func (e *RequestError) Error() string {
	s := e.Err.Error()
	if e.RequestID != "" {
		s = "request " + e.RequestID + ": " + s
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *RequestError) Unwrap() error { return e.Err }

func httpStatus(err error) int {
	switch {
	case errors.Is(err, ErrMalformed), errors.Is(err, ErrInvalid), errors.Is(err, ErrUnsupported):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrReplay), errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// Config configures a Server.
type Config struct {
	DB     *DB
	Sealer *inventory.Sealer // seals install codes at rest; required
	Rules  *inventory.Rules  // nil: inventory.DefaultRules()
	CPL    *inventory.CPL    // nil: no CPL checks
	Logger *slog.Logger      // nil: slog.Default()
	Now    func() time.Time  // nil: time.Now

	// CounterWindow relaxes "counters strictly increase per originator"
	// (DOMAIN.md §12) for requests held back on a tablet and overtaken by
	// another job's: 0 (the default) refuses any counter not above the
	// originator's highest accepted one; W > 0 also accepts a counter
	// below it by less than W if the originator never used it. Every
	// accepted counter is recorded, so a replay is refused either way.
	CounterWindow uint64

	MaxDocumentBytes int64 // one DUIS document; 0: 256 KiB
	MaxBatchBytes    int64 // one push batch; 0: api.MaxPushBytes
	MaxBlobBytes     int64 // one uploaded blob (photo); 0: api.MaxBlobBytes
}

// Server is the inventory service: SR processing against the SMI, the
// HTTP API, auth, metrics and reports. It is safe for concurrent use.
type Server struct {
	db      *DB
	sealer  *inventory.Sealer
	rules   *inventory.Rules
	cpl     *inventory.CPL
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	cfg     Config

	sealMu sync.Mutex
	sealKP *sealKeyPair // loaded or generated on first use
}

// New returns a Server over cfg.DB.
func New(cfg Config) (*Server, error) {
	if cfg.DB == nil || cfg.Sealer == nil {
		return nil, errors.New("server: config needs DB and Sealer")
	}
	if cfg.Rules == nil {
		cfg.Rules = inventory.DefaultRules()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxDocumentBytes == 0 {
		cfg.MaxDocumentBytes = api.MaxDUISBytes
	}
	if cfg.MaxBatchBytes == 0 {
		cfg.MaxBatchBytes = api.MaxPushBytes
	}
	if cfg.MaxBlobBytes == 0 {
		cfg.MaxBlobBytes = api.MaxBlobBytes
	}
	return &Server{db: cfg.DB, sealer: cfg.Sealer, rules: cfg.Rules, cpl: cfg.CPL, log: cfg.Logger,
		now: func() time.Time { return cfg.Now().UTC() }, metrics: newMetrics(), cfg: cfg}, nil
}

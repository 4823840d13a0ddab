package diagnose

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// BundleVersion is the format version written in new bundles.
const BundleVersion = 1

// maxBundleSize caps a bundle read by LoadBundle.
const maxBundleSize = 256 << 20

// Header says who collected the evidence, for which job, on which device,
// how, and when.
type Header struct {
	ID         string    `json:"id"`
	JobID      string    `json:"job_id"`
	Engineer   string    `json:"engineer"`
	DeviceID   string    `json:"device_id,omitempty"`
	Params     Params    `json:"params,omitempty"` // probe and session parameters
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Tool       string    `json:"tool,omitempty"`
}

// Entry kinds of a bundle.
const (
	KindHeader    = "header"
	KindReadout   = "readout"
	KindTrace     = "trace"
	KindOperation = "operation"
	KindNote      = "note"
)

// Entry is one link of the hash chain. Hash is the SHA-256 of
//
//	"smetskit-evidence-v1\n" seq "\n" kind "\n" at (RFC 3339 nano) "\n" prev "\n" compact(body)
//
// so changing any entry, reordering entries or removing one breaks every
// hash after it.
//
// An entry Append made keeps the value it was given instead of its JSON
// (Body is nil; RawBody marshals it when asked, and it is marshalled as
// the body when the bundle is saved): a 13-month readout is ~3.6 MB of
// JSON, and the app holds the readout anyway. Its hash was computed while
// encoding, so a value changed after Append fails Verify.
type Entry struct {
	Seq  int             `json:"seq"`
	Kind string          `json:"kind"`
	At   time.Time       `json:"at"`
	Prev string          `json:"prev"`
	Hash string          `json:"hash"`
	Body json.RawMessage `json:"body"`

	value any // what the body encodes while Body is nil
}

// RawBody returns the entry's body as JSON: Body, or the value Append was
// given, marshalled.
func (e *Entry) RawBody() (json.RawMessage, error) {
	if e.Body != nil || e.value == nil {
		return e.Body, nil
	}
	b, err := json.Marshal(e.value)
	if err != nil {
		return nil, fmt.Errorf("encode entry %d body: %w", e.Seq, err)
	}
	return b, nil
}

// entryJSON is Entry without its methods, to marshal it.
type entryJSON Entry

// MarshalJSON writes the entry with its body, marshalling a kept value.
func (e Entry) MarshalJSON() ([]byte, error) {
	body, err := e.RawBody()
	if err != nil {
		return nil, err
	}
	e.Body = body
	return json.Marshal(entryJSON(e))
}

// TraceBody is the body of a trace entry: the frames of the session.
type TraceBody struct {
	Frames []Frame `json:"frames"` // APDUs
	// LinkFrames are the raw link-layer frames (HDLC) when the connector
	// records them.
	LinkFrames []Frame `json:"link_frames,omitempty"`
	Dropped    int     `json:"dropped,omitempty"`
	Bytes      int64   `json:"bytes"`
}

// Bundle is an evidence bundle: a hash chain whose first entry is the
// Header, followed by the readout, the trace and any operations. It is
// self-contained JSON; Attach queues it for sync.
type Bundle struct {
	Version int     `json:"version"`
	Entries []Entry `json:"entries"`
	now     func() time.Time
}

// NewBundle starts a bundle with h and, when s and r are not nil, adds the
// session's parameters and device ID to the header, the readout and the
// session trace. The ID is random when h.ID is empty.
func NewBundle(h Header, s *Session, r *Readout) (*Bundle, error) {
	now := time.Now
	if s != nil {
		now = s.cfg.Now
		if h.Params == nil {
			h.Params = s.Params()
		}
		if h.StartedAt.IsZero() {
			h.StartedAt = s.started.UTC()
		}
	}
	if r != nil && r.Device != nil && h.DeviceID == "" {
		h.DeviceID = r.Device.DeviceID
	}
	if h.ID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		h.ID = hex.EncodeToString(b[:])
	}
	if h.FinishedAt.IsZero() {
		h.FinishedAt = now().UTC()
	}
	b := &Bundle{Version: BundleVersion, now: now}
	if err := b.Append(KindHeader, h); err != nil {
		return nil, err
	}
	if r != nil {
		if err := b.Append(KindReadout, r); err != nil {
			return nil, err
		}
	}
	if s != nil {
		f, dropped, n := s.Trace()
		tb := TraceBody{Frames: f, Dropped: dropped, Bytes: n}
		if lf, ok := s.trace.Link.(linkFramer); ok {
			tb.LinkFrames = lf.LinkFrames()
		}
		if err := b.Append(KindTrace, tb); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Append adds an entry with v as its body, chained to the last one. The
// entry keeps v, hashed as it is encoded, not its JSON: v must not change
// afterwards.
func (b *Bundle) Append(kind string, v any) error {
	now := b.now
	if now == nil {
		now = time.Now
	}
	e := Entry{Seq: len(b.Entries), Kind: kind, At: now().UTC(), Prev: b.Head(), value: v}
	if v == nil {
		e.Body = json.RawMessage("null")
	}
	var err error
	if e.Hash, err = entryHash(e); err != nil {
		return fmt.Errorf("encode %s entry: %w", kind, err)
	}
	b.Entries = append(b.Entries, e)
	return nil
}

// entryHash hashes the entry's header lines and its compact body: Body
// compacted, or its kept value encoded straight into the hash.
func entryHash(e Entry) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "smetskit-evidence-v1\n%d\n%s\n%s\n%s\n", e.Seq, e.Kind, e.At.UTC().Format(time.RFC3339Nano), e.Prev)
	if e.Body == nil && e.value != nil {
		// An Encoder writes what Marshal returns (compact, HTML
		// escaped), then a newline, the only one: compact JSON escapes
		// newlines in strings.
		w := &noFinalNewline{w: h}
		if err := json.NewEncoder(w).Encode(e.value); err != nil {
			return "", fmt.Errorf("entry %d body: %w", e.Seq, err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	var body bytes.Buffer
	if err := json.Compact(&body, e.Body); err != nil {
		return "", fmt.Errorf("entry %d body: %w", e.Seq, err)
	}
	h.Write(body.Bytes())
	return hex.EncodeToString(h.Sum(nil)), nil
}

// noFinalNewline passes writes on but holds back a newline that ends one
// until more follows, so a stream's final newline is dropped.
type noFinalNewline struct {
	w       io.Writer
	pending bool
}

func (n *noFinalNewline) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if n.pending {
		if _, err := n.w.Write([]byte{'\n'}); err != nil {
			return 0, err
		}
		n.pending = false
	}
	q := p
	if q[len(q)-1] == '\n' {
		q, n.pending = q[:len(q)-1], true
	}
	if _, err := n.w.Write(q); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Head returns the hash of the last entry: the evidence hash printed on
// the report. It is "" for an empty bundle.
func (b *Bundle) Head() string {
	if len(b.Entries) == 0 {
		return ""
	}
	return b.Entries[len(b.Entries)-1].Hash
}

// TamperError reports the first entry whose hash or chain link is wrong.
type TamperError struct {
	Seq    int
	Reason string
}

func (e *TamperError) Error() string {
	return fmt.Sprintf("diagnose: evidence entry %d: %s", e.Seq, e.Reason)
}

// Unwrap returns ErrTampered.
func (e *TamperError) Unwrap() error { return ErrTampered }

// Verify recomputes the chain. It returns a *TamperError (errors.Is
// ErrTampered) at the first entry that does not match, and checks that the
// chain starts with a header.
func (b *Bundle) Verify() error {
	if len(b.Entries) == 0 || b.Entries[0].Kind != KindHeader {
		return &TamperError{Seq: 0, Reason: "chain does not start with a header"}
	}
	prev := ""
	for i, e := range b.Entries {
		if e.Seq != i {
			return &TamperError{Seq: i, Reason: fmt.Sprintf("sequence number %d", e.Seq)}
		}
		if e.Prev != prev {
			return &TamperError{Seq: i, Reason: "link to the previous entry broken"}
		}
		h, err := entryHash(e)
		if err != nil {
			return &TamperError{Seq: i, Reason: err.Error()}
		}
		if h != e.Hash {
			return &TamperError{Seq: i, Reason: "content does not match its hash"}
		}
		prev = e.Hash
	}
	return nil
}

// Header decodes the bundle's header entry.
func (b *Bundle) Header() (Header, error) {
	var h Header
	if len(b.Entries) == 0 || b.Entries[0].Kind != KindHeader {
		return h, fmt.Errorf("no header entry: %w", ErrBadBundle)
	}
	if v, ok := b.Entries[0].value.(Header); ok && b.Entries[0].Body == nil {
		return v, nil
	}
	body, err := b.Entries[0].RawBody()
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(body, &h); err != nil {
		return h, fmt.Errorf("decode header: %w", err)
	}
	return h, nil
}

// Readout decodes the last readout entry, or returns nil when there is none.
func (b *Bundle) Readout() (*Readout, error) {
	for i := len(b.Entries) - 1; i >= 0; i-- {
		if b.Entries[i].Kind == KindReadout {
			body, err := b.Entries[i].RawBody()
			if err != nil {
				return nil, err
			}
			r := &Readout{}
			if err := json.Unmarshal(body, r); err != nil {
				return nil, fmt.Errorf("decode readout entry %d: %w", i, err)
			}
			return r, nil
		}
	}
	return nil, nil
}

// Trace returns the body of the last trace entry, and false when there is
// none or it does not decode. A kept TraceBody comes back as it is, not a
// copy: its frames are shared.
func (b *Bundle) Trace() (TraceBody, bool) {
	for i := len(b.Entries) - 1; i >= 0; i-- {
		e := &b.Entries[i]
		if e.Kind != KindTrace {
			continue
		}
		if tb, ok := e.value.(TraceBody); ok && e.Body == nil {
			return tb, true
		}
		var tb TraceBody
		body, err := e.RawBody()
		if err != nil || json.Unmarshal(body, &tb) != nil {
			return TraceBody{}, false
		}
		return tb, true
	}
	return TraceBody{}, false
}

// Save writes the bundle as indented JSON.
func (b *Bundle) Save(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	return nil
}

// LoadBundle reads a bundle written by Save, at most 256 MiB. It does not
// verify the chain: call Verify.
func LoadBundle(r io.Reader) (*Bundle, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBundleSize+1))
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	return ParseBundle(data)
}

// ParseBundle decodes a bundle from JSON. Nothing in data can make it
// panic; it does not verify the chain.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > maxBundleSize {
		return nil, fmt.Errorf("bundle larger than %d bytes: %w", maxBundleSize, ErrBadBundle)
	}
	b := &Bundle{}
	if err := json.Unmarshal(data, b); err != nil {
		return nil, fmt.Errorf("decode bundle: %w: %w", ErrBadBundle, err)
	}
	if b.Version != BundleVersion {
		return nil, fmt.Errorf("bundle version %d: %w", b.Version, ErrBadBundle)
	}
	return b, nil
}

package hdlc

import (
	"io"
	"sync"
)

// FramerStats counts what a Framer discarded.
type FramerStats struct {
	Frames  int64 // good frames returned
	Garbage int64 // bytes skipped while looking for a frame
	BadHCS  int64 // candidates rejected by the header check
	BadFCS  int64 // candidates rejected by the frame check or closing flag
}

// Framer finds frames of format type 3 in a byte stream. It keeps one
// fixed buffer: garbage, bad candidates and good frames cost no allocation.
// After any bad candidate it resynchronises on the next flag (IEC 62056-46;
// PROTOCOLS.md §11.9).
//
// A candidate is checked as early as its bytes allow: the format nibble and
// the length (at most the configured maximum) first, the header check
// sequence as soon as the header is in, the closing flag and the frame check
// sequence last. A closing flag may also open the next frame.
type Framer struct {
	r      io.Reader
	buf    []byte
	start  int // first unread byte
	end    int // end of buffered data
	maxLen int
	stats  FramerStats
	raw    []byte // bytes of the last frame returned

	snapMu sync.Mutex  // guards snap, a copy of stats for other goroutines
	snap   FramerStats // updated after each Next
}

// statsSnapshot returns the counters as of the end of the last Next; unlike
// Stats it may be called from another goroutine.
func (f *Framer) statsSnapshot() FramerStats {
	f.snapMu.Lock()
	defer f.snapMu.Unlock()
	return f.snap
}

func (f *Framer) publish() {
	f.snapMu.Lock()
	f.snap = f.stats
	f.snapMu.Unlock()
}

// NewFramer returns a Framer reading from r. It accepts frames whose length
// field is at most MaxLength; SetMaxLength narrows that.
func NewFramer(r io.Reader) *Framer {
	return &Framer{r: r, buf: make([]byte, 2*(MaxLength+2)), maxLen: MaxLength}
}

// SetMaxLength caps the length field of accepted frames (minimum 7,
// maximum MaxLength). A link sets it from the negotiated receive size.
func (f *Framer) SetMaxLength(n int) {
	f.maxLen = max(minLength, min(MaxLength, n))
}

// Stats returns the counters since the Framer was made.
func (f *Framer) Stats() FramerStats { return f.stats }

// Resync drops a partly received candidate, so that the next call to Next
// looks for a flag after its opening flag. A link calls it after a timeout.
func (f *Framer) Resync() {
	if f.start < f.end && f.buf[f.start] == Flag {
		f.start++
		f.stats.Garbage++
	}
}

// Raw returns the bytes of the frame the last call to Next returned, both
// flags included; like Frame.Info it is valid until the next call.
func (f *Framer) Raw() []byte { return f.raw }

// Buffered returns the number of bytes read but not yet framed.
func (f *Framer) Buffered() int { return f.end - f.start }

// Next returns the next good frame. The returned Info aliases the Framer's
// buffer and is valid until the next call to Next. Next blocks in the
// reader's Read. When Read fails (end of stream, deadline) while a
// candidate is incomplete, the candidate is dropped and the bytes after its
// flag are searched again; the read error is returned only when they hold
// no frame. Unread bytes are kept for the next call.
func (f *Framer) Next() (Frame, error) {
	defer f.publish()
	for {
		if fr, ok := f.scan(); ok {
			f.stats.Frames++
			return fr, nil
		}
		if err := f.fill(); err != nil {
			for f.start < f.end {
				f.Resync()
				if fr, ok := f.scan(); ok {
					f.stats.Frames++
					return fr, nil
				}
			}
			return Frame{}, err
		}
	}
}

// scan looks for a good frame in the buffered bytes.
func (f *Framer) scan() (Frame, bool) {
	for {
		i := f.start
		for i < f.end && f.buf[i] != Flag {
			i++
		}
		f.stats.Garbage += int64(i - f.start)
		f.start = i
		if i == f.end {
			return Frame{}, false
		}
		b := f.buf[f.start:f.end]
		h, n, ft := parseHeader(b[1:], f.maxLen)
		if ft.err != nil {
			f.reject(&f.stats.Garbage)
			continue
		}
		if n == 0 {
			return Frame{}, false // header incomplete
		}
		if h.hasInfo() {
			if len(b) < 1+n+2 {
				return Frame{}, false
			}
			if fcsUpdate(0xFFFF, b[1:1+n+2]) != ^uint16(fcsGood) {
				f.reject(&f.stats.BadHCS)
				continue
			}
		}
		if len(b) < h.length+2 {
			return Frame{}, false
		}
		fr, ft := finishFrame(b[:h.length+2], h)
		if ft.err != nil {
			f.reject(&f.stats.BadFCS)
			continue
		}
		f.raw = b[:h.length+2]
		// Leave the closing flag: it may open the next frame.
		f.start += h.length + 1
		return fr, true
	}
}

// reject skips the opening flag of a bad candidate.
func (f *Framer) reject(counter *int64) {
	*counter++
	f.start++
}

// fill reads more bytes, moving the unread ones to the front first when the
// buffer is full.
func (f *Framer) fill() error {
	if f.end == len(f.buf) {
		if f.start == 0 {
			// Cannot happen: a candidate is at most MaxLength+2 bytes, half
			// the buffer. Drop the candidate rather than stall.
			f.start++
		}
		f.end = copy(f.buf, f.buf[f.start:f.end])
		f.start = 0
	}
	for range 100 {
		n, err := f.r.Read(f.buf[f.end:])
		f.end += n
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

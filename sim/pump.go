package sim

import (
	"io"
	"os"
	"sync"
	"time"
)

// pump gives read deadlines to a reader that has none (a pseudo-terminal
// master in blocking mode): one goroutine reads, Read waits on a channel
// with the deadline, and SetReadDeadline wakes a waiting Read.
type pump struct {
	chunks chan []byte
	errc   chan error
	done   chan struct{}
	once   sync.Once // closes done
	rest   []byte
	err    error

	mu       sync.Mutex
	deadline time.Time
	changed  chan struct{}
}

func newPump(r io.Reader) *pump {
	p := &pump{chunks: make(chan []byte), errc: make(chan error, 1), done: make(chan struct{}), changed: make(chan struct{})}
	go func() {
		for {
			b := make([]byte, 4096)
			n, err := r.Read(b)
			if n > 0 {
				select {
				case p.chunks <- b[:n]:
				case <-p.done:
					return
				}
			}
			if err != nil {
				p.errc <- err
				return
			}
		}
	}()
	return p
}

// stop lets the pump goroutine end once its blocked read returns.
// stop ends the pump; calling it again does nothing.
func (p *pump) stop() { p.once.Do(func() { close(p.done) }) }

func (p *pump) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	p.deadline = t
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	return nil
}

func (p *pump) Read(b []byte) (int, error) {
	for {
		if len(p.rest) > 0 {
			n := copy(b, p.rest)
			p.rest = p.rest[n:]
			return n, nil
		}
		if p.err != nil {
			return 0, p.err
		}
		p.mu.Lock()
		dl, changed := p.deadline, p.changed
		p.mu.Unlock()
		var expire <-chan time.Time
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return 0, os.ErrDeadlineExceeded
			}
			t := time.NewTimer(d)
			defer t.Stop()
			expire = t.C
		}
		select {
		case c := <-p.chunks:
			p.rest = c
		case err := <-p.errc:
			p.err = err
		case <-expire:
			return 0, os.ErrDeadlineExceeded
		case <-changed:
		}
	}
}

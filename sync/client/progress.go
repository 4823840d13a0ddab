package client

import (
	"context"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/sync/outbox"
)

// Progress is what the sync status line shows. Counts are messages.
type Progress struct {
	Server      string    // host of the inventory service
	Syncing     bool      // a sync round is running
	LastContact time.Time // the service last answered (any status); zero: never
	LastSuccess time.Time // the last round that went through
	LastPull    time.Time // the last page of changes applied
	NextAttempt time.Time // when Run tries next (zero outside Run)

	Waiting        int // queued or being sent (InFlight included)
	InFlight       int // being sent now
	Applied        int
	NeedsAttention int // rejected or dead: the engineer must retry or discard

	Err  error // the last round's failure; nil after a good round
	Kind Kind  // KindOf(Err)
}

// Summary puts the state in words a field engineer can act on. It is
// meant for the status line; Err.Error() is for logs.
func (p Progress) Summary() string {
	waiting := changes(p.Waiting)
	switch p.Kind {
	case KindOffline:
		if p.Waiting == 0 {
			return "No coverage: nothing waiting to be sent"
		}
		return fmt.Sprintf("No coverage: %s waiting; they will be sent when the connection returns", waiting)
	case KindAuth:
		return fmt.Sprintf("The inventory refused this tablet's sign-in: ask the office for a new token. %s waiting", capital(waiting))
	case KindServer:
		return fmt.Sprintf("The inventory service is not answering properly: %s waiting; retrying automatically", waiting)
	case KindRefused:
		return fmt.Sprintf("The inventory service refused the sync (update the app?): %s waiting", waiting)
	case KindLocal:
		return "The tablet's database could not be read or written: restart the app; nothing saved is lost"
	}
	switch {
	case p.NeedsAttention > 0:
		return fmt.Sprintf("%s need attention: open the job to retry or discard", capital(changes(p.NeedsAttention)))
	case p.Waiting > 0 && p.Syncing:
		return fmt.Sprintf("Sending %s", waiting)
	case p.Waiting > 0:
		return fmt.Sprintf("%s waiting to be sent", capital(waiting))
	case p.LastSuccess.IsZero():
		return "Not synced yet"
	}
	return "All changes sent"
}

func changes(n int) string {
	if n == 1 {
		return "1 change"
	}
	return fmt.Sprintf("%d changes", n)
}

func capital(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// Progress returns the latest progress.
func (c *Client) Progress() Progress {
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	return c.progress
}

// Subscribe returns a channel that receives the progress after every
// change; a slow reader gets the latest only (the channel holds one value
// and a newer one replaces it), so the client never blocks on the UI. The
// function ends the subscription.
func (c *Client) Subscribe() (<-chan Progress, func()) {
	ch := make(chan Progress, 1)
	c.progressMu.Lock()
	c.subs[ch] = struct{}{}
	ch <- c.progress
	c.progressMu.Unlock()
	return ch, func() {
		c.progressMu.Lock()
		delete(c.subs, ch)
		c.progressMu.Unlock()
	}
}

func (c *Client) update(f func(p *Progress)) {
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	f(&c.progress)
	for ch := range c.subs {
		select {
		case <-ch: // drop the stale value
		default:
		}
		ch <- c.progress
	}
}

func (c *Client) setNextAttempt(t time.Time) { c.update(func(p *Progress) { p.NextAttempt = t }) }

// finish records the end of a round: its error and the queue counts.
func (c *Client) finish(ctx context.Context, err error) {
	c.counts(ctx, func(p *Progress) {
		p.Syncing = false
		p.Err, p.Kind = err, KindOf(err)
		if err == nil {
			p.LastSuccess = c.clock.Now()
		}
	})
}

// refresh re-reads the queue counts.
func (c *Client) refresh(ctx context.Context) { c.counts(ctx, func(*Progress) {}) }

// counts reads the queue counts and publishes them with f's changes.
func (c *Client) counts(ctx context.Context, f func(p *Progress)) {
	jobs, jerr := c.cfg.Outbox.Jobs(ctx)
	c.update(func(p *Progress) {
		f(p)
		if jerr == nil {
			p.Waiting, p.InFlight, p.Applied, p.NeedsAttention = 0, 0, 0, 0
			for _, j := range jobs {
				p.Waiting += j.Pending + j.InFlight
				p.InFlight += j.InFlight
				p.Applied += j.Applied
				p.NeedsAttention += j.Rejected + j.Dead
			}
		}
	})
}

// JobProgress is the sync state of one job for the job screen.
type JobProgress struct {
	outbox.JobState
	Status outbox.JobStatus
}

// Summary is the job's line: "3 waiting", "applied: safe to leave site",
// "needs attention: E5 ..." (the newest refusal's reason).
func (j JobProgress) Summary() string {
	switch j.Status {
	case outbox.NeedsAttention:
		if j.LastError != "" {
			return "needs attention: " + j.LastError
		}
		return "needs attention"
	case outbox.Waiting:
		return fmt.Sprintf("%d waiting", j.Pending+j.InFlight)
	}
	return "applied: safe to leave site"
}

// Job returns the sync state of one job (outbox.ErrNotFound for a job with
// nothing queued).
func (c *Client) Job(ctx context.Context, jobID string) (JobProgress, error) {
	j, err := c.cfg.Outbox.Job(ctx, jobID)
	if err != nil {
		return JobProgress{}, err
	}
	return JobProgress{JobState: j, Status: j.Status()}, nil
}

// Jobs returns the sync state of every job with messages, most recently
// changed first.
func (c *Client) Jobs(ctx context.Context) ([]JobProgress, error) {
	js, err := c.cfg.Outbox.Jobs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]JobProgress, len(js))
	for i, j := range js {
		out[i] = JobProgress{JobState: j, Status: j.Status()}
	}
	return out, nil
}

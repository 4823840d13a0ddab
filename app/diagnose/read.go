package diagnose

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/cosem"
)

// Request says what a readout covers.
type Request struct {
	// Sections to read; all of Sections() when empty. Sections the device
	// does not offer (hub-log on a meter) are skipped silently.
	Sections []Section
	// From and To bound profile reads (default: the last 24 hours by the
	// laptop clock) and event logs (default: whole logs).
	From, To time.Time
	// EventsFrom and EventsTo bound event log reads; zero means whole logs.
	EventsFrom, EventsTo time.Time
	// Profiles to read; all load profiles offered when empty.
	Profiles []cosem.OBIS
}

// Read runs a readout of the sections asked. A section that fails is
// recorded as a Problem and the readout goes on; findings that need the
// engineer's attention (corrupted event entries, a full device log, a
// clock more than a minute off, no WAN) are added as Problems too. Read
// returns an error only when ctx ends, with the readout so far.
func (s *Session) Read(ctx context.Context, req Request) (*Readout, error) {
	secs := req.Sections
	if len(secs) == 0 {
		secs = Sections()
	}
	if req.To.IsZero() {
		req.To = s.now()
	}
	if req.From.IsZero() {
		req.From = req.To.Add(-24 * time.Hour)
	}
	r := &Readout{}
	for _, sec := range secs {
		err := s.readSection(ctx, sec, req, r)
		if ctx.Err() != nil {
			return r, fmt.Errorf("readout: %w", ctx.Err())
		}
		if err != nil && !errors.Is(err, ErrNotOffered) {
			r.Problems = append(r.Problems, Problem{Section: sec, Text: err.Error()})
		}
	}
	r.Problems = append(r.Problems, Findings(r)...)
	return r, nil
}

func (s *Session) readSection(ctx context.Context, sec Section, req Request, r *Readout) error {
	var err error
	switch sec {
	case SectionIdentity:
		r.Device, err = s.Identity(ctx)
	case SectionClock:
		r.Clock, err = s.Clock(ctx)
	case SectionRegisters:
		r.Registers, err = s.Registers(ctx)
	case SectionDisconnect:
		r.Disconnect, err = s.Disconnect(ctx)
	case SectionProfile:
		lns := req.Profiles
		if len(lns) == 0 {
			lns = s.LoadProfiles()
		}
		var errs []error
		for _, ln := range lns {
			p, perr := s.Profile(ctx, ln, req.From, req.To)
			if p != nil {
				r.Profiles = append(r.Profiles, *p)
			}
			if perr != nil {
				if ctx.Err() != nil {
					return perr
				}
				errs = append(errs, perr)
			}
		}
		err = errors.Join(errs...)
	case SectionEvents:
		r.Events, err = s.Events(ctx, req.EventsFrom, req.EventsTo)
	case SectionHubLog:
		r.HubLog, err = s.HubLog(ctx)
	case SectionWAN:
		r.WAN, err = s.WAN(ctx)
	case SectionObjects:
		r.Objects = s.Objects()
	default:
		return &UnknownSectionError{Name: string(sec)}
	}
	return err
}

// maxClockDrift is the drift beyond which the clock is reported (GB
// meters adjust within 10 s, DOMAIN.md §16.6 0x8F0C; a minute off means the
// clock needs attention).
const maxClockDrift = time.Minute

// Findings lists what an engineer must look at in a readout: corrupted
// event log entries, a full hub device log, a clock off by more than a
// minute (against the reference when there is one), a hub without WAN.
func Findings(r *Readout) []Problem {
	var out []Problem
	for _, l := range r.Events {
		if l.Corrupted > 0 {
			out = append(out, Problem{Section: SectionEvents,
				Text: fmt.Sprintf("event log %s (%s): %d of %d entries corrupted", l.OBIS, l.Name, l.Corrupted, len(l.Entries))})
		}
	}
	if r.HubLog != nil && r.HubLog.Full {
		out = append(out, Problem{Section: SectionHubLog,
			Text: fmt.Sprintf("hub device log full: %d of %d entries; new devices cannot be added", len(r.HubLog.Entries), r.HubLog.Capacity)})
	}
	if c := r.Clock; c != nil && !c.Device.IsZero() {
		d, against := c.Drift, "laptop"
		if c.ReferenceSource != "" {
			d, against = c.ReferenceDrift, c.ReferenceSource
		}
		if d > maxClockDrift || d < -maxClockDrift {
			out = append(out, Problem{Section: SectionClock, Text: fmt.Sprintf("clock off by %s against %s", d.Round(time.Second), against)})
		}
	}
	if w := r.WAN; w != nil && w.Registration != "" && w.Registration != registrationNames[1] && w.Registration != registrationNames[5] {
		out = append(out, Problem{Section: SectionWAN, Text: "no WAN: " + w.Registration})
	}
	return out
}

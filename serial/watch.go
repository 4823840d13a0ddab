package serial

import (
	"context"
	"slices"
	"time"
)

// EventKind says what happened to a port.
type EventKind uint8

// Event kinds.
const (
	Arrived    EventKind = iota + 1 // a port appeared (or was there when watching began)
	Removed                         // a port went away
	ListFailed                      // listing the ports failed; Err says why
)

func (k EventKind) String() string {
	switch k {
	case Arrived:
		return "arrived"
	case Removed:
		return "removed"
	case ListFailed:
		return "list failed"
	}
	return "unknown"
}

// Event is one change seen by Watch.
type Event struct {
	Kind EventKind
	Port PortInfo // for Arrived and Removed
	Err  error    // for ListFailed
}

// WatchOptions configure Watch. The zero value polls List every second.
type WatchOptions struct {
	// Interval between polls. Default 1 s.
	Interval time.Duration
	// List returns the current ports. Default List; tests and the demo
	// mode put their own here.
	List func() ([]PortInfo, error)
	// Buffer is the capacity of the event channel. Default 16.
	Buffer int
}

// Watch reports ports arriving and going away (hot-plug) by polling, until
// ctx ends; then it closes the channel. The ports present at the start come
// first, as Arrived events, so a UI can build its list from events alone.
//
// Watch never blocks on a slow reader: when the channel is full it stops
// sending and reports what it could not send at a later poll (a port that
// came and went in the meantime is then not reported at all). A port that
// keeps its name but changes identity (another probe on the same
// /dev/ttyUSB0) is reported as Removed then Arrived. A failed listing is
// reported once as ListFailed until a listing succeeds again.
func Watch(ctx context.Context, opt WatchOptions) <-chan Event {
	if opt.Interval <= 0 {
		opt.Interval = time.Second
	}
	if opt.List == nil {
		opt.List = List
	}
	if opt.Buffer <= 0 {
		opt.Buffer = 16
	}
	ch := make(chan Event, opt.Buffer)
	go func() {
		defer close(ch)
		w := watcher{ch: ch, known: map[string]PortInfo{}}
		t := time.NewTicker(opt.Interval)
		defer t.Stop()
		for {
			w.poll(opt.List)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return ch
}

type watcher struct {
	ch       chan Event
	known    map[string]PortInfo // what the reader has been told, by identity
	failed   bool                // a ListFailed was sent and no listing has succeeded since
	overflow bool
}

// identity tells ports apart: the name plus, for USB, what is plugged in.
func identity(p PortInfo) string {
	if !p.USB {
		return p.Name
	}
	return p.Name + "\x00" + p.USBID() + "\x00" + p.SerialNumber
}

// send delivers e unless the channel is full.
func (w *watcher) send(e Event) bool {
	if w.overflow {
		return false
	}
	select {
	case w.ch <- e:
		return true
	default:
		w.overflow = true
		return false
	}
}

func (w *watcher) poll(list func() ([]PortInfo, error)) {
	w.overflow = false
	ports, err := list()
	if err != nil {
		if !w.failed && w.send(Event{Kind: ListFailed, Err: err}) {
			w.failed = true
		}
		return
	}
	w.failed = false
	now := make(map[string]PortInfo, len(ports))
	for _, p := range ports {
		now[identity(p)] = p
	}
	// Removals first, so a renamed identity reads as "went, came".
	var gone []string
	for id := range w.known {
		if _, ok := now[id]; !ok {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		if w.send(Event{Kind: Removed, Port: w.known[id]}) {
			delete(w.known, id)
		}
	}
	// Arrivals in the order the system listed them.
	for _, p := range ports {
		id := identity(p)
		if _, ok := w.known[id]; !ok && w.send(Event{Kind: Arrived, Port: p}) {
			w.known[id] = p
		}
	}
}

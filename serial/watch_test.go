package serial

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakePorts is a List function whose answer the test changes.
type fakePorts struct {
	mu    sync.Mutex
	ports []PortInfo
	err   error
}

func (f *fakePorts) set(err error, ports ...PortInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ports, f.err = ports, err
}

func (f *fakePorts) list() ([]PortInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]PortInfo(nil), f.ports...), f.err
}

// drain returns the events waiting in ch, as "kind name" strings.
func drain(ch <-chan Event) []string {
	var out []string
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return append(out, "closed")
			}
			s := e.Kind.String() + " " + e.Port.Name
			if e.Err != nil {
				s = e.Kind.String() + ": " + e.Err.Error()
			}
			out = append(out, s)
		default:
			return out
		}
	}
}

func TestWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ttyS0 := PortInfo{Name: "/dev/ttyS0"}
		probe := PortInfo{Name: "/dev/ttyUSB0", USB: true, VID: 0x0403, PID: 0x6001, SerialNumber: "A1"}
		other := PortInfo{Name: "/dev/ttyUSB0", USB: true, VID: 0x10C4, PID: 0xEA60, SerialNumber: "B2"}
		f := &fakePorts{}
		f.set(nil, ttyS0)
		ctx, cancel := context.WithCancel(t.Context())
		ch := Watch(ctx, WatchOptions{Interval: time.Second, List: f.list})

		steps := []struct {
			name   string
			change func()
			want   []string
		}{
			{"ports present at start", func() {}, []string{"arrived /dev/ttyS0"}},
			{"nothing changed", func() {}, nil},
			{"probe plugged in", func() { f.set(nil, ttyS0, probe) }, []string{"arrived /dev/ttyUSB0"}},
			{"another probe under the same name", func() { f.set(nil, ttyS0, other) }, []string{"removed /dev/ttyUSB0", "arrived /dev/ttyUSB0"}},
			{"listing fails", func() { f.set(errors.New("udev gone")) }, []string{"list failed: udev gone"}},
			{"failure reported once", func() {}, nil},
			{"probe pulled", func() { f.set(nil, ttyS0) }, []string{"removed /dev/ttyUSB0"}},
		}
		for i, s := range steps {
			s.change()
			if i > 0 {
				time.Sleep(time.Second) // virtual: the next poll
			}
			synctest.Wait()
			if got := drain(ch); fmt.Sprint(got) != fmt.Sprint(s.want) {
				t.Errorf("%s: events %q, want %q", s.name, got, s.want)
			}
		}
		cancel()
		synctest.Wait()
		if got := drain(ch); fmt.Sprint(got) != "[closed]" {
			t.Errorf("after cancel: %q, want the channel closed", got)
		}
	})
}

// TestWatchSlowReader: a full channel never blocks the watcher; what could
// not be sent is reported at a later poll.
func TestWatchSlowReader(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ports []PortInfo
		for i := range 5 {
			ports = append(ports, PortInfo{Name: fmt.Sprintf("/dev/ttyS%d", i)})
		}
		f := &fakePorts{}
		f.set(nil, ports...)
		ch := Watch(t.Context(), WatchOptions{Interval: time.Second, List: f.list, Buffer: 2})
		var got []string
		for range 3 {
			synctest.Wait()
			got = append(got, drain(ch)...)
			time.Sleep(time.Second)
		}
		synctest.Wait()
		got = append(got, drain(ch)...)
		want := "[arrived /dev/ttyS0 arrived /dev/ttyS1 arrived /dev/ttyS2 arrived /dev/ttyS3 arrived /dev/ttyS4]"
		if fmt.Sprint(got) != want {
			t.Errorf("events %q, want %s", got, want)
		}
	})
}

package ui

import (
	"sync"
)

// Device kinds, for screens that need one kind (the wizard needs the hub).
const (
	KindMeter = "meter"
	KindHub   = "hub"
)

// DeviceSet is the set of devices the app can talk to: the demo's simulated
// ones, and the meters and hubs found on the Connect screen. Readout lists
// them and the Commission wizard finds the hub in it. It is safe for
// concurrent use; OnChange callbacks run on the goroutine that changed the
// set, so a screen hands them to its bridge.
type DeviceSet struct {
	mu   sync.Mutex
	list []Device
	subs map[int]func()
	next int
}

// NewDeviceSet returns a set holding devs.
func NewDeviceSet(devs ...Device) *DeviceSet {
	return &DeviceSet{list: append([]Device(nil), devs...), subs: map[int]func(){}}
}

// Add puts dev in the set, replacing a device of the same name (a meter
// detected again on another probe keeps one entry).
func (d *DeviceSet) Add(dev Device) {
	d.mu.Lock()
	replaced := false
	for i := range d.list {
		if d.list[i].Name == dev.Name {
			d.list[i], replaced = dev, true
			break
		}
	}
	if !replaced {
		d.list = append(d.list, dev)
	}
	subs := d.callbacks()
	d.mu.Unlock()
	for _, f := range subs {
		f()
	}
}

// Remove takes the named device out of the set (its probe was unplugged).
func (d *DeviceSet) Remove(name string) {
	d.mu.Lock()
	removed := false
	for i := range d.list {
		if d.list[i].Name == name {
			d.list = append(d.list[:i], d.list[i+1:]...)
			removed = true
			break
		}
	}
	subs := d.callbacks()
	d.mu.Unlock()
	if removed {
		for _, f := range subs {
			f()
		}
	}
}

// List returns a copy of the devices in the order they were added.
func (d *DeviceSet) List() []Device {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Device(nil), d.list...)
}

// Find returns the first device of the given kind.
func (d *DeviceSet) Find(kind string) (Device, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, dev := range d.list {
		if dev.Kind == kind {
			return dev, true
		}
	}
	return Device{}, false
}

// OnChange calls f after every change until the returned cancel is called.
func (d *DeviceSet) OnChange(f func()) (cancel func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	id := d.next
	d.next++
	d.subs[id] = f
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		delete(d.subs, id)
	}
}

func (d *DeviceSet) callbacks() []func() {
	fs := make([]func(), 0, len(d.subs))
	for _, f := range d.subs {
		fs = append(fs, f)
	}
	return fs
}

package ui

import "testing"

func TestDeviceSetAddReplaceRemove(t *testing.T) {
	set := NewDeviceSet(Device{Name: "Meter A", Kind: KindMeter})
	changes := 0
	cancel := set.OnChange(func() { changes++ })
	set.Add(Device{Name: "Hub H", Kind: KindHub})
	set.Add(Device{Name: "Meter A", Kind: KindMeter, Config: set.List()[0].Config})
	if got := len(set.List()); got != 2 {
		t.Fatalf("after adding a hub and re-adding a meter: %d devices, want 2", got)
	}
	if hub, ok := set.Find(KindHub); !ok || hub.Name != "Hub H" {
		t.Fatalf("Find(hub) = %+v, %v", hub, ok)
	}
	set.Remove("Nobody")
	set.Remove("Hub H")
	if _, ok := set.Find(KindHub); ok {
		t.Fatal("hub still found after Remove")
	}
	if changes != 3 {
		t.Fatalf("%d change callbacks, want 3 (two adds, one remove of a listed device)", changes)
	}
	cancel()
	set.Add(Device{Name: "Meter B"})
	if changes != 3 {
		t.Fatal("callback ran after cancel")
	}
}

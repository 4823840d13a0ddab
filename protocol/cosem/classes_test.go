package cosem

import "testing"

func TestClassTables(t *testing.T) {
	want := []ClassID{1, 3, 4, 5, 7, 8, 9, 15, 17, 18, 19, 20, 21, 22, 23, 47, 64, 70, 71, 104, 151}
	for _, id := range want {
		c, ok := LookupClass(id)
		if !ok {
			t.Errorf("class %d missing", id)
			continue
		}
		if a, ok := c.Attribute(1); !ok || a.Name != "logical_name" {
			t.Errorf("class %d attribute 1 = %v", id, a)
		}
		for i, a := range c.Attributes {
			if int(a.Index) != i+1 || a.Name == "" || a.Type == "" {
				t.Errorf("class %d attribute row %d = %+v", id, i, a)
			}
		}
		for i, m := range c.Methods {
			if int(m.Index) != i+1 || m.Name == "" {
				t.Errorf("class %d method row %d = %+v", id, i, m)
			}
		}
	}
	if len(Classes()) != len(want) {
		t.Errorf("Classes() has %d, want %d", len(Classes()), len(want))
	}
	// PROTOCOLS.md §7 table
	checks := []struct {
		id   ClassID
		attr int8
		name string
	}{
		{ClassClock, 2, "time"}, {ClassClock, 3, "time_zone"}, {ClassClock, 9, "clock_base"},
		{ClassAssociationLN, 2, "object_list"}, {ClassAssociationLN, 8, "association_status"},
		{ClassProfileGeneric, 3, "capture_objects"}, {ClassProfileGeneric, 8, "profile_entries"},
		{ClassDisconnectControl, 3, "control_state"}, {ClassIECHDLCSetup, 8, "inactivity_time_out"},
		{ClassIECLocalPortSetup, 4, "prop_baud"}, {ClassSecuritySetup, 5, "server_system_title"},
		{ClassRegister, 3, "scaler_unit"},
	}
	for _, c := range checks {
		if got := AttributeName(c.id, c.attr); got != c.name {
			t.Errorf("AttributeName(%d, %d) = %q, want %q", c.id, c.attr, got, c.name)
		}
	}
	if got := MethodName(ClassAssociationLN, 1); got != "reply_to_HLS_authentication" {
		t.Errorf("MethodName(15, 1) = %q", got)
	}
	if got := MethodName(ClassDisconnectControl, 2); got != "remote_reconnect" {
		t.Errorf("MethodName(70, 2) = %q", got)
	}
	if got := MethodName(ClassClock, 6); got != "shift_time" {
		t.Errorf("MethodName(8, 6) = %q", got)
	}
	if got := AttributeName(9999, 2); got != "class 9999 attribute 2" {
		t.Errorf("AttributeName(unknown) = %q", got)
	}
	if ClassID(8).String() != "Clock" || ClassID(2).String() != "class 2" {
		t.Errorf("ClassID.String: %s %s", ClassID(8), ClassID(2))
	}
}

func TestUnits(t *testing.T) {
	// PROTOCOLS.md §7 units list.
	for code, sym := range map[Unit]string{5: "h", 6: "min", 7: "s", 8: "°", 9: "°C", 13: "m³", 27: "W", 28: "VA",
		29: "var", 30: "Wh", 31: "VAh", 32: "varh", 33: "A", 35: "V", 44: "Hz", 56: "%"} {
		if code.Symbol() != sym || code.String() != sym {
			t.Errorf("Unit(%d) = %q/%q, want %q", code, code.Symbol(), code, sym)
		}
	}
	if UnitCount.String() != "count" || UnitOther.String() != "other" || Unit(200).String() != "unit(200)" || Unit(200).Known() {
		t.Errorf("special units: %s %s %s", UnitCount, UnitOther, Unit(200))
	}
	if UnitWattHour.Quantity() != "active energy" {
		t.Errorf("Quantity(30) = %q", UnitWattHour.Quantity())
	}
}

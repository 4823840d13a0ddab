package dlms

import "testing"

// NewTestMeter exposes the test object model to the external tests
// (hdlc_test.go) that cannot live in package dlms without an import cycle
// through sim.
func NewTestMeter(t testing.TB, months int) ObjectModel { return newTestMeter(t, months) }

// TestProfileObis is the OBIS of the test meter's load profile.
var TestProfileObis = profileObis

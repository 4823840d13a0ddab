//go:build race

package hdlc_test

// raceEnabled shortens the long fault tests under the race detector, which
// slows the simulated line twenty-fold; the full sizes run without -race.
const raceEnabled = true

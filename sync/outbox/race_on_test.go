//go:build race

package outbox_test

// raceEnabled: the race detector makes each re-exec of the test binary cost
// about a second, so the crash test kills fewer children under -race.
const raceEnabled = true

//go:build race

package client

// raceEnabled: under the race detector SQLite (transpiled C) runs some
// fifteen times slower and each cycle of the crash child takes ~200 ms, so
// the crash test runs fewer cycles there; the full 200 run without -race.
const raceEnabled = true

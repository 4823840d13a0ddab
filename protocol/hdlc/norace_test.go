//go:build !race

package hdlc_test

const raceEnabled = false

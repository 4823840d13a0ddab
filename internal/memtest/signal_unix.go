//go:build unix

package memtest

import (
	"os"
	"os/signal"
	"syscall"
)

// onSignal calls f (one call at a time) on each SIGUSR1 until stop, which
// returns once a call under way has ended.
func onSignal(f func()) (stop func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-c:
				f()
			case <-quit:
				return
			}
		}
	}()
	return func() {
		signal.Stop(c)
		close(quit)
		<-done
	}
}

//go:build !unix

package memtest

// onSignal does nothing where there is no SIGUSR1.
func onSignal(func()) (stop func()) { return func() {} }

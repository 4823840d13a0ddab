//go:build !windows

package serial

import "syscall"

// removedErrno: on Unix, EIO, ENXIO and ENODEV (in classify) say it.
func removedErrno(syscall.Errno) bool { return false }

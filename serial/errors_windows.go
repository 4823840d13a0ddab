package serial

import "syscall"

// removedErrno reports the Windows errors a read or write gets once a USB
// adapter is unplugged: the handle stays open but the device is gone.
func removedErrno(e syscall.Errno) bool {
	switch e {
	case 22, // ERROR_BAD_COMMAND
		31,   // ERROR_GEN_FAILURE
		995,  // ERROR_OPERATION_ABORTED
		1167: // ERROR_DEVICE_NOT_CONNECTED
		return true
	}
	return false
}

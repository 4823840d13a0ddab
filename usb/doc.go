// Package usb drives USB optical probes directly through libusb (gousb),
// for machines where no serial driver is installed or where the driver
// cannot do what IEC 62056-21 needs. It speaks the vendor protocols of the
// bridge chips inside the probes: FTDI (FT232R, FT230X/FT231X, FT2232,
// FT232H, and optical heads built on them) and Silicon Labs CP210x.
//
// A *Port has the same shape as serial.Port: Read, Write, SetReadDeadline,
// SetLine for the mid-session speed change, SetDTR and SetRTS, Flush, Drain
// and Close, so the IEC 62056-21 session driver takes either:
//
//	p, err := usb.Open(usb.Selector{VID: 0x0403, PID: 0x6001, Serial: "A10K3ZQ1"},
//		usb.Options{Baud: 300, Format: "7E1"})
//	if err != nil {
//		fmt.Println(usb.Hint(err)) // udev rule, kernel driver, re-plug ...
//		return err
//	}
//	defer p.Close()
//	cl, err := iec62056.SignOn(ctx, p, iec62056.Options{})
//
// List shows the probes this package can drive. Errors are *Error with the
// same Kinds as package serial (not found, busy, permission denied, closed,
// removed, timeout, invalid) and a Hint: on Linux a permission error names
// the udev rule to add (UdevRule), and a busy device names the kernel
// driver, which Options.DetachKernelDriver detaches while the port is open.
//
// The chip protocols follow the vendors' application notes where they
// exist (FTDI AN232B-05 for the baud divisor, Silicon Labs AN571 for
// CP210x) and the Linux kernel's drivers' usage elsewhere; the FTDI purge
// values are marked unverified.
package usb

// Package serial finds and opens the serial ports a field engineer plugs
// optical probes and serial cables into.
//
// # Discovery
//
// List returns every serial port with, where it is USB, the vendor and
// product IDs, serial number, manufacturer and product strings, and names
// the chip or probe from a catalogue so the app can say "FTDI FT232R
// optical probe on /dev/ttyUSB0":
//
//	ports, err := serial.List()
//	for _, p := range ports {
//		fmt.Println(p.Describe())
//	}
//
// Watch polls List and reports probes plugged in and pulled out on a
// channel, without ever blocking on a slow reader:
//
//	for ev := range serial.Watch(ctx, serial.WatchOptions{}) {
//		switch ev.Kind {
//		case serial.Arrived: ...
//		case serial.Removed: ...
//		}
//	}
//
// # Ports
//
// Open returns a *Port with the byte-transport shape the protocol code
// takes (Read, Write, SetReadDeadline) and SetLine for the IEC 62056-21
// speed change mid-session:
//
//	p, err := serial.Open("/dev/ttyUSB0", serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity})
//	if err != nil {
//		fmt.Println(serial.Hint(err)) // "Add your user to the dialout group: ..."
//	}
//	defer p.Close()
//	cl, err := iec62056.SignOn(ctx, p, iec62056.Options{})
//
// A Read past its deadline returns a *Error of KindTimeout that satisfies
// errors.Is(err, os.ErrDeadlineExceeded), never (0, nil). Every failure is a
// *Error whose Kind tells not found, busy, permission denied, closed,
// removed (the adapter was unplugged mid-read), timeout or invalid setting
// apart, and whose Hint says what to do in a field engineer's words.
//
// 7E1 is Mode{DataBits: 7, Parity: EvenParity}, set natively through
// termios on Unix and the DCB on Windows; bridges whose drivers refuse 7
// data bits run at 8N1 with the parity done in software (see Mode).
//
// The package wraps go.bug.st/serial and imports nothing from the protocol
// stack.
package serial

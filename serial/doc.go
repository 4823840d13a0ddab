// Package serial finds and opens the serial ports a field engineer plugs
// optical probes and serial cables into.
//
// Discovery lists every serial port with, where it is USB, the vendor and
// product IDs, serial number, manufacturer and product strings, and names the
// chip or probe from a catalogue so the app can say "FTDI FT232R USB-serial on
// /dev/ttyUSB0":
//
//	ports, err := serial.List()
//	for _, p := range ports {
//		fmt.Println(p.Describe())
//	}
//
// It wraps go.bug.st/serial and imports nothing from the protocol stack.
package serial

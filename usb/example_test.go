package usb_test

import (
	"fmt"
	"time"

	"github.com/smetskit/smetskit/usb"
)

// Open an FTDI optical probe by its serial number without a kernel driver,
// detaching ftdi_sio if it holds the probe.
func ExampleOpen() {
	p, err := usb.Open(usb.Selector{VID: 0x0403, PID: 0x6001, Serial: "A10K3ZQ1"},
		usb.Options{Baud: 300, Format: "7E1", DetachKernelDriver: true})
	if err != nil {
		fmt.Println(err)
		fmt.Println(usb.Hint(err)) // the udev rule for KindPermissionDenied
		return
	}
	defer p.Close()
	p.Write([]byte("/?!\r\n"))
	p.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64)
	n, err := p.Read(buf)
	fmt.Printf("%q %v\n", buf[:n], err)
	p.SetLine(9600, "7E1") // after the option select, as IEC 62056-21 mode C asks
}

// List the probes this package can drive.
func ExampleList() {
	devs, err := usb.List()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range devs {
		fmt.Printf("%04X:%04X %s %s (%s)\n", d.VID, d.PID, d.Manufacturer, d.Product, d.Driver)
	}
}

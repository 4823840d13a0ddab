package serial

import "strings"

// Chip describes a USB-serial bridge or a named optical probe that the
// catalogue recognises by its USB vendor and product IDs.
type Chip struct {
	VID, PID uint16
	// Vendor and Model name the chip ("FTDI", "FT232R").
	Vendor, Model string
	// Optical is true when the ID belongs to an optical (IEC 62056-21) head
	// rather than a general-purpose bridge.
	Optical bool
	// Driverless is true when the usb package can drive the chip through
	// libusb where no kernel driver is installed.
	Driverless bool
}

// Name returns "Vendor Model".
func (c Chip) Name() string { return c.Vendor + " " + c.Model }

// catalogue lists the USB-serial chips seen inside optical probes and serial
// cables. IDs are the vendors' published defaults; probe makers that keep the
// chip's default ID are recognised by their product string instead (see
// LooksOptical).
var catalogue = []Chip{
	{VID: 0x0403, PID: 0x6001, Vendor: "FTDI", Model: "FT232R", Driverless: true},
	{VID: 0x0403, PID: 0x6015, Vendor: "FTDI", Model: "FT230X/FT231X", Driverless: true},
	{VID: 0x0403, PID: 0x6010, Vendor: "FTDI", Model: "FT2232", Driverless: true},
	{VID: 0x0403, PID: 0x6014, Vendor: "FTDI", Model: "FT232H", Driverless: true},
	{VID: 0x10C4, PID: 0xEA60, Vendor: "Silicon Labs", Model: "CP210x", Driverless: true},
	{VID: 0x10C4, PID: 0xEA70, Vendor: "Silicon Labs", Model: "CP2105"},
	{VID: 0x067B, PID: 0x2303, Vendor: "Prolific", Model: "PL2303"},
	{VID: 0x067B, PID: 0x23A3, Vendor: "Prolific", Model: "PL2303GC"},
	{VID: 0x1A86, PID: 0x7523, Vendor: "WCH", Model: "CH340"},
	{VID: 0x1A86, PID: 0x5523, Vendor: "WCH", Model: "CH341"},
	{VID: 0x1A86, PID: 0x55D4, Vendor: "WCH", Model: "CH9102"},
	// Named optical heads with their own IDs (Linux ftdi_sio_ids.h). Both
	// are FTDI chips, so the usb package drives them too.
	{VID: 0x0403, PID: 0xF458, Vendor: "Abacus Electrics", Model: "optical probe", Optical: true, Driverless: true},
	{VID: 0x1CD7, PID: 0x0217, Vendor: "GMC-I", Model: "Z216C IR-USB adapter", Optical: true, Driverless: true},
}

// Lookup returns the catalogue entry for a USB vendor and product ID.
func Lookup(vid, pid uint16) (Chip, bool) {
	for _, c := range catalogue {
		if c.VID == vid && c.PID == pid {
			return c, true
		}
	}
	return Chip{}, false
}

// Catalogue returns a copy of the known chips and probes.
func Catalogue() []Chip { return append([]Chip(nil), catalogue...) }

// opticalWords are product-string fragments that optical heads carry when
// they keep their bridge chip's default USB ID.
var opticalWords = []string{"optical", "optic", "opto", "infrared", "ir head", "ir-head", "iec 62056", "iec62056", "d0 ", "probe"}

// LooksOptical reports whether a USB product or manufacturer string names an
// optical head.
func LooksOptical(product, manufacturer string) bool {
	s := " " + strings.ToLower(product+" "+manufacturer) + " "
	for _, w := range opticalWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

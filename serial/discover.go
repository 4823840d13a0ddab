package serial

import (
	"fmt"
	"strconv"
	"strings"

	"go.bug.st/serial/enumerator"
)

// PortInfo describes one serial port found on this computer.
type PortInfo struct {
	Name         string `json:"name"`
	USB          bool   `json:"usb"`
	VID          uint16 `json:"vid,omitempty"`
	PID          uint16 `json:"pid,omitempty"`
	SerialNumber string `json:"serial_number,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	// Chip is the catalogue's name for the USB bridge, when known.
	Chip string `json:"chip,omitempty"`
	// Optical is true when the port is believed to be an optical probe.
	Optical bool `json:"optical"`
}

// USBID returns "VVVV:PPPP" for USB ports and "" otherwise.
func (p PortInfo) USBID() string {
	if !p.USB {
		return ""
	}
	return fmt.Sprintf("%04X:%04X", p.VID, p.PID)
}

// Describe returns a line a field engineer understands, such as
// "FTDI FT232R optical probe on /dev/ttyUSB0 (0403:6001, serial A12345)".
func (p PortInfo) Describe() string {
	if !p.USB {
		return "Serial port " + p.Name
	}
	what := p.Chip
	if what == "" {
		what = strings.TrimSpace(p.Manufacturer + " " + p.Product)
	}
	if what == "" {
		what = "Unknown USB"
	}
	kind := "USB-serial adapter"
	if p.Optical {
		kind = "optical probe"
	}
	s := fmt.Sprintf("%s %s on %s (%s", what, kind, p.Name, p.USBID())
	if p.SerialNumber != "" {
		s += ", serial " + p.SerialNumber
	}
	return s + ")"
}

// List returns every serial port the operating system reports, with USB
// details where the port is USB. It does not open the ports.
func List() ([]PortInfo, error) {
	details, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	out := make([]PortInfo, 0, len(details))
	for _, d := range details {
		out = append(out, fromDetails(d))
	}
	return out, nil
}

func fromDetails(d *enumerator.PortDetails) PortInfo {
	p := PortInfo{
		Name:         d.Name,
		USB:          d.IsUSB,
		SerialNumber: d.SerialNumber,
		Manufacturer: d.Manufacturer,
		Product:      d.Product,
	}
	if !d.IsUSB {
		return p
	}
	p.VID = parseHexID(d.VID)
	p.PID = parseHexID(d.PID)
	if c, ok := Lookup(p.VID, p.PID); ok {
		p.Chip = c.Name()
		p.Optical = c.Optical
	}
	if LooksOptical(d.Product, d.Manufacturer) {
		p.Optical = true
	}
	return p
}

// parseHexID parses a USB ID as the enumerator reports it ("0403", "0x0403").
func parseHexID(s string) uint16 {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "0x")
	v, err := strconv.ParseUint(s, 16, 16)
	if err != nil {
		return 0
	}
	return uint16(v)
}

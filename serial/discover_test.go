package serial

import (
	"testing"

	"go.bug.st/serial/enumerator"
)

func TestFromDetails(t *testing.T) {
	tests := []struct {
		name     string
		in       enumerator.PortDetails
		describe string
		optical  bool
	}{
		{
			name:     "plain serial port",
			in:       enumerator.PortDetails{Name: "/dev/ttyS0"},
			describe: "Serial port /dev/ttyS0",
		},
		{
			name:     "FTDI bridge",
			in:       enumerator.PortDetails{Name: "/dev/ttyUSB0", IsUSB: true, VID: "0403", PID: "6001", SerialNumber: "A10K3ZQ1", Product: "FT232R USB UART"},
			describe: "FTDI FT232R USB-serial adapter on /dev/ttyUSB0 (0403:6001, serial A10K3ZQ1)",
		},
		{
			name:     "optical head keeping the bridge ID",
			in:       enumerator.PortDetails{Name: "COM4", IsUSB: true, VID: "10c4", PID: "ea60", Product: "USB Optical Probe"},
			describe: "Silicon Labs CP210x optical probe on COM4 (10C4:EA60)",
			optical:  true,
		},
		{
			name:     "unknown USB device",
			in:       enumerator.PortDetails{Name: "/dev/ttyACM0", IsUSB: true, VID: "0x2341", PID: "0x0043", Manufacturer: "Arduino", Product: "Uno"},
			describe: "Arduino Uno USB-serial adapter on /dev/ttyACM0 (2341:0043)",
		},
		{
			name:     "garbled IDs",
			in:       enumerator.PortDetails{Name: "/dev/ttyUSB1", IsUSB: true, VID: "zz", PID: ""},
			describe: "Unknown USB USB-serial adapter on /dev/ttyUSB1 (0000:0000)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fromDetails(&tt.in)
			if got := p.Describe(); got != tt.describe {
				t.Errorf("Describe() = %q, want %q", got, tt.describe)
			}
			if p.Optical != tt.optical {
				t.Errorf("Optical = %v, want %v", p.Optical, tt.optical)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	c, ok := Lookup(0x0403, 0x6015)
	if !ok || c.Name() != "FTDI FT230X/FT231X" || !c.Driverless {
		t.Errorf("Lookup(0403:6015) = %+v, %v", c, ok)
	}
	if _, ok := Lookup(0xFFFF, 0x0001); ok {
		t.Error("Lookup(FFFF:0001) found an entry")
	}
	seen := map[[2]uint16]bool{}
	for _, c := range Catalogue() {
		k := [2]uint16{c.VID, c.PID}
		if seen[k] {
			t.Errorf("catalogue lists %04X:%04X twice", c.VID, c.PID)
		}
		seen[k] = true
	}
}

// TestListRuns enumerates the real ports of this machine: whatever is there,
// the call must succeed and every USB entry must carry an ID.
func TestListRuns(t *testing.T) {
	ports, err := List()
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	for _, p := range ports {
		if p.Name == "" {
			t.Errorf("port with no name: %+v", p)
		}
	}
	t.Logf("%d serial ports", len(ports))
}

// FuzzFromDetails: whatever the enumerator reports, nothing panics, a USB
// ID that parses prints back to itself, and every port gets a description.
func FuzzFromDetails(f *testing.F) {
	f.Add("/dev/ttyUSB0", true, "0403", "6001", "A10K3ZQ1", "FTDI", "FT232R USB UART")
	f.Add("COM4", true, "10c4", "ea60", "", "", "USB Optical Probe")
	f.Add("/dev/ttyACM0", true, "0x2341", "0x0043", "", "Arduino", "Uno")
	f.Add("/dev/ttyS0", false, "", "", "", "", "")
	f.Add("/dev/ttyUSB1", true, "zz", "", "", "", "")
	f.Fuzz(func(t *testing.T, name string, isUSB bool, vid, pid, serialNo, manufacturer, product string) {
		p := fromDetails(&enumerator.PortDetails{Name: name, IsUSB: isUSB, VID: vid, PID: pid,
			SerialNumber: serialNo, Manufacturer: manufacturer, Product: product})
		if p.Describe() == "" {
			t.Fatal("empty description")
		}
		if p.USB {
			id := p.USBID()
			if parseHexID(id[:4]) != p.VID || parseHexID(id[5:]) != p.PID {
				t.Fatalf("USBID %q does not parse back to %04X:%04X", id, p.VID, p.PID)
			}
		}
	})
}

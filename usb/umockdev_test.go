//go:build linux

package usb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// This file runs the FTDI driver through the real gousb and libusb code
// against a device emulated by umockdev (Debian package umockdev): a sysfs
// description of an FT232R, and a usbmon capture the test writes itself
// that umockdev replays as the device's answers to the URBs libusb
// submits. The capture is the FTDI side of Open at 300 Bd 7E1, one write
// and one read, and Close.
//
// The test re-runs its own binary under umockdev-run; it is skipped where
// umockdev is not installed.

const umockdevChildEnv = "SMETSKIT_UMOCKDEV_CHILD"

const emulatedSysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"

// emulated is one chip for umockdev: its descriptors and sysfs strings,
// and its side of the exchange as a usbmon capture.
type emulated struct {
	name        string
	vid, pid    uint16
	bcd         string
	product     string
	descriptors string // device and configuration descriptors, hex
	capture     func(m *usbmon)
}

var emulatedChips = []emulated{
	{
		name: "FT232R", vid: 0x0403, pid: 0x6001, bcd: "0600", product: "FT232R",
		descriptors: descriptors(0x0403, 0x6001, 0x0600, 8, 0x81, 0x02),
		// The FTDI requests as in ftdi.go: vendor, to the device, port
		// index 0 on a one-port chip.
		capture: func(m *usbmon) {
			m.control(0x40, ftdiReset, 0, 0, nil, nil)
			m.control(0x40, ftdiSetFlowCtrl, 0, 0, nil, nil)
			m.control(0x40, ftdiSetBaudRate, 0x2710, 0, nil, nil) // 300 Bd
			m.control(0x40, ftdiSetData, 0x0207, 0, nil, nil)     // 7 bits, even parity, 1 stop bit
			m.control(0x40, ftdiModemCtrl, 0x0303, 0, nil, nil)   // DTR and RTS on
			m.control(0x40, ftdiSetLatency, 2, 0, nil, nil)
			m.control(0x40, ftdiReset, ftdiPurgeRX, 0, nil, nil)
			m.control(0x40, ftdiReset, ftdiPurgeTX, 0, nil, nil)
			m.bulkOut(0x02, []byte("/?!\r\n"))
			m.bulkIn(0x81, 256, append([]byte{0x01, 0x60}, "/SMK5GB-ESME\r\n"...))
			m.control(0x40, ftdiSetBaudRate, 0x4138, 0, nil, nil) // SetLine(9600, "8N1")
			m.control(0x40, ftdiSetData, 0x0008, 0, nil, nil)
			m.control(0x40, ftdiModemCtrl, 0x0300, 0, nil, nil) // Close: lines down
		},
	},
	{
		name: "CP2102", vid: 0x10C4, pid: 0xEA60, bcd: "0100", product: "CP2102",
		descriptors: descriptors(0x10C4, 0xEA60, 0x0100, 64, 0x81, 0x01),
		// The CP210x requests as in cp210x.go: vendor, to interface 0.
		capture: func(m *usbmon) {
			m.control(0x41, cpIfcEnable, 1, 0, nil, nil)
			m.control(0x41, cpSetFlow, 0, 0, cpFlow(true, true), nil)
			m.control(0x41, cpSetBaudRate, 0, 0, []byte{0x2C, 0x01, 0, 0}, nil) // 300 Bd
			m.control(0x41, cpSetLineCtl, 0x0720, 0, nil, nil)                  // 7 bits, even parity, 1 stop bit
			m.control(0x41, cpSetMHS, 0x0303, 0, nil, nil)
			m.control(0x41, cpPurge, 0x000F, 0, nil, nil)
			m.bulkOut(0x01, []byte("/?!\r\n"))
			m.bulkIn(0x81, 256, []byte("/SMK5GB-ESME\r\n"))
			m.control(0x41, cpSetBaudRate, 0, 0, []byte{0x80, 0x25, 0, 0}, nil) // SetLine(9600, "8N1")
			m.control(0x41, cpSetLineCtl, 0x0800, 0, nil, nil)
			m.control(0x41, cpIfcEnable, 0, 0, nil, nil) // Close
		},
	},
}

// descriptors returns, in hex, the device descriptor and the configuration
// descriptor of a one-interface USB-serial bridge (USB 2.0 §9.6): strings
// 1, 2, 3 for manufacturer, product and serial number, one vendor-class
// interface with a bulk IN and a bulk OUT endpoint of 64 bytes.
func descriptors(vid, pid, bcd uint16, ep0 byte, in, out byte) string {
	le := func(v uint16) []byte { return []byte{byte(v), byte(v >> 8)} }
	d := []byte{18, 1, 0x00, 0x02, 0, 0, 0, ep0}
	d = append(d, le(vid)...)
	d = append(d, le(pid)...)
	d = append(d, le(bcd)...)
	d = append(d, 1, 2, 3, 1)
	d = append(d, 9, 2, 32, 0, 1, 1, 0, 0x80, 50) // 32 bytes in all, bus powered, 100 mA
	d = append(d, 9, 4, 0, 0, 2, 0xFF, 0xFF, 0xFF, 2)
	d = append(d, 7, 5, in, 2, 64, 0, 0)
	d = append(d, 7, 5, out, 2, 64, 0, 0)
	return hex.EncodeToString(d)
}

func (e emulated) deviceFile() string {
	return "P: " + strings.TrimPrefix(emulatedSysfs, "/sys") + fmt.Sprintf(`
N: bus/usb/001/002
E: DEVNAME=/dev/bus/usb/001/002
E: DEVTYPE=usb_device
E: DRIVER=usb
E: PRODUCT=%x/%x/%s
E: TYPE=0/0/0
E: BUSNUM=001
E: DEVNUM=002
E: MAJOR=189
E: MINOR=1
E: SUBSYSTEM=usb
A: authorized=1
A: bConfigurationValue=1
A: bDeviceClass=00
A: bNumConfigurations=1
A: bNumInterfaces= 1
A: bcdDevice=%s
A: busnum=1
A: devnum=2
A: idProduct=%04x
A: idVendor=%04x
A: manufacturer=Maker
A: product=%s
A: serial=SMK00001
A: speed=12
H: descriptors=%s
`, e.vid, e.pid, e.bcd, e.bcd, e.pid, e.vid, e.product, e.descriptors)
}

// usbmon builds a capture in the pcap format with link type 220
// (LINKTYPE_USB_LINUX_MMAPPED): each record is the 64-byte usbmon header
// and the data.
type usbmon struct {
	buf bytes.Buffer
	id  uint64
	t   time.Duration
}

const (
	urbControl = 2
	urbBulk    = 3
)

func newUsbmon() *usbmon {
	m := &usbmon{}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], 220)
	m.buf.Write(h[:])
	return m
}

// record appends one usbmon event; setup is the control setup packet, or
// nil.
func (m *usbmon) record(event byte, typ, ep byte, id uint64, urbLen int, setup, data []byte) {
	m.t += time.Millisecond
	var h [64]byte
	binary.LittleEndian.PutUint64(h[0:], id)
	h[8], h[9], h[10], h[11] = event, typ, ep, 2 // device address 2
	binary.LittleEndian.PutUint16(h[12:], 1)     // bus 1
	h[14], h[15] = '-', '='
	if setup != nil {
		h[14] = 0
		copy(h[40:48], setup)
	}
	if len(data) > 0 {
		h[15] = 0
	}
	binary.LittleEndian.PutUint64(h[16:], uint64(m.t/time.Second))
	binary.LittleEndian.PutUint32(h[24:], uint32(m.t%time.Second/time.Microsecond))
	binary.LittleEndian.PutUint32(h[32:], uint32(urbLen))
	binary.LittleEndian.PutUint32(h[36:], uint32(len(data)))
	var rec [16]byte
	binary.LittleEndian.PutUint32(rec[0:], uint32(m.t/time.Second))
	binary.LittleEndian.PutUint32(rec[4:], uint32(m.t%time.Second/time.Microsecond))
	binary.LittleEndian.PutUint32(rec[8:], uint32(64+len(data)))
	binary.LittleEndian.PutUint32(rec[12:], uint32(64+len(data)))
	m.buf.Write(rec[:])
	m.buf.Write(h[:])
	m.buf.Write(data)
}

// control is one control transfer (USB 2.0 §9.3): umockdev matches the
// setup packet of the URB libusb submits against it byte for byte, and
// answers an IN request with reply.
func (m *usbmon) control(rType, req uint8, value, index uint16, out, reply []byte) {
	length := uint16(len(out))
	if rType&0x80 != 0 {
		length = 255 // what libusb asks for a string descriptor
		if req != 0x06 {
			length = uint16(len(reply))
		}
	}
	setup := make([]byte, 8)
	setup[0], setup[1] = rType, req
	binary.LittleEndian.PutUint16(setup[2:], value)
	binary.LittleEndian.PutUint16(setup[4:], index)
	binary.LittleEndian.PutUint16(setup[6:], length)
	m.id++
	ep := byte(0x00)
	if rType&0x80 != 0 {
		ep = 0x80
	}
	m.record('S', urbControl, ep, m.id, int(length), setup, out)
	m.record('C', urbControl, ep, m.id, len(reply)+len(out), nil, reply)
}

// stringDescriptor answers GET_DESCRIPTOR(STRING) as libusb asks for it:
// the language IDs (4 bytes), then the string in UTF-16LE.
func (m *usbmon) stringDescriptor(index uint8, s string) {
	m.id++ // the language IDs: libusb asks for 4 bytes
	setup := []byte{0x80, 0x06, 0x00, 0x03, 0, 0, 4, 0}
	m.record('S', urbControl, 0x80, m.id, 4, setup, nil)
	m.record('C', urbControl, 0x80, m.id, 4, nil, []byte{4, 3, 0x09, 0x04})
	d := []byte{byte(2 + 2*len(s)), 3}
	for _, c := range []byte(s) {
		d = append(d, c, 0)
	}
	m.control(0x80, 0x06, 0x0300|uint16(index), 0x0409, nil, d)
}

func (m *usbmon) bulkOut(ep byte, data []byte) {
	m.id++
	m.record('S', urbBulk, ep, m.id, len(data), nil, data)
	m.record('C', urbBulk, ep, m.id, len(data), nil, nil)
}

func (m *usbmon) bulkIn(ep byte, size int, data []byte) {
	m.id++
	m.record('S', urbBulk, ep, m.id, size, nil, nil)
	m.record('C', urbBulk, ep, m.id, len(data), nil, data)
}

func TestUmockdev(t *testing.T) {
	if name := os.Getenv(umockdevChildEnv); name != "" {
		for _, e := range emulatedChips {
			if e.name == name {
				umockdevChild(t, e)
				return
			}
		}
		t.Fatalf("no emulated chip %q", name)
	}
	run, err := exec.LookPath("umockdev-run")
	if err != nil {
		t.Skip("umockdev-run not installed (apt-get install umockdev): no libusb-level emulation of the chips")
	}
	for _, e := range emulatedChips {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel() // each testbed is its own process
			dir := t.TempDir()
			dev := filepath.Join(dir, "device.umockdev")
			if err := os.WriteFile(dev, []byte(e.deviceFile()), 0o644); err != nil {
				t.Fatal(err)
			}
			m := newUsbmon()
			m.stringDescriptor(3, "SMK00001") // List: serial number,
			m.stringDescriptor(1, "Maker")    // manufacturer,
			m.stringDescriptor(2, e.product)  // product
			e.capture(m)
			pcap := filepath.Join(dir, "chip.pcap")
			if err := os.WriteFile(pcap, m.buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(run, "-d", dev, "-p", emulatedSysfs+"="+pcap, "--",
				os.Args[0], "-test.run=^TestUmockdev$", "-test.v")
			cmd.Env = append(os.Environ(), umockdevChildEnv+"="+e.name)
			out, err := cmd.CombinedOutput()
			t.Logf("under umockdev-run:\n%s", out)
			if err != nil {
				t.Fatalf("umockdev-run: %v", err)
			}
			if !bytes.Contains(out, []byte("--- PASS: TestUmockdev")) {
				t.Fatal("the emulated run did not pass")
			}
		})
	}
}

// umockdevChild is the test proper, inside the umockdev testbed.
func umockdevChild(t *testing.T, e emulated) {
	devs, err := List()
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	if len(devs) != 1 || devs[0].VID != e.vid || devs[0].PID != e.pid ||
		devs[0].Serial != "SMK00001" || devs[0].Manufacturer != "Maker" || devs[0].Product != e.product {
		t.Fatalf("List() = %+v, want the emulated %s", devs, e.name)
	}
	t.Logf("List() = %+v", devs)
	p, err := Open(Selector{VID: e.vid, PID: e.pid}, Options{})
	if err != nil {
		t.Fatalf("Open() = %v (hint: %s)", err, Hint(err))
	}
	if _, err := p.Write([]byte("/?!\r\n")); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	p.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	n, err := p.Read(buf)
	if err != nil || string(buf[:n]) != "/SMK5GB-ESME\r\n" {
		t.Fatalf("Read() = %q, %v, want the identification (without status bytes)", buf[:n], err)
	}
	if err := p.SetLine(9600, "8N1"); err != nil {
		t.Fatalf("SetLine(9600, 8N1) = %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
}

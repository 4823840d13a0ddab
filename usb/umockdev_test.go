//go:build linux

package usb

import (
	"bytes"
	"encoding/binary"
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

const ftdiSysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"

// ftdiDescriptors are an FT232R's device and configuration descriptors
// (USB 2.0 §9.6): 0403:6001, bcdDevice 0x0600, one interface with bulk
// IN 0x81 and bulk OUT 0x02 of 64 bytes.
const ftdiDescriptors = "12010002000000080304016000060102030109022000010100803209040000" +
	"02ffffff02070581024000000705020240000000"

func ftdiDeviceFile() string {
	return "P: " + strings.TrimPrefix(ftdiSysfs, "/sys") + `
N: bus/usb/001/002
E: DEVNAME=/dev/bus/usb/001/002
E: DEVTYPE=usb_device
E: DRIVER=usb
E: PRODUCT=403/6001/600
E: TYPE=0/0/0
E: BUSNUM=001
E: DEVNUM=002
E: MAJOR=189
E: MINOR=1
E: SUBSYSTEM=usb
A: authorized=1
A: bConfigurationValue=1
A: bDeviceClass=00
A: bMaxPacketSize0=8
A: bNumConfigurations=1
A: bNumInterfaces= 1
A: bcdDevice=0600
A: busnum=1
A: devnum=2
A: idProduct=6001
A: idVendor=0403
A: manufacturer=FTDI
A: product=FT232R USB UART
A: serial=SMK00001
A: speed=12
H: descriptors=` + ftdiDescriptors + "\n"
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
func (m *usbmon) control(rType, req uint8, value, index, length uint16, reply []byte) {
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
	m.record('S', urbControl, ep, m.id, int(length), setup, nil)
	m.record('C', urbControl, ep, m.id, len(reply), nil, reply)
}

// stringDescriptor answers GET_DESCRIPTOR(STRING) as libusb asks for it:
// the language IDs (4 bytes), then the string in UTF-16LE.
func (m *usbmon) stringDescriptor(index uint8, s string) {
	m.control(0x80, 0x06, 0x0300, 0, 4, []byte{4, 3, 0x09, 0x04})
	d := []byte{byte(2 + 2*len(s)), 3}
	for _, c := range []byte(s) {
		d = append(d, c, 0)
	}
	m.control(0x80, 0x06, 0x0300|uint16(index), 0x0409, 255, d)
}

func (m *usbmon) bulkOut(data []byte) {
	m.id++
	m.record('S', urbBulk, 0x02, m.id, len(data), nil, data)
	m.record('C', urbBulk, 0x02, m.id, len(data), nil, nil)
}

func (m *usbmon) bulkIn(size int, data []byte) {
	m.id++
	m.record('S', urbBulk, 0x81, m.id, size, nil, nil)
	m.record('C', urbBulk, 0x81, m.id, len(data), nil, data)
}

func TestUmockdevFTDI(t *testing.T) {
	if os.Getenv(umockdevChildEnv) != "" {
		umockdevChild(t)
		return
	}
	run, err := exec.LookPath("umockdev-run")
	if err != nil {
		t.Skip("umockdev-run not installed (apt-get install umockdev): no libusb-level emulation of the FTDI chip")
	}
	dir := t.TempDir()
	dev := filepath.Join(dir, "ft232r.umockdev")
	if err := os.WriteFile(dev, []byte(ftdiDeviceFile()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The FT232R's side, request by request (the FTDI requests as in
	// ftdi.go: vendor, to the device, port index 0 on a one-port chip).
	m := newUsbmon()
	m.stringDescriptor(3, "SMK00001") // List: serial number,
	m.stringDescriptor(1, "FTDI")     // manufacturer,
	m.stringDescriptor(2, "FT232R")   // product
	m.control(0x40, ftdiReset, 0, 0, 0, nil)
	m.control(0x40, ftdiSetFlowCtrl, 0, 0, 0, nil)
	m.control(0x40, ftdiSetBaudRate, 0x2710, 0, 0, nil) // 300 Bd
	m.control(0x40, ftdiSetData, 0x0207, 0, 0, nil)     // 7 bits, even parity, 1 stop bit
	m.control(0x40, ftdiModemCtrl, 0x0303, 0, 0, nil)   // DTR and RTS on
	m.control(0x40, ftdiSetLatency, 2, 0, 0, nil)
	m.control(0x40, ftdiReset, ftdiPurgeRX, 0, 0, nil)
	m.control(0x40, ftdiReset, ftdiPurgeTX, 0, 0, nil)
	m.bulkOut([]byte("/?!\r\n"))
	m.bulkIn(256, append([]byte{0x01, 0x60}, "/SMK5GB-ESME\r\n"...))
	m.control(0x40, ftdiSetBaudRate, 0x4138, 0, 0, nil) // SetLine(9600, "8N1")
	m.control(0x40, ftdiSetData, 0x0008, 0, 0, nil)
	m.control(0x40, ftdiModemCtrl, 0x0300, 0, 0, nil) // Close: lines down
	pcap := filepath.Join(dir, "ft232r.pcap")
	if err := os.WriteFile(pcap, m.buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(run, "-d", dev, "-p", ftdiSysfs+"="+pcap, "--",
		os.Args[0], "-test.run=^TestUmockdevFTDI$", "-test.v")
	cmd.Env = append(os.Environ(), umockdevChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("under umockdev-run:\n%s", out)
	if err != nil {
		t.Fatalf("umockdev-run: %v", err)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestUmockdevFTDI")) {
		t.Fatal("the emulated run did not pass")
	}
}

// umockdevChild is the test proper, inside the umockdev testbed.
func umockdevChild(t *testing.T) {
	devs, err := List()
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	if len(devs) != 1 || devs[0].VID != 0x0403 || devs[0].PID != 0x6001 || devs[0].Driver != DriverFTDI ||
		devs[0].Serial != "SMK00001" || devs[0].Manufacturer != "FTDI" || devs[0].Product != "FT232R" {
		t.Fatalf("List() = %+v, want the emulated FT232R", devs)
	}
	t.Logf("List() = %+v", devs)
	p, err := Open(Selector{VID: 0x0403, PID: 0x6001}, Options{})
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
		t.Fatalf("Read() = %q, %v, want the identification without the status bytes", buf[:n], err)
	}
	if err := p.SetLine(9600, "8N1"); err != nil {
		t.Fatalf("SetLine(9600, 8N1) = %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
}

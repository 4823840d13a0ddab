package usb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/gousb"
)

// Driver names a chip protocol.
type Driver string

// Drivers.
const (
	DriverFTDI   Driver = "ftdi"
	DriverCP210x Driver = "cp210x"
)

// knownChips are the IDs this package drives without a kernel driver: the
// vendors' default IDs and optical heads with their own IDs (the same
// entries serial's catalogue marks Driverless).
var knownChips = map[[2]uint16]Driver{
	{0x0403, 0x6001}: DriverFTDI,   // FT232R (and FT232BM, FT245)
	{0x0403, 0x6015}: DriverFTDI,   // FT230X, FT231X, FT234XD
	{0x0403, 0x6010}: DriverFTDI,   // FT2232C/D/H
	{0x0403, 0x6011}: DriverFTDI,   // FT4232H
	{0x0403, 0x6014}: DriverFTDI,   // FT232H
	{0x0403, 0xF458}: DriverFTDI,   // Abacus Electrics optical probe
	{0x1CD7, 0x0217}: DriverFTDI,   // GMC-I Z216C IR-USB
	{0x10C4, 0xEA60}: DriverCP210x, // CP2102, CP2102N, CP2104, CP2109
}

// DriverFor returns the driver for a USB ID, if this package knows it.
func DriverFor(vid, pid uint16) (Driver, bool) {
	d, ok := knownChips[[2]uint16{vid, pid}]
	return d, ok
}

// Selector picks the probe to open.
type Selector struct {
	// VID and PID select the device; zero matches every known chip.
	VID, PID uint16
	// Serial, when set, must equal the device's serial number string.
	Serial string
	// Interface is the USB interface of a multi-port chip (0 for port A).
	Interface int
	// Driver forces the chip protocol for a rebadged probe with its own
	// IDs; empty takes it from the ID.
	Driver Driver
}

// Options set up the port as it opens. The zero value gives 300 Bd 7E1,
// DTR and RTS on, and the kernel driver left alone.
type Options struct {
	Baud   int    // default 300
	Format string // default "7E1"
	// DetachKernelDriver lets libusb detach the system's serial driver
	// (ftdi_sio, cp210x) from the interface while the port is open, and
	// reattach it on Close. Linux only; elsewhere it has no effect.
	DetachKernelDriver bool
	// DTROff and RTSOff open with those lines low; by default both are
	// on, as a serial port opens, for probes powered from them.
	DTROff, RTSOff bool
	// Latency is the FTDI latency timer: how long the chip holds fewer
	// than a packet of received bytes before sending them. Default 2 ms.
	Latency time.Duration
}

// DeviceInfo describes one USB device this package can drive.
type DeviceInfo struct {
	VID, PID     uint16
	Bus, Address int
	Driver       Driver
	Serial       string `json:",omitempty"`
	Manufacturer string `json:",omitempty"`
	Product      string `json:",omitempty"`
	// OpenErr is why the strings could not be read (permissions, or the
	// kernel driver holding the device on some systems).
	OpenErr error `json:"-"`
}

// newContext starts libusb. gousb panics when libusb cannot start (no USB
// file system in a container); that becomes an error here.
func newContext() (ctx *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			ctx, err = nil, fmt.Errorf("start libusb: %v", r)
		}
	}()
	return gousb.NewContext(), nil
}

// List returns the USB devices with a known driverless chip, with their
// serial number and strings where the device can be opened.
func List() ([]DeviceInfo, error) {
	ctx, err := newContext()
	if err != nil {
		return nil, &Error{Op: "list", Kind: KindNotFound, Err: err}
	}
	defer ctx.Close()
	var out []DeviceInfo
	devs, err := ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		drv, ok := DriverFor(uint16(d.Vendor), uint16(d.Product))
		if ok {
			out = append(out, DeviceInfo{VID: uint16(d.Vendor), PID: uint16(d.Product), Bus: d.Bus, Address: d.Address, Driver: drv})
		}
		return ok
	})
	for _, dev := range devs {
		for i := range out {
			if out[i].Bus == dev.Desc.Bus && out[i].Address == dev.Desc.Address {
				out[i].Serial, _ = dev.SerialNumber()
				out[i].Manufacturer, _ = dev.Manufacturer()
				out[i].Product, _ = dev.Product()
			}
		}
		dev.Close()
	}
	if err != nil {
		for i := range out {
			if out[i].Serial == "" && out[i].Product == "" {
				out[i].OpenErr = &Error{Op: "open", Device: fmt.Sprintf("%04X:%04X", out[i].VID, out[i].PID),
					VID: out[i].VID, PID: out[i].PID, Kind: classify(err), Err: err}
			}
		}
	}
	return out, nil
}

// Open finds the probe sel names, claims its interface and sets the chip up
// at opt's speed and format. Errors are *Error: KindNotFound when nothing
// matches, KindPermissionDenied (Hint has the udev rule), KindBusy when the
// kernel driver holds the interface (set DetachKernelDriver, or use the
// serial port), KindInvalid for a device that is not a supported chip.
func Open(sel Selector, opt Options) (*Port, error) {
	baud, format := opt.Baud, opt.Format
	if baud == 0 {
		baud = 300
	}
	if format == "" {
		format = "7E1"
	}
	name := describe(sel.VID, sel.PID, sel.Serial)
	fail := func(k Kind, err error) (*Port, error) {
		return nil, &Error{Op: "open", Device: name, VID: sel.VID, PID: sel.PID, Kind: k, Err: err}
	}
	l, err := parseLine(baud, format)
	if err != nil {
		return fail(KindInvalid, err)
	}
	if sel.Driver != "" && sel.Driver != DriverFTDI && sel.Driver != DriverCP210x {
		return fail(KindInvalid, fmt.Errorf("unknown driver %q", sel.Driver))
	}
	ctx, err := newContext()
	if err != nil {
		return fail(KindNotFound, err)
	}
	dev, drv, seen, err := find(ctx, sel)
	if dev == nil {
		ctx.Close()
		if seen != ([2]uint16{}) {
			// Name the device that matched but would not open, so the
			// hint's udev rule is for it.
			sel.VID, sel.PID = seen[0], seen[1]
			name = describe(sel.VID, sel.PID, sel.Serial)
		}
		if err == nil {
			return fail(KindNotFound, ErrNotFound)
		}
		return fail(classify(err), err)
	}
	vid, pid := uint16(dev.Desc.Vendor), uint16(dev.Desc.Product)
	// The serial number was read to select the device; otherwise the bus
	// address names it, without another round of control transfers.
	serialNo := sel.Serial
	name = describe(vid, pid, serialNo)
	if serialNo == "" {
		name += fmt.Sprintf(" at bus %d address %d", dev.Desc.Bus, dev.Desc.Address)
	}
	t, err := claim(ctx, dev, sel.Interface, opt.DetachKernelDriver)
	if err != nil {
		return nil, &Error{Op: "claim interface of", Device: name, VID: vid, PID: pid, Kind: classify(err), Err: err}
	}
	var c chip
	switch drv {
	case DriverFTDI:
		port := uint16(0)
		if len(t.cfg.Desc.Interfaces) > 1 {
			port = uint16(sel.Interface) + 1
		}
		// hasSerial only tells the FT8U232AM (2001, out of service) from
		// an early FT232BM at bcdDevice 0x0200; take the BM.
		c = &ftdi{t: t, typ: FTDITypeOf(uint16(dev.Desc.Device), false), port: port,
			packet: t.inPacketSize(), latency: opt.Latency}
	default:
		c = &cp210x{t: t, iface: uint16(sel.Interface)}
	}
	p := newPort(name, vid, pid, t, c)
	if err := p.start(l, !opt.DTROff, !opt.RTSOff); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func describe(vid, pid uint16, serialNo string) string {
	s := fmt.Sprintf("%04X:%04X", vid, pid)
	if vid == 0 && pid == 0 {
		s = "probe"
	}
	if serialNo != "" {
		s += " serial " + serialNo
	}
	return s
}

// find opens the first device matching sel and closes the others. seen is
// the ID of the first device that matched, opened or not.
func find(ctx *gousb.Context, sel Selector) (_ *gousb.Device, _ Driver, seen [2]uint16, _ error) {
	devs, err := ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		vid, pid := uint16(d.Vendor), uint16(d.Product)
		if sel.VID != 0 && (vid != sel.VID || (sel.PID != 0 && pid != sel.PID)) {
			return false
		}
		_, known := DriverFor(vid, pid)
		if (known || sel.Driver != "") && seen == ([2]uint16{}) {
			seen = [2]uint16{vid, pid}
		}
		return known || sel.Driver != ""
	})
	var found *gousb.Device
	var drv Driver
	for _, dev := range devs {
		if found != nil {
			dev.Close()
			continue
		}
		if sel.Serial != "" {
			if s, serr := dev.SerialNumber(); serr != nil || s != sel.Serial {
				dev.Close()
				continue
			}
		}
		found = dev
		drv = sel.Driver
		if drv == "" {
			drv, _ = DriverFor(uint16(dev.Desc.Vendor), uint16(dev.Desc.Product))
		}
	}
	return found, drv, seen, err
}

// gousbTransfers is transfers over a claimed gousb interface.
type gousbTransfers struct {
	ctx  *gousb.Context
	dev  *gousb.Device
	cfg  *gousb.Config
	intf *gousb.Interface
	in   *gousb.InEndpoint
	out  *gousb.OutEndpoint
}

// claim detaches the kernel driver if asked, claims interface num and
// opens its bulk endpoints. On error it closes everything, ctx included.
func claim(ctx *gousb.Context, dev *gousb.Device, num int, detach bool) (_ *gousbTransfers, err error) {
	t := &gousbTransfers{ctx: ctx, dev: dev}
	defer func() {
		if err != nil {
			t.close()
		}
	}()
	dev.ControlTimeout = 2 * time.Second
	if detach {
		if err := dev.SetAutoDetach(true); err != nil {
			return nil, fmt.Errorf("detach kernel driver: %w", err)
		}
	}
	cfgNum, err := dev.ActiveConfigNum()
	if err != nil {
		return nil, fmt.Errorf("read active configuration: %w", err)
	}
	if t.cfg, err = dev.Config(cfgNum); err != nil {
		return nil, err
	}
	if t.intf, err = t.cfg.Interface(num, 0); err != nil {
		return nil, err
	}
	for _, ep := range t.intf.Setting.Endpoints {
		if ep.TransferType != gousb.TransferTypeBulk {
			continue
		}
		switch {
		case ep.Direction == gousb.EndpointDirectionIn && t.in == nil:
			t.in, err = t.intf.InEndpoint(ep.Number)
		case ep.Direction == gousb.EndpointDirectionOut && t.out == nil:
			t.out, err = t.intf.OutEndpoint(ep.Number)
		}
		if err != nil {
			return nil, err
		}
	}
	if t.in == nil || t.out == nil {
		return nil, fmt.Errorf("%w: interface %d has no bulk IN and OUT endpoints", ErrInvalid, num)
	}
	return t, nil
}

func (t *gousbTransfers) control(rType, request uint8, val, idx uint16, data []byte) (int, error) {
	return t.dev.Control(rType, request, val, idx, data)
}

func (t *gousbTransfers) bulkIn(ctx context.Context, p []byte) (int, error) {
	return t.in.ReadContext(ctx, p)
}

func (t *gousbTransfers) bulkOut(ctx context.Context, p []byte) (int, error) {
	return t.out.WriteContext(ctx, p)
}

func (t *gousbTransfers) inPacketSize() int {
	if t.in == nil {
		return 64
	}
	return t.in.Desc.MaxPacketSize
}

func (t *gousbTransfers) close() error {
	if t.intf != nil {
		t.intf.Close()
	}
	var errs []error
	if t.cfg != nil {
		errs = append(errs, t.cfg.Close())
	}
	if t.dev != nil {
		errs = append(errs, t.dev.Close())
	}
	if t.ctx != nil {
		errs = append(errs, t.ctx.Close())
	}
	return errors.Join(errs...)
}

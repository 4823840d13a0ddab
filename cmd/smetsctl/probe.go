package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/usb"
)

// Hooks for tests: the USB enumerator and the port opener.
var (
	listUSB   = usb.List
	openProbe = openProbePort
)

const probeAbout = `List probes, self-test a probe on a meter, or detect the meter behind it.

  smetsctl probe list [--json]
  smetsctl probe test   --port P | --usb VID:PID[:serial] [--json]
  smetsctl probe detect --port P | --usb VID:PID[:serial] [--json] [--profiles FILE]
                        [--expect FLAG/MODEL] [--protocols mode-e,mode-c,hdlc]

test checks the probe and the optical port (echo, sign-on at 300 Bd, the
speed switch) and says what to do when something is wrong. detect tries
mode E, the mode C readout and direct HDLC at common speeds, and remembers
what worked per meter model in the profiles file. Progress goes to stderr.`

func runProbe(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs := newFlags(e, "probe", "list|test|detect [flags]", probeAbout)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		fs.Usage()
		return errUsage
	}
	switch args[0] {
	case "list":
		return runProbeList(e, args[1:])
	case "test", "detect":
		return runProbeUse(ctx, e, args[0], args[1:])
	}
	fmt.Fprintf(e.stderr, "smetsctl probe: unknown sub-command %q\n", args[0])
	newFlags(e, "probe", "list|test|detect [flags]", probeAbout).Usage()
	return errUsage
}

// usbProbe is one driverless USB probe in the list.
type usbProbe struct {
	VID          string `json:"vid"`
	PID          string `json:"pid"`
	Serial       string `json:"serial,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Driver       string `json:"driver"`
	// Use is the --usb argument that opens this probe.
	Use   string `json:"use"`
	Error string `json:"error,omitempty"`
}

// probeList is the JSON of `probe list`.
type probeList struct {
	Serial   []serial.PortInfo `json:"serial"`
	USB      []usbProbe        `json:"usb"`
	USBError string            `json:"usb_error,omitempty"`
}

func runProbeList(e *env, args []string) error {
	fs := newFlags(e, "probe list", "[--json]", "List serial ports and driverless USB probes (FTDI, CP210x), with the --port or --usb\nargument that opens each.")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	ports, err := listPorts()
	if err != nil {
		return err
	}
	l := probeList{Serial: ports, USB: []usbProbe{}}
	if l.Serial == nil {
		l.Serial = []serial.PortInfo{}
	}
	devs, err := listUSB()
	if err != nil {
		l.USBError = err.Error()
	}
	for _, d := range devs {
		u := usbProbe{VID: fmt.Sprintf("%04x", d.VID), PID: fmt.Sprintf("%04x", d.PID), Serial: d.Serial,
			Manufacturer: d.Manufacturer, Product: d.Product, Driver: string(d.Driver)}
		u.Use = u.VID + ":" + u.PID
		if d.Serial != "" {
			u.Use += ":" + d.Serial
		}
		if d.OpenErr != nil {
			u.Error = d.OpenErr.Error()
		}
		l.USB = append(l.USB, u)
	}
	if *asJSON {
		return writeJSON(e.stdout, l)
	}
	if len(l.Serial) == 0 && len(l.USB) == 0 {
		fmt.Fprintln(e.stdout, "No probes found. Plug in the optical probe; on Linux check that it shows up under /dev/ttyUSB* or in lsusb.")
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	if len(l.Serial) > 0 {
		fmt.Fprintln(tw, "USE\tKIND\tVID:PID\tSERIAL\tPRODUCT\tCHIP")
		for _, p := range l.Serial {
			kind := "serial"
			if p.Optical {
				kind = "optical"
			}
			fmt.Fprintf(tw, "--port %s\t%s\t%s\t%s\t%s\t%s\n", p.Name, kind, dash(p.USBID()), dash(p.SerialNumber), dash(p.Product), dash(p.Chip))
		}
	}
	if len(l.USB) > 0 {
		if len(l.Serial) > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintln(tw, "USE\tDRIVER\tMANUFACTURER\tPRODUCT\tNOTE")
		for _, u := range l.USB {
			fmt.Fprintf(tw, "--usb %s\t%s\t%s\t%s\t%s\n", u.Use, u.Driver, dash(u.Manufacturer), dash(u.Product), dash(u.Error))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if l.USBError != "" {
		fmt.Fprintf(e.stderr, "USB probes not listed: %s\n", l.USBError)
	}
	return nil
}

// probeTarget is where a probe is: a serial port name or a USB selector.
type probeTarget struct {
	port string
	usb  *usb.Selector
}

func (t probeTarget) String() string {
	if t.usb != nil {
		s := fmt.Sprintf("USB %04x:%04x", t.usb.VID, t.usb.PID)
		if t.usb.Serial != "" {
			s += " serial " + t.usb.Serial
		}
		return s
	}
	return t.port
}

// parseUSB reads VID:PID[:serial] with hexadecimal IDs.
func parseUSB(s string) (*usb.Selector, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 {
		return nil, fmt.Errorf("--usb %q: want VID:PID[:serial], for example 0403:6001", s)
	}
	vid, err1 := strconv.ParseUint(strings.TrimPrefix(parts[0], "0x"), 16, 16)
	pid, err2 := strconv.ParseUint(strings.TrimPrefix(parts[1], "0x"), 16, 16)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("--usb %q: VID and PID are 4 hexadecimal digits", s)
	}
	sel := &usb.Selector{VID: uint16(vid), PID: uint16(pid)}
	if len(parts) == 3 {
		sel.Serial = parts[2]
	}
	return sel, nil
}

// probePort is an open probe.
type probePort interface {
	probe.Port
	io.Closer
}

// openProbePort opens the probe at 300 Bd 7E1, where IEC 62056-21 starts.
func openProbePort(t probeTarget) (probePort, error) {
	if t.usb != nil {
		p, err := usb.Open(*t.usb, usb.Options{Baud: 300, Format: "7E1"})
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	p, err := serial.Open(t.port, serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// defaultProfiles is where detect remembers what worked.
func defaultProfiles() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "smetskit", "probe-profiles.json")
}

// probeFailure is the JSON printed when test or detect finds nothing.
type probeFailure struct {
	Error    string `json:"error"`
	Kind     string `json:"kind"`
	Title    string `json:"title"`
	Action   string `json:"action"`
	Attempts int    `json:"attempts"`
}

func runProbeUse(ctx context.Context, e *env, sub string, args []string) error {
	about := "Self-test the probe on a meter's optical port: echo, sign-on at 300 Bd, the speed switch.\nExits 1 with advice when something is wrong."
	if sub == "detect" {
		about = "Detect the meter behind the probe: mode E, mode C readout, then direct HDLC at\ncommon speeds, stepping down; prints protocol, speed, HDLC address, manufacturer and model."
	}
	fs := newFlags(e, "probe "+sub, "--port P | --usb VID:PID[:serial] [flags]", about)
	port := fs.String("port", "", "serial port (/dev/ttyUSB0, COM4, a pty)")
	usbSel := fs.String("usb", "", "driverless USB probe VID:PID[:serial] in hex, as `probe list` shows")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	maxBaud := fs.Int("max-baud", 0, "the probe's highest speed (0: no limit)")
	var profiles, expect, protocols *string
	if sub == "detect" {
		profiles = fs.String("profiles", defaultProfiles(), "file remembering what worked per meter model (empty: none)")
		expect = fs.String("expect", "", "the meter expected, as FLAG/MODEL (for example LGZ/E470): try its remembered profile first")
		protocols = fs.String("protocols", "", "try only these, comma-separated: mode-e, mode-c, hdlc")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 || (*port == "") == (*usbSel == "") {
		if fs.NArg() == 0 {
			fmt.Fprintln(e.stderr, "Give one of --port or --usb.")
		}
		fs.Usage()
		return errUsage
	}
	var only []probe.Protocol
	if protocols != nil {
		var err error
		if only, err = probe.ParseProtocols(*protocols); err != nil {
			fmt.Fprintln(e.stderr, err)
			return errUsage
		}
	}
	target := probeTarget{port: *port}
	if *usbSel != "" {
		sel, err := parseUSB(*usbSel)
		if err != nil {
			fmt.Fprintln(e.stderr, err)
			return errUsage
		}
		target = probeTarget{usb: sel}
	}
	p, err := openProbe(target)
	if err != nil {
		if h := hintOf(err); h != "" {
			fmt.Fprintln(e.stderr, h)
		}
		return err // serial and usb errors name the port and the operation
	}
	defer p.Close()

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	opt := probe.Options{
		MaxBaud:   *maxBaud,
		Protocols: only,
		Progress: func(pr probe.Progress) {
			fmt.Fprintf(e.stderr, "attempt %d of %d: %s\n", pr.Attempt, pr.Of, pr.What)
		},
	}
	if profiles != nil && *profiles != "" {
		opt.Store = probe.NewFileStore(*profiles)
	}
	if expect != nil && *expect != "" {
		flagID, model, _ := strings.Cut(*expect, "/")
		opt.Expect = &probe.Expect{Manufacturer: flagID, Model: model}
	}
	if sub == "test" {
		rep, err := probe.SelfTest(ctx, p, opt)
		if *asJSON {
			if jerr := writeJSON(e.stdout, rep); jerr != nil {
				return jerr
			}
		} else {
			printReport(e.stdout, rep)
		}
		return err
	}
	res, err := probe.Detect(ctx, p, opt)
	if err != nil {
		title, action := probe.Advice(err)
		if *asJSON {
			var pe *probe.Error
			n := 0
			if errors.As(err, &pe) {
				n = pe.Attempts
			}
			if jerr := writeJSON(e.stdout, probeFailure{Error: err.Error(), Kind: probe.KindOf(err).String(), Title: title, Action: action, Attempts: n}); jerr != nil {
				return jerr
			}
		} else {
			fmt.Fprintf(e.stdout, "%s.\n%s\n", title, action)
		}
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, res)
	}
	printResult(e.stdout, res)
	return nil
}

// hintOf returns the field engineer's hint a serial or USB error carries.
func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

func printResult(w io.Writer, r *probe.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "protocol\t%s\n", r.Protocol)
	fmt.Fprintf(tw, "speed\t%d Bd\n", r.Baud)
	if r.Address != nil {
		fmt.Fprintf(tw, "HDLC address\t%s\n", r.Address)
	}
	fmt.Fprintf(tw, "manufacturer\t%s\n", dash(r.Manufacturer))
	fmt.Fprintf(tw, "model\t%s\n", dash(r.Model))
	if r.LogicalDeviceName != "" {
		fmt.Fprintf(tw, "logical device name\t%s\n", r.LogicalDeviceName)
	}
	if r.Serial != "" {
		fmt.Fprintf(tw, "serial number\t%s\n", r.Serial)
	}
	if r.Echo {
		fmt.Fprintf(tw, "echo\tthe probe hears itself (dropped)\n")
	}
	if r.StayedAtOldSpeed {
		fmt.Fprintf(tw, "note\tthe meter ignores the speed it proposes\n")
	}
	if r.FromProfile {
		fmt.Fprintf(tw, "note\tfound with the profile remembered for this model\n")
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(tw, "warning\t%s\n", w)
	}
	fmt.Fprintf(tw, "attempts\t%d\n", len(r.Attempts))
	tw.Flush()
}

func printReport(w io.Writer, r *probe.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range r.Checks {
		mark := "ok"
		if !c.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", mark, c.Name, c.Detail)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%s.\n", r.Title)
	if r.Action != "" {
		fmt.Fprintln(w, r.Action)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

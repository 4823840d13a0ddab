package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/sim"
)

// runSim runs simulated devices until interrupted:
//
//	smetsctl sim meter|hub|site [--pty PATH] [--tcp ADDR [--wrapper]] [--baud N] [--quirks a,b] [--scenario FILE] [--trace]
func runSim(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "sim", "meter|hub|site [flags]",
		"Run simulated devices speaking the real protocols, on pseudo-terminals (the default:\n"+
			"open the printed path with any serial tool) or on TCP ports (a raw serial stream,\n"+
			"as a serial-over-TCP bridge carries it). 'meter' runs the scenario's first meter\n"+
			"(IEC 62056-21 optical port, mode E, HDLC, DLMS), 'hub' its communications hub\n"+
			"(HDLC/DLMS at 8N1), 'site' every device. Stop with Ctrl-C.\n\n"+
			"Quirks: "+quirkNames())
	ptyPath := fs.String("pty", "", "create the pseudo-terminal and link it at `PATH` (site: PATH-hub, PATH-meter1, ...)")
	tcpAddr := fs.String("tcp", "", "listen on TCP `ADDR` instead of a pseudo-terminal (host defaults to 127.0.0.1; site: consecutive ports)")
	baud := fs.Int("baud", 0, "fastest speed the meters propose on the optical port (default 9600)")
	quirks := fs.String("quirks", "", "comma-separated `quirks` added to every device run")
	scenario := fs.String("scenario", "demo", "scenario `FILE`, or an embedded one: "+strings.Join(sim.ScenarioNames(), ", "))
	trace := fs.Bool("trace", false, "print every message in hex and decoded")
	wrapper := fs.Bool("wrapper", false, "with --tcp: speak DLMS in IEC 62056-47 wrapper frames (no IEC 62056-21 sign-on, no HDLC)")
	var kind string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		kind, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if kind == "" && fs.NArg() > 0 {
		kind = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	if kind != "meter" && kind != "hub" && kind != "site" {
		fs.Usage()
		return errUsage
	}
	if *wrapper && *tcpAddr == "" {
		fmt.Fprintln(e.stderr, "smetsctl sim: --wrapper needs --tcp")
		return errUsage
	}
	if *ptyPath != "" && *tcpAddr != "" {
		fmt.Fprintln(e.stderr, "smetsctl sim: --pty and --tcp exclude each other")
		return errUsage
	}
	extra, err := sim.ParseQuirks(*quirks)
	if err != nil {
		fmt.Fprintf(e.stderr, "smetsctl sim: %v\n", err)
		return errUsage
	}
	sc, err := sim.LoadScenario(*scenario)
	if err != nil {
		return err
	}
	for q := range extra {
		if sc.Hub != nil && (kind != "meter") {
			sc.Hub.Quirks = append(sc.Hub.Quirks, q)
		}
		for i := range sc.Meters {
			sc.Meters[i].Quirks = append(sc.Meters[i].Quirks, q)
		}
	}
	if *baud != 0 {
		for i := range sc.Meters {
			sc.Meters[i].MaxBaud = *baud
		}
	}
	out := &lockedWriter{w: e.stdout}
	site, err := sim.NewSite(sc, time.Time{}, nil)
	if err != nil {
		return err
	}
	var devs []simDevice
	if kind != "hub" {
		for i, m := range site.Meters {
			id := m.Identity()
			devs = append(devs, simDevice{name: fmt.Sprintf("meter%d", i+1),
				about: fmt.Sprintf("meter %s %s serial %s (%s): IEC 62056-21 optical port, mode E to HDLC/DLMS", id.Flag, id.Model, id.Serial, id.DeviceID),
				serve: m.ServeOpticalTrace, wrapper: m.ServeWrapper})
			if kind == "meter" {
				break
			}
		}
	}
	if kind != "meter" && site.Hub != nil {
		id := site.Hub.Identity()
		devs = append([]simDevice{{name: "hub", about: fmt.Sprintf("hub %s (%s): HDLC/DLMS at 8N1, local delivery on %s", id.Serial, id.DeviceID, sim.LocalDeliveryOBIS),
			serve: site.Hub.ServeSerialTrace, wrapper: site.Hub.ServeWrapper}}, devs...)
	}
	if len(devs) == 0 {
		return fmt.Errorf("scenario %s has no %s", sc.Name, kind)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(devs))
	for i, d := range devs {
		var tr func(string, []byte)
		if *trace {
			tr = traceTo(out, d.name)
		}
		if *tcpAddr != "" {
			addr, err := nthAddr(*tcpAddr, i)
			if err != nil {
				fmt.Fprintf(e.stderr, "smetsctl sim: %v\n", err)
				return errUsage
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen for %s: %w", d.name, err)
			}
			about := d.about
			if *wrapper {
				about = strings.SplitN(about, ":", 2)[0] + ": DLMS in IEC 62056-47 wrapper frames"
			}
			fmt.Fprintf(out, "%s listening on tcp %s\n", about, ln.Addr())
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- serveTCP(ctx, ln, d, *wrapper, tr)
			}()
			continue
		}
		link := ""
		if *ptyPath != "" {
			link = *ptyPath
			if kind == "site" {
				link += "-" + d.name
			}
		}
		p, err := sim.OpenPTY(link)
		if err != nil {
			return err
		}
		defer p.Close()
		where := p.DevicePath()
		if link != "" {
			where += " (link " + link + ")"
		}
		fmt.Fprintf(out, "%s listening on %s\n", d.about, where)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errc <- d.serve(ctx, p, tr)
		}()
	}
	fmt.Fprintf(out, "associations: public SAP %d; reader SAP %d, LLS password %q; management SAP %d, HLS-GMAC suite 0, EK %X, AK %X (test keys)\n",
		sim.SAPPublic, sim.SAPReader, sim.DefaultPassword, sim.SAPManagement, sim.DefaultEK, sim.DefaultAK)
	var first error
	go func() { wg.Wait(); close(errc) }()
	for err := range errc {
		if err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// simDevice is one device the command runs.
type simDevice struct {
	name, about string
	serve       func(ctx context.Context, p sim.Port, trace func(string, []byte)) error
	wrapper     func(ctx context.Context, conn io.ReadWriter, trace func(string, []byte)) error
}

// serveTCP serves each accepted connection in turn, as one serial line
// that a new client may take over.
func serveTCP(ctx context.Context, ln net.Listener, d simDevice, wrapper bool, tr func(string, []byte)) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("accept for %s: %w", d.name, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			if wrapper {
				_ = d.wrapper(ctx, c, tr)
				return
			}
			_ = d.serve(ctx, sim.ConnPort{Conn: c}, tr)
		}()
	}
}

// nthAddr returns the listen address of the i-th device: the host
// defaults to loopback, and a fixed port counts up per device.
func nthAddr(addr string, i int) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--tcp %s: %w", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("--tcp %s: bad port", addr)
	}
	if n != 0 {
		n += i
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}

// traceTo prints each message in hex and decoded.
func traceTo(w io.Writer, name string) func(string, []byte) {
	return func(dir string, b []byte) {
		fmt.Fprintf(w, "%s %-6s %s %s  %s\n", time.Now().Format("15:04:05.000"), name, dir, hex.EncodeToString(b), describe(b))
	}
}

// describe decodes one traced message: an HDLC frame (control and APDU
// name) or IEC 62056-21 text.
func describe(b []byte) string {
	if len(b) > 8 && b[0] == 0x00 && b[1] == 0x01 {
		if a, err := dlms.Decode(b[8:]); a != nil {
			return "wrapper " + dlms.Name(a)
		} else if err != nil {
			return "wrapper: " + err.Error()
		}
	}
	if len(b) > 2 && b[0] == hdlc.Flag {
		d, err := hdlc.Inspect(b)
		if err != nil {
			return "bad frame: " + err.Error()
		}
		s := d.ControlDecoded
		if d.APDU != "" {
			if raw, err := hex.DecodeString(d.APDU); err == nil {
				if a, err := dlms.Decode(raw); a != nil {
					s += " " + dlms.Name(a)
				} else if err != nil {
					s += " APDU " + d.APDU[:min(len(d.APDU), 8)] + "…"
				}
			}
		}
		return s
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range string(b) {
		switch {
		case c == '\r':
			sb.WriteString(`\r`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c < 0x80 && unicode.IsPrint(c):
			sb.WriteRune(c)
		default:
			fmt.Fprintf(&sb, "<%02X>", c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// quirkNames lists the quirks for the usage text.
func quirkNames() string {
	var names []string
	for _, q := range sim.AllQuirks() {
		if !strings.HasPrefix(string(q), "join-fail-") {
			names = append(names, string(q))
		}
	}
	return strings.Join(names, ", ") + ", join-fail-1 … join-fail-13"
}

// lockedWriter serialises writes from the devices' goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

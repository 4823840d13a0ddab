package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/smetskit/smetskit/app"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/serial"
)

const readAbout = `Read a meter or communications hub and print what it says. Sections:
identity, clock, registers, disconnect, profile, events, hub-log, wan, objects
(all of them when none is given; those the device does not offer are skipped).

Connect with --tcp host:port (IEC 62056-47 wrapper) or --port /dev/ttyUSB0
(optical probe: IEC 62056-21 sign-on, mode E, then HDLC; --direct-hdlc for a
hub's serial port that speaks HDLC at once). With --password the association
uses LLS (client SAP 17 by default), otherwise the public client 16.

--bundle FILE also writes a hash-chained evidence bundle (readout, frames,
session parameters, engineer and job) for 'smetsctl report'.`

func runRead(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "read", "(--tcp ADDR | --port PATH) [flags] [section...]", readAbout)
	tcp := fs.String("tcp", "", "connect over TCP to `host:port` with the IEC 62056-47 wrapper")
	port := fs.String("port", "", "connect through the optical probe or serial port at `path`")
	direct := fs.Bool("direct-hdlc", false, "with --port: the line speaks HDLC at once (8N1), no IEC 62056-21 sign-on")
	echo := fs.Bool("echo", false, "with --port: the optical head hears its own transmission (drop the echo)")
	baud := fs.Int("baud", 9600, "with --port: highest speed to agree in mode E, or the line speed with --direct-hdlc")
	client := fs.Int("client", 0, "client SAP (default 17 with --password, else 16)")
	logical := fs.Int("logical", 1, "server logical device")
	physical := fs.Int("physical", 17, "server physical device (HDLC)")
	password := fs.String("password", "", "LLS password (low-level security)")
	reversed := fs.Bool("reversed-deviation", false, "the device writes the time-zone deviation with the opposite sign")
	format := fs.String("format", "table", "output `format`: table, json or csv")
	from := fs.String("from", "", "profile start: RFC 3339 time or a duration back from now (default 24h)")
	to := fs.String("to", "", "profile end: RFC 3339 time (default now)")
	bundle := fs.String("bundle", "", "write an evidence bundle to `file`")
	engineer := fs.String("engineer", "", "engineer ID for the evidence bundle")
	job := fs.String("job", "", "job ID for the evidence bundle")
	ntp := fs.String("ntp", "", "compare the device clock with the NTP server at `host:port` too")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*tcp == "") == (*port == "") {
		fmt.Fprintln(e.stderr, "smetsctl read: give exactly one of --tcp and --port")
		fs.Usage()
		return errUsage
	}
	if *format != "table" && *format != "json" && *format != "csv" {
		fmt.Fprintf(e.stderr, "smetsctl read: unknown format %q\n", *format)
		return errUsage
	}
	var secs []diagnose.Section
	for _, a := range fs.Args() {
		s, err := diagnose.ParseSection(a)
		if err != nil {
			fmt.Fprintf(e.stderr, "smetsctl read: %v (want one of %s)\n", err, sectionList())
			return errUsage
		}
		secs = append(secs, s)
	}
	now := time.Now()
	req := diagnose.Request{Sections: secs, To: now}
	if *to != "" {
		t, err := time.Parse(time.RFC3339, *to)
		if err != nil {
			fmt.Fprintf(e.stderr, "smetsctl read: --to: %v\n", err)
			return errUsage
		}
		req.To = t
	}
	req.From = req.To.Add(-24 * time.Hour)
	if *from != "" {
		if d, err := time.ParseDuration(*from); err == nil {
			req.From = req.To.Add(-d)
		} else if t, err := time.Parse(time.RFC3339, *from); err == nil {
			req.From = t
		} else {
			fmt.Fprintf(e.stderr, "smetsctl read: --from %q: want an RFC 3339 time or a duration\n", *from)
			return errUsage
		}
	}

	cfg := diagnose.Config{Progress: progressPrinter(e.stderr)}
	sap := 16
	if *password != "" {
		sap = 17
		cfg.Client = dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: []byte(*password)}
	}
	if *client != 0 {
		sap = *client
	}
	if *reversed {
		cfg.DeviationSign = axdr.DeviationReversed
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	if *ntp != "" {
		t, err := diagnose.SNTP(ctx, *ntp, nil)
		if err != nil {
			fmt.Fprintf(e.stderr, "smetsctl read: no NTP reference: %v\n", err)
		} else {
			at := time.Now()
			cfg.Reference = func() (time.Time, string, bool) { return t.Add(time.Since(at)), "ntp", true }
		}
	}

	var conn diagnose.Connector
	if *tcp != "" {
		conn = diagnose.TCP(*tcp, uint16(sap), uint16(*logical))
	} else {
		mode := serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity}
		if *direct {
			mode = serial.Mode{Baud: *baud}
		}
		p, err := openSerial(*port, mode)
		if err != nil {
			return err
		}
		defer p.Close()
		conn = diagnose.Optical(p, diagnose.OpticalConfig{Name: *port, SignOn: iec62056.Options{MaxBaud: *baud, Echo: *echo},
			ClientSAP: sap, ServerLogical: *logical, ServerPhysical: *physical, DirectHDLC: *direct})
	}

	s, err := diagnose.Open(ctx, conn, cfg)
	if err != nil {
		return err
	}
	r, err := s.Read(ctx, req)
	cerr := s.Close(ctx)
	if err != nil {
		return err
	}
	if cerr != nil {
		fmt.Fprintf(e.stderr, "smetsctl read: release: %v\n", cerr)
	}
	if *bundle != "" {
		if err := writeBundle(*bundle, diagnose.Header{JobID: *job, Engineer: *engineer, Tool: "smetsctl " + app.Version}, s, r); err != nil {
			return err
		}
	}
	return printReadout(e, r, secs, *format)
}

// openSerial opens the probe's port; tests replace it with the line
// emulator.
var openSerial = func(name string, mode serialMode) (serialPort, error) { return serial.Open(name, mode) }

type serialMode = serial.Mode

// serialPort is what the read command needs of a port.
type serialPort interface {
	iec62056.Port
	Close() error
}

func sectionList() string {
	var names []string
	for _, s := range diagnose.Sections() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// progressPrinter prints long-read progress to w, one line per report.
func progressPrinter(w io.Writer) func(diagnose.Progress) {
	return func(p diagnose.Progress) {
		fmt.Fprintf(w, "%s %s: %d/%d rows, %d bytes, about %s left\n", p.Section, p.Object, p.Rows, p.Expected, p.Bytes, p.ETA.Round(time.Second))
	}
}

func writeBundle(path string, h diagnose.Header, s *diagnose.Session, r *diagnose.Readout) error {
	b, err := diagnose.NewBundle(h, s, r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := b.Save(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func printReadout(e *env, r *diagnose.Readout, secs []diagnose.Section, format string) error {
	if len(secs) == 0 {
		secs = diagnose.Sections()
	}
	switch format {
	case "json":
		return diagnose.WriteJSON(e.stdout, r)
	case "csv":
		for _, s := range secs {
			if len(secs) > 1 {
				fmt.Fprintf(e.stdout, "# %s\n", s)
			}
			if err := diagnose.WriteCSV(e.stdout, r, s); err != nil {
				return err
			}
		}
		diagnose.WriteProblems(e.stderr, r)
		return nil
	}
	for _, s := range secs {
		if err := diagnose.WriteTable(e.stdout, r, s); err != nil {
			return err
		}
	}
	diagnose.WriteProblems(e.stdout, r)
	return nil
}

func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report", "--bundle FILE --pdf OUT.pdf",
		"Render an evidence bundle written by 'smetsctl read --bundle' as a PDF report: readout\nsummary, profile chart, events and the evidence hash. The hash chain is verified;\na broken chain is reported on the PDF and the command exits 1.")
	in := fs.String("bundle", "", "evidence bundle `file`")
	out := fs.String("pdf", "", "PDF `file` to write")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *in == "" || *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	b, err := diagnose.LoadBundle(f)
	f.Close()
	if err != nil {
		return err
	}
	verr := b.Verify()
	w, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := diagnose.WritePDF(w, b); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if verr != nil {
		return fmt.Errorf("%s: %w", *in, verr)
	}
	fmt.Fprintf(e.stdout, "wrote %s (evidence %s)\n", *out, b.Head())
	return nil
}

// Command smetsctl is the headless smetskit tool: list and test probes,
// read meters and hubs, walk a job's install and commission steps, decode
// protocol messages, build and validate DUIS requests, and run simulated
// devices.
//
//	smetsctl ports [--json]
//	smetsctl probe list|test|detect --port P | --usb VID:PID[:serial]
//	smetsctl read --tcp ADDR | --port P [section...]
//	smetsctl report --bundle B --pdf out.pdf
//	smetsctl job list|show|start|import ...
//	smetsctl commission --job J [--offline] [--answers FILE] [--hub tcp:HOST:PORT]
//	smetsctl sim meter|hub|site [--pty PATH] [--tcp ADDR]
//	smetsctl decode <kind> <hex|file>
//	smetsctl duis validate|format|build ...
//	smetsctl version
//
// Run `smetsctl help` or `smetsctl <command> --help` for details.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
)

// command is one smetsctl sub-command.
type command struct {
	name    string
	summary string
	// run executes the command with the arguments after its name.
	run func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch: its output streams.
type env struct {
	stdout, stderr io.Writer
}

// errUsage marks an error the user fixes by changing the command line; the
// command's usage has already been printed.
var errUsage = errors.New("usage")

func commands() []command {
	return []command{
		{name: "version", summary: "print the version", run: runVersion},
		{name: "ports", summary: "list serial ports with USB details", run: runPorts},
		{name: "duis", summary: "validate, format and build DUIS service requests", run: runDUIS},
		{name: "decode", summary: "decode a protocol message to JSON (" + strings.Join(decoderKinds(), ", ") + ")", run: runDecode},
		{name: "read", summary: "read a meter or hub: identity, registers, clock, profile, events, objects, hub-log, wan", run: runRead},
		{name: "report", summary: "render an evidence bundle as a PDF report", run: runReport},
		{name: "probe", summary: "list probes, self-test a probe, detect the meter behind it", run: runProbe},
		{name: "sim", summary: "run simulated meters and hubs on a pseudo-terminal or TCP", run: runSim},
		{name: "job", summary: "list, show and start the jobs synced to this computer", run: runJob},
		{name: "commission", summary: "walk a job's install and commission steps", run: runCommission},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
}

// run executes one command line and returns the process exit code: 0 for
// success, 2 for a usage error, 1 for anything else.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			return run(ctx, e, []string{args[1], "--help"})
		}
		usage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(e.stderr, "smetsctl %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "smetsctl: unknown command %q\n\n", args[0])
	usage(e.stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "smetsctl — the headless smetskit tool for GB smart-metering field work.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: smetsctl <command> [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'smetsctl <command> --help' for a command's flags.")
}

// newFlags returns a flag set that prints the command's usage to stderr and
// returns errors instead of exiting.
func newFlags(e *env, name, args, about string) *flag.FlagSet {
	fs := flag.NewFlagSet("smetsctl "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: smetsctl %s %s\n\n%s\n", name, args, about)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(e.stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args and maps flag errors to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

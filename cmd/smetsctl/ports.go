package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/smetskit/smetskit/serial"
)

// listPorts is the port enumerator; tests replace it.
var listPorts = serial.List

func runPorts(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "ports", "[--json]", "List the serial ports of this computer with, for USB ports, VID:PID,\nserial number, manufacturer and product, and the chip or probe when known.")
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
	if *asJSON {
		if ports == nil {
			ports = []serial.PortInfo{}
		}
		return writeJSON(e.stdout, ports)
	}
	if len(ports) == 0 {
		fmt.Fprintln(e.stdout, "No serial ports found. Plug in the probe or cable; on Linux check that it shows up under /dev/ttyUSB* or /dev/ttyACM*.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PORT\tVID:PID\tSERIAL\tMANUFACTURER\tPRODUCT\tCHIP")
	for _, p := range ports {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, dash(p.USBID()), dash(p.SerialNumber), dash(p.Manufacturer), dash(p.Product), dash(p.Chip))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

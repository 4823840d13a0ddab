package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/smetskit/smetskit/protocol/duis"
)

// fieldFlags collects repeated --field k=v flags.
type fieldFlags map[string]string

func (f fieldFlags) String() string { return "" }

func (f fieldFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want name=value, got %q", s)
	}
	f[strings.TrimSpace(k)] = v
	return nil
}

func runDUIS(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "duis", "validate <file>... | format <file> | build <variant> [--field name=value]...",
		"Work with DUIS service requests and responses (schema 5.4):\n"+
			"  validate  check files against the DUIS rules; prints each problem with its element path\n"+
			"  format    parse a file and write it back in canonical layout to standard output\n"+
			"  build     build a request for a service reference variant from fields;\n"+
			"            'smetsctl duis build <variant> --list' names the fields it takes")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	switch sub, rest := fs.Arg(0), fs.Args()[1:]; sub {
	case "validate":
		return duisValidate(e, rest)
	case "format":
		return duisFormat(e, rest)
	case "build":
		return duisBuild(e, rest)
	default:
		fmt.Fprintf(e.stderr, "unknown duis command %q\n", sub)
		fs.Usage()
		return errUsage
	}
}

func duisValidate(e *env, args []string) error {
	fs := newFlags(e, "duis validate", "<file>...", "Validate DUIS documents. Exit status 1 when any has an error; warnings are printed only.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	bad := 0
	for _, name := range fs.Args() {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		ps := duis.Validate(data)
		if ps.OK() {
			fmt.Fprintf(e.stdout, "%s: ok\n", name)
		} else {
			bad++
		}
		for _, p := range ps {
			fmt.Fprintf(e.stdout, "%s: %s\n", name, p)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d documents have errors", bad, fs.NArg())
	}
	return nil
}

func duisFormat(e *env, args []string) error {
	fs := newFlags(e, "duis format", "<file>", "Parse a DUIS document and write it in canonical layout to standard output.\nA signature is kept but no longer verifies after formatting.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	out, err := duis.Format(data)
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(out)
	return err
}

func duisBuild(e *env, args []string) error {
	fields := fieldFlags{}
	fs := newFlags(e, "duis build", "<variant> [--list] [--field name=value]...",
		"Build a DUIS request for a service reference variant (e.g. 8.11, 8.14.2) and print it.\n"+
			"Header fields: originator, target, counter (or requestID), commandVariant, firstInSequence,\n"+
			"precedingRequestID, schemaVersion. Body fields are element names or paths\n"+
			"(JoinTimePeriod or AddDeviceToCHFWhitelist/JoinTimePeriod).")
	fs.Var(fields, "field", "a field as name=value (repeat)")
	list := fs.Bool("list", false, "list the fields the variant takes and exit")
	// Accept the variant before or after the flags.
	var variant string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		variant, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if variant == "" && fs.NArg() == 1 {
		variant = fs.Arg(0)
	} else if fs.NArg() != 0 || variant == "" {
		fs.Usage()
		return errUsage
	}
	if *list {
		names, err := duis.BuildFields(variant)
		if err != nil {
			return err
		}
		for _, n := range names {
			fmt.Fprintln(e.stdout, n)
		}
		return nil
	}
	req, err := duis.Build(variant, fields)
	if err != nil {
		return err
	}
	out, err := req.Marshal()
	if err != nil {
		return err
	}
	if _, err := e.stdout.Write(out); err != nil {
		return err
	}
	for _, p := range req.Validate() {
		fmt.Fprintf(e.stderr, "%s\n", p)
	}
	return nil
}

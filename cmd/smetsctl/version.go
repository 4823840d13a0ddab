package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/smetskit/smetskit/app"
)

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "Print the smetskit version, Go version and platform.")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	fmt.Fprintf(e.stdout, "smetsctl %s (%s %s/%s)\n", app.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

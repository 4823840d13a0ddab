// Command smetskit is the desktop field kit for GB smart-metering installers.
//
//	smetskit               open the app on this computer's jobs and queue
//	smetskit --data DIR    keep the local database in DIR
//	smetskit --demo        run against simulated devices and an embedded inventory
//
// Memory: the Go runtime is held near memtest.DefaultLimit (72 MiB, a
// soft limit) unless GOMEMLIMIT is set. SMETSKIT_HEAPPROFILE=FILE writes
// heap profiles to FILE.1, FILE.2, … on SIGUSR1 and to FILE at exit (go
// tool pprof reads them).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/smetskit/smetskit/app"
	"github.com/smetskit/smetskit/app/demo"
	"github.com/smetskit/smetskit/app/field"
	"github.com/smetskit/smetskit/internal/memtest"
	"github.com/smetskit/smetskit/ui"
)

func main() {
	demoMode := flag.Bool("demo", false, "run against simulated devices and an embedded inventory (no hardware needed)")
	dataDir := flag.String("data", "", "`folder` of the local database (jobs, queue, commissioning runs); overrides $"+ui.DataDirEnv+" and Settings")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Usage = func() {
		def, err := field.DefaultDir()
		if err != nil {
			def = "your user configuration folder/smetskit"
		}
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: %s [--data DIR] [--demo] [--version]

%s is the desktop field kit for GB smart-metering installers.

Without --demo it opens this computer's jobs and sync queue. The data folder
is --data, else $%s, else the one chosen in Settings, else %s.
The inventory server, token and installer ID are set in Settings; without
them everything is kept and queued here until they are.

Memory: the Go runtime is held near %d MiB (a soft limit) unless
$%s is set. $%s=FILE writes heap profiles to FILE.1,
FILE.2, ... on SIGUSR1 and to FILE at exit.

`, os.Args[0], app.Name, ui.DataDirEnv, def, memtest.DefaultLimit>>20, memtest.LimitEnv, memtest.HeapProfileEnv)
		flag.PrintDefaults()
	}
	flag.Parse()
	if *version {
		fmt.Println(app.Name, app.Version)
		return
	}
	memtest.SetDefaultLimit()
	stopProfiles := memtest.StartHeapProfiles(os.Getenv(memtest.HeapProfileEnv), log.Printf)
	defer stopProfiles()
	a := fyneapp.NewWithID(app.ID)
	a.SetIcon(ui.Icon)
	var opts ui.Options
	var openErr error
	var openDir string
	if *demoMode {
		d, err := demo.Start(context.Background(), demo.Options{Logf: log.Printf})
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: start the demo site: %v\n", os.Args[0], err)
			os.Exit(1)
		}
		defer d.Close()
		opts = ui.DemoOptions(d)
	} else {
		cfg, from := ui.FieldConfig(a.Preferences(), *dataDir, os.Getenv(ui.DataDirEnv))
		cfg.Logf = log.Printf
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		f, err := field.Open(ctx, cfg)
		cancel()
		if err != nil {
			// The window still opens, says why and offers Settings.
			log.Printf("open the data folder: %v", err)
			openErr, openDir = err, cfg.DataDir
			opts = ui.Options{Connect: &ui.ConnectOptions{}, Settings: ui.SettingsInfo{DataDir: cfg.DataDir, DataDirFrom: from}}
		} else {
			defer f.Close()
			if err := ui.SealSavedToken(a.Preferences(), f); err != nil {
				log.Printf("seal the saved token: %v", err)
			}
			opts = ui.LiveOptions(f, cfg.Engineer)
			opts.Settings.DataDirFrom = from
		}
	}
	opts.Logf = log.Printf
	shell := ui.NewShell(a, opts)
	if openErr != nil {
		ui.ShowOpenError(shell.Window, openDir, openErr)
	}
	shell.Window.ShowAndRun()
}

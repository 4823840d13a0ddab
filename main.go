// Command smetskit is the desktop field kit for GB smart-metering installers.
//
//	smetskit          open the app
//	smetskit --demo   run against simulated devices and an embedded inventory
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/smetskit/smetskit/app"
	"github.com/smetskit/smetskit/app/demo"
	"github.com/smetskit/smetskit/ui"
)

func main() {
	demoMode := flag.Bool("demo", false, "run against simulated devices and an embedded inventory (no hardware needed)")
	version := flag.Bool("version", false, "print the version and exit")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: %s [--demo] [--version]\n\n%s is the desktop field kit for GB smart-metering installers.\n\n", os.Args[0], app.Name)
		flag.PrintDefaults()
	}
	flag.Parse()
	if *version {
		fmt.Println(app.Name, app.Version)
		return
	}
	opts := ui.Options{Connect: &ui.ConnectOptions{}}
	if *demoMode {
		d, err := demo.Start(context.Background(), demo.Options{Logf: log.Printf})
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: start the demo site: %v\n", os.Args[0], err)
			os.Exit(1)
		}
		defer d.Close()
		opts = ui.DemoOptions(d)
	}
	opts.Logf = log.Printf
	a := fyneapp.NewWithID(app.ID)
	a.SetIcon(ui.Icon)
	shell := ui.NewShell(a, opts)
	shell.Window.ShowAndRun()
}

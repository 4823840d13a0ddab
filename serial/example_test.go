package serial_test

import (
	"context"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/serial"
)

// Open a probe at 300 Bd 7E1 and hand it to the IEC 62056-21 driver; on
// failure, show the engineer what to do.
func ExampleOpen() {
	p, err := serial.Open("/dev/ttyUSB0", serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity})
	if err != nil {
		fmt.Println(err)
		fmt.Println(serial.Hint(err)) // e.g. the dialout group for KindPermissionDenied
		return
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl, err := iec62056.SignOn(ctx, p, iec62056.Options{Echo: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cl.Identification().Ident)
}

// Follow probes being plugged in and pulled out.
func ExampleWatch() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for ev := range serial.Watch(ctx, serial.WatchOptions{Interval: time.Second}) {
		switch ev.Kind {
		case serial.Arrived:
			fmt.Println("plugged in:", ev.Port.Describe())
		case serial.Removed:
			fmt.Println("pulled out:", ev.Port.Name)
		case serial.ListFailed:
			fmt.Println("cannot list ports:", ev.Err)
		}
	}
}

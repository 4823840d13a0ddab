package field_test

import (
	"context"
	"fmt"
	"os"

	"github.com/smetskit/smetskit/app/field"
)

// A session with no inventory server set works offline: everything is kept
// and queued, and "Get today's jobs" says what to do.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "smetskit-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	f, err := field.Open(ctx, field.Config{DataDir: dir, Engineer: "E1234"})
	if err != nil {
		fmt.Println(err) // show it in the window: the folder cannot be used
		return
	}
	defer f.Close()
	ids, _ := f.Jobs.List(ctx)
	fmt.Println(len(ids), "jobs")
	fmt.Println(field.SyncWords(f.PullNow(ctx)))
	// Output:
	// 0 jobs
	// No inventory server is set: enter the server and your token in Settings. The jobs already here work offline.
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// runMainEnv makes the test binary behave as the app itself, so the
// real-window test runs exactly the code `go run .` runs.
const runMainEnv = "SMETSKIT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// screenshotDir is where real-window screenshots are written for humans to
// look at (override with SMETSKIT_SCREENSHOTS).
func screenshotDir() string {
	if d := os.Getenv("SMETSKIT_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join("out", "screenshots")
}

// TestDemoWindowUnderXvfb starts the app in demo mode in a real X server,
// waits for its window, takes a screenshot of the screen and checks that the
// window was drawn (not a blank screen) with the demo title.
func TestDemoWindowUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("real-window test skipped in -short mode")
	}
	needTools(t, "Xvfb", "import", "xwininfo")
	// A hang guard, not a speed check: under `go test -race ./...` on two
	// cores the demo shares the machine with other packages' race builds.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	display := startXvfb(t, ctx)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	appCmd := exec.CommandContext(ctx, self, "--demo")
	appCmd.Env = append(os.Environ(), runMainEnv+"=1", "DISPLAY="+display, "LIBGL_ALWAYS_SOFTWARE=1", "LANG=en_GB.UTF-8")
	var appOut lockedBuffer
	appCmd.Stdout, appCmd.Stderr = &appOut, &appOut
	if err := appCmd.Start(); err != nil {
		t.Fatalf("start app: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- appCmd.Wait() }()
	defer func() {
		appCmd.Process.Kill()
		<-exited
	}()

	shot := filepath.Join(t.TempDir(), "screen.png")
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		select {
		case err := <-exited:
			t.Fatalf("app exited before drawing its window: %v\n%s", err, appOut.String())
		case <-ctx.Done():
			t.Fatalf("no drawn smetskit window within the deadline: %v\napp output:\n%s", lastErr, appOut.String())
		case <-tick.C:
		}
		title, err := windowTitle(ctx, display, "smetskit")
		if err != nil {
			lastErr = err
			continue
		}
		if err := exec.CommandContext(ctx, "import", "-display", display, "-window", "root", shot).Run(); err != nil {
			lastErr = fmt.Errorf("screenshot: %v", err)
			continue
		}
		colours, err := distinctColours(shot)
		if err != nil {
			lastErr = err
			continue
		}
		// An undrawn window (or an empty X screen) is one or two colours; the
		// shell draws its icon, buttons and text in many.
		if colours < 32 {
			lastErr = fmt.Errorf("screen has only %d colours: window not drawn yet", colours)
			continue
		}
		if !strings.Contains(title, "demo") {
			t.Errorf("window title = %q, want it to say demo", title)
		}
		keepShot(t, shot, "shell-demo.png", colours)
		if _, err := exec.LookPath("xdotool"); err != nil {
			t.Logf("xdotool not installed (Debian package xdotool): screens not visited")
			return
		}
		visitScreens(t, ctx, display, exited, &appOut)
		return
	}
}

// keepShot copies a screenshot to the screenshot folder for humans.
func keepShot(t *testing.T, shot, name string, colours int) {
	t.Helper()
	keep := filepath.Join(screenshotDir(), name)
	if err := os.MkdirAll(filepath.Dir(keep), 0o755); err == nil {
		if b, err := os.ReadFile(shot); err == nil && os.WriteFile(keep, b, 0o644) == nil {
			t.Logf("screenshot written to %s (%d colours)", keep, colours)
		}
	}
}

// visitScreens drives the demo app with its keyboard shortcuts (Ctrl+1…6,
// Ctrl+R to read) and screenshots Jobs, Readout with the profile chart, and
// Commission. Each screen is recognised by the window title, which names it.
func visitScreens(t *testing.T, ctx context.Context, display string, exited <-chan error, appOut *lockedBuffer) {
	t.Helper()
	xdo := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "xdotool", args...)
		cmd.Env = append(xToolEnv(), "DISPLAY="+display)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("xdotool %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	shoot := func(path string) (int, error) {
		if err := exec.CommandContext(ctx, "import", "-display", display, "-window", "root", path).Run(); err != nil {
			return 0, fmt.Errorf("screenshot: %v", err)
		}
		return distinctColours(path)
	}
	dir := t.TempDir()
	for _, sc := range []struct {
		key, name, file string
		// done, when set, is the log line the app prints once the
		// screen's main action (Ctrl+R) has finished.
		done string
	}{
		{"ctrl+1", "Jobs", "jobs.png", ""},
		{"ctrl+3", "Readout", "readout.png", "readout of "},
		{"ctrl+4", "Commission", "commission.png", "install run ended: <nil>"},
	} {
		shot := filepath.Join(dir, sc.file)
		tick := time.NewTicker(250 * time.Millisecond)
		var lastErr error
		var before, last []byte // the screen before the action; the previous shot once it is done
		for done := false; !done; {
			select {
			case err := <-exited:
				t.Fatalf("app exited: %v\n%s", err, appOut.String())
			case <-ctx.Done():
				t.Fatalf("screen %s not shown: %v\n%s", sc.name, lastErr, appOut.String())
			case <-tick.C:
			}
			title, err := windowTitle(ctx, display, "smetskit")
			if err != nil {
				lastErr = err
				continue
			}
			if !strings.HasSuffix(title, sc.name) {
				// Focus the window and press the screen's shortcut.
				if err := xdo("search", "--name", "smetskit", "windowfocus", "key", sc.key); err != nil {
					lastErr = err
				} else {
					lastErr = fmt.Errorf("title %q after %s", title, sc.key)
				}
				continue
			}
			colours, err := shoot(shot)
			if err != nil || colours < 32 {
				lastErr = fmt.Errorf("screen %s: %d colours, %v", sc.name, colours, err)
				continue
			}
			if sc.done != "" {
				// Run the main action (Ctrl+R: read the meter, run the
				// install), wait for the app's log line that it finished,
				// then for the screen to change.
				img, _ := os.ReadFile(shot)
				if before == nil {
					before = img
					if err := xdo("key", "ctrl+r"); err != nil {
						lastErr = err
						before = nil
					}
					continue
				}
				out := appOut.String()
				if strings.Contains(out, "readout stopped") || strings.Contains(out, "install run ended: ") && !strings.Contains(out, sc.done) && sc.name == "Commission" {
					t.Fatalf("%s failed:\n%s", sc.name, out)
				}
				if !strings.Contains(out, sc.done) {
					lastErr = fmt.Errorf("%s: %q not logged yet", sc.name, sc.done)
					continue
				}
				// The window is drawn a frame or more after the log line,
				// later still on a loaded machine: keep the shot once two in
				// a row are the same, so it shows the result, not a frame
				// from the middle of the work.
				if last == nil || !bytes.Equal(last, img) {
					last = img
					lastErr = fmt.Errorf("%s: screen still changing after %q", sc.name, sc.done)
					continue
				}
				changed, err := changedFraction(before, img)
				if err != nil || changed < 0.02 {
					lastErr = fmt.Errorf("%s changed %.3f of the screen, %v", sc.name, changed, err)
					continue
				}
			}
			keepShot(t, shot, sc.file, colours)
			done = true
		}
		tick.Stop()
	}
}

// lockedBuffer is a bytes.Buffer the app's output goroutine writes while
// the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// changedFraction is the share of pixels that differ between two PNGs.
func changedFraction(a, b []byte) (float64, error) {
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		return 0, err
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	r := ia.Bounds().Intersect(ib.Bounds())
	if r.Empty() {
		return 0, fmt.Errorf("empty screenshots")
	}
	diff, total := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			total++
			if ia.At(x, y) != ib.At(x, y) {
				diff++
			}
		}
	}
	return float64(diff) / float64(total), nil
}

// startXvfb starts an X server on a free display and returns its name.
func startXvfb(t *testing.T, ctx context.Context) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.CommandContext(ctx, "Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(func() { x.Process.Kill(); x.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
		r.Close()
	}()
	select {
	case n := <-line:
		if n == "" {
			t.Fatal("Xvfb reported no display number")
		}
		return ":" + n
	case <-ctx.Done():
		t.Fatal("Xvfb did not start in time")
	}
	return ""
}

// windowTitle finds a top-level window whose name contains want and returns
// its full name.
func windowTitle(ctx context.Context, display, want string) (string, error) {
	cmd := exec.CommandContext(ctx, "xwininfo", "-display", display, "-root", "-tree")
	cmd.Env = xToolEnv()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("xwininfo: %v", err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		// 0x200020 "name": ("res name" "class")  geometry — the name is the
		// first quoted string (the class may still hold an older title).
		i := strings.Index(l, `"`)
		if i < 0 {
			continue
		}
		j := strings.Index(l[i+1:], `"`)
		if j > 0 && strings.Contains(l[i+1:i+1+j], want) {
			return l[i+1 : i+1+j], nil
		}
	}
	return "", fmt.Errorf("no window named %q yet", want)
}

// xToolEnv is the environment for the X command-line tools. Under a locale
// that is not installed (LANG=en_GB.UTF-8 on a bare Debian), xwininfo cannot
// convert the UTF-8 window title and prints the window as having no name,
// so the tools run in C.UTF-8, which every glibc has.
func xToolEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LANG=") && !strings.HasPrefix(kv, "LC_") {
			env = append(env, kv)
		}
	}
	return append(env, "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
}

// distinctColours counts the colours in a PNG, stopping early at 4096.
func distinctColours(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return 0, fmt.Errorf("decode screenshot: %v", err)
	}
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
			if len(seen) >= 4096 {
				return len(seen), nil
			}
		}
	}
	return len(seen), nil
}

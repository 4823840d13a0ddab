package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/assets"
)

// Options configure the shell.
type Options struct {
	// Demo marks a session against simulated devices and an embedded
	// inventory; the title bar says so, so nobody mistakes it for a live job.
	Demo bool
	// Devices are what the Readout screen can read; with none it keeps
	// its empty-state text.
	Devices []Device
	// DeviceSet, when set, is the live set of devices shared by Connect
	// (which adds what it detects), Readout and Commission; nil makes one
	// from Devices.
	DeviceSet *DeviceSet
	// Sync connects the Sync screen; a nil Queue keeps its empty state.
	Sync SyncOptions
	// Jobs connects the Jobs screen; a nil Jobs keeps its empty state.
	Jobs JobsOptions
	// Logf receives log lines for engineers (not shown in the window);
	// nil discards them.
	Logf func(format string, args ...any)
	// Commission drives the install wizard; a nil Engine keeps its empty
	// state.
	Commission CommissionOptions
	// Connect lists probes and finds meters; nil keeps its empty state.
	Connect *ConnectOptions
	// Settings is what the Settings screen shows but does not edit.
	Settings SettingsInfo
	// Engineer names who collects evidence (Settings once it lands).
	Engineer string
	// Attach attaches a readout's evidence bundle to one of Jobs.Jobs and
	// queues it for sync (diagnose.StoreAttacher on the app's store);
	// nil, or no Jobs.Jobs, hides Readout's "Attach to job".
	Attach diagnose.Attacher
	// Reference is the time a readout compares a device clock with
	// besides the laptop (NTP in the field); nil: the laptop clock only.
	Reference diagnose.ReferenceClock
}

// Screen names, in navigation order.
const (
	ScreenJobs       = "Jobs"
	ScreenConnect    = "Connect"
	ScreenReadout    = "Readout"
	ScreenCommission = "Commission"
	ScreenSync       = "Sync"
	ScreenSettings   = "Settings"
)

// Screens lists the navigation items in the order they appear.
var Screens = []string{ScreenJobs, ScreenConnect, ScreenReadout, ScreenCommission, ScreenSync, ScreenSettings}

// Shell is the main window: a navigation column on the left and the current
// screen on the right. It keeps the widgets tests need as fields.
type Shell struct {
	Window fyne.Window

	nav     map[string]*widget.Button
	screens map[string]fyne.CanvasObject
	content *fyne.Container
	heading *widget.Label
	about   *widget.Button
	current string

	devices *DeviceSet     // shared by Connect and Readout
	jobs    *JobsScreen    // nil without work orders
	readout *ReadoutScreen // nil without devices
	connect *ConnectScreen // nil without probe options
	wizard  *CommissionScreen
	closers []func()
	prefs   *SettingsScreen
	title   string
	sync    *SyncScreen // nil without a queue
}

// Icon is the application icon as a Fyne resource.
var Icon = fyne.NewStaticResource("icon.png", assets.IconPNG())

// Title returns the window title for the given options.
func Title(opts Options) string {
	if opts.Demo {
		return app.Name + " — demo (simulated devices)"
	}
	return app.Name
}

// NewShell builds the main window of a and shows the Jobs screen. It does not
// show the window: the caller decides (ShowAndRun in main, nothing in tests).
func NewShell(a fyne.App, opts Options) *Shell { return newShell(a, opts, fyne.Do) }

// newShell builds the shell with do as the bridge's way onto the event
// goroutine.
func newShell(a fyne.App, opts Options, do doFunc) *Shell {
	w := a.NewWindow(Title(opts))
	w.SetIcon(Icon)
	s := &Shell{
		Window:  w,
		title:   Title(opts),
		nav:     make(map[string]*widget.Button, len(Screens)),
		screens: emptyScreens(),
		heading: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
	}
	s.content = container.NewStack()
	ApplyLook(a)
	s.prefs = NewSettingsScreen(a, opts.Settings)
	s.prefs.SetWindow(w)
	s.screens[ScreenSettings] = s.prefs.Object()
	if opts.Jobs.Jobs != nil {
		jo := opts.Jobs
		if jo.Drafts == nil {
			jo.Drafts = a.Preferences()
		}
		s.jobs = newJobsScreen(w, jo, do)
		s.screens[ScreenJobs] = s.jobs.Object()
		s.jobs.Load()
	}
	set := opts.DeviceSet
	if set == nil {
		set = NewDeviceSet(opts.Devices...)
	}
	s.devices = set
	// Readout appears once there is something to read, or a way to find
	// it (Connect adds what it detects).
	if len(set.List()) > 0 || opts.DeviceSet != nil || opts.Connect != nil {
		prefs := a.Preferences()
		engineer := func() string { return prefs.StringWithFallback(PrefEngineer, opts.Engineer) }
		s.readout = newReadoutScreen(w, set, engineer, do)
		s.readout.logf = opts.Logf
		s.readout.SetEvidence(opts.Attach, opts.Jobs.Jobs)
		s.readout.SetReference(opts.Reference)
		s.screens[ScreenReadout] = s.readout.Object()
		s.closers = append(s.closers, s.readout.Close)
	}
	if opts.Sync.Queue != nil {
		s.sync = newSyncScreen(opts.Sync, do)
		s.screens[ScreenSync] = s.sync.Object()
		s.sync.Watch()
		s.closers = append(s.closers, s.sync.Close)
	}
	if opts.Commission.Engine != nil {
		s.wizard = newCommissionScreen(opts.Commission, do)
		s.wizard.logf = opts.Logf
		s.screens[ScreenCommission] = s.wizard.Object()
		s.wizard.Load()
	}
	if opts.Connect != nil {
		co := *opts.Connect
		if co.Devices == nil {
			co.Devices = set
		}
		if co.ReadDevice == nil && s.readout != nil {
			co.ReadDevice = s.ReadDevice
		}
		s.connect = newConnectScreen(co, do)
		s.screens[ScreenConnect] = s.connect.Object()
		s.connect.Watch()
		s.closers = append(s.closers, s.connect.Close)
	}

	icons := map[string]fyne.Resource{
		ScreenJobs:       theme.ListIcon(),
		ScreenConnect:    theme.MediaRecordIcon(),
		ScreenReadout:    theme.SearchIcon(),
		ScreenCommission: theme.ConfirmIcon(),
		ScreenSync:       theme.ViewRefreshIcon(),
		ScreenSettings:   theme.SettingsIcon(),
	}
	column := container.NewVBox()
	logo := widget.NewIcon(Icon)
	column.Add(container.NewGridWrap(fyne.NewSize(64, 64), logo))
	for i, name := range Screens {
		name := name
		b := widget.NewButtonWithIcon(name, icons[name], func() { s.Show(name) })
		b.Alignment = widget.ButtonAlignLeading
		s.nav[name] = b
		column.Add(b)
		// Ctrl+1 … Ctrl+6 switch screens without a mouse.
		w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyName(fmt.Sprint(i + 1)), Modifier: fyne.KeyModifierShortcutDefault},
			func(fyne.Shortcut) { s.Show(name) })
	}
	// Ctrl+R runs the screen's main action: read the chosen device, start
	// or resume the install.
	w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyR, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) {
			switch {
			case s.current == ScreenReadout && s.readout != nil:
				s.readout.Start()
			case s.current == ScreenCommission && s.wizard != nil:
				s.wizard.Start()
			}
		})
	// Alt+1 … Alt+4 choose the profile span on the Readout screen (day,
	// week, month, 13 months) and show it; keyboard automation uses them.
	for i, span := range Spans {
		span := span
		w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyName(fmt.Sprint(i + 1)), Modifier: fyne.KeyModifierAlt},
			func(fyne.Shortcut) {
				if s.readout == nil {
					return
				}
				s.readout.SetSpan(span)
				s.Show(ScreenReadout)
			})
	}
	column.Add(layout.NewSpacer())
	s.about = widget.NewButtonWithIcon("About", theme.InfoIcon(), s.ShowAbout)
	s.about.Alignment = widget.ButtonAlignLeading
	column.Add(s.about)

	body := container.NewBorder(container.NewVBox(s.heading, widget.NewSeparator()), nil, nil, nil, s.content)
	split := container.NewHSplit(container.NewPadded(column), container.NewPadded(body))
	split.Offset = 0.2
	w.SetOnClosed(s.Close)
	w.SetContent(split)
	w.Resize(fyne.NewSize(1024, 700))
	s.Show(ScreenJobs)
	return s
}

// Show switches to the named screen. Unknown names are ignored.
func (s *Shell) Show(name string) {
	obj, ok := s.screens[name]
	if !ok {
		return
	}
	for n, b := range s.nav {
		if n == name {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.MediumImportance
		}
		b.Refresh()
	}
	if s.current == ScreenReadout && name != ScreenReadout && s.readout != nil {
		// The live view holds the probe's port; Connect may need it.
		s.readout.Leave()
	}
	s.current = name
	s.heading.SetText(name)
	// The title names the screen too, for window lists and screen readers.
	s.Window.SetTitle(s.title + " — " + name)
	s.content.Objects = []fyne.CanvasObject{obj}
	s.content.Refresh()
}

// ReadDevice shows the Readout screen with the named device chosen, ready
// to read (Connect's "Read this meter").
func (s *Shell) ReadDevice(name string) {
	if s.readout == nil {
		return
	}
	s.readout.Select(name)
	s.Show(ScreenReadout)
}

// Devices returns the device set the screens share.
func (s *Shell) Devices() *DeviceSet { return s.devices }

// Close stops the screens' background work (queue and port watchers).
func (s *Shell) Close() {
	for _, c := range s.closers {
		c()
	}
}

// Current returns the name of the screen on show.
func (s *Shell) Current() string { return s.current }

// NavButton returns the navigation button for a screen (for tests and
// keyboard focus).
func (s *Shell) NavButton(name string) *widget.Button { return s.nav[name] }

// AboutButton returns the button that opens the About dialog.
func (s *Shell) AboutButton() *widget.Button { return s.about }

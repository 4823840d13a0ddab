package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// emptyScreens returns each screen as it looks before its feature lands: a
// plain statement of what will appear there, never a control that pretends
// to work.
func emptyScreens() map[string]fyne.CanvasObject {
	say := func(lines ...string) fyne.CanvasObject {
		box := container.NewVBox()
		for _, l := range lines {
			lbl := widget.NewLabel(l)
			lbl.Wrapping = fyne.TextWrapWord
			box.Add(lbl)
		}
		return box
	}
	return map[string]fyne.CanvasObject{
		ScreenJobs: say(
			"No jobs yet.",
			"Today's work orders will appear here once they are synced from the inventory service: the site, the devices expected, the checklist, notes and photos, and whether each job is safe to leave.",
		),
		ScreenConnect: say(
			"No probe found.",
			"Optical probes and serial ports will appear here as they are plugged in, with automatic meter detection, a self-test in plain words, and manual settings for awkward meters.",
		),
		ScreenReadout: say(
			"No device connected.",
			"Diagnostic readouts will appear here: identity, clock and drift, registers, instantaneous values, the load profile and event logs of a meter or hub read through an optical probe or serial line.",
		),
		ScreenCommission: say(
			"No installation in progress.",
			"The step-by-step install and commission wizard will appear here: hub install and WAN check, whitelisting, joining, commissioning, and install-and-leave when there is no WAN.",
		),
		ScreenSync: say(
			"Nothing queued.",
			"The sync queue will appear here: everything entered on site, held until it reaches the inventory service, with what is waiting, what was applied, and anything that needs attention.",
		),
		ScreenSettings: say(
			"Settings will appear here: installer identity and token, inventory server, probe defaults, theme and text size, and the data folder.",
		),
	}
}

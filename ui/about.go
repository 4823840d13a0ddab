package ui

import (
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app"
)

// AboutText returns the lines the About dialog shows.
func AboutText() []string {
	return []string{
		app.Name + " " + app.Version,
		"Field kit for GB smart-metering installers and field engineers.",
		"Built with " + runtime.Version() + " for " + runtime.GOOS + "/" + runtime.GOARCH + ".",
		"Licensed under the Apache License 2.0.",
	}
}

// ShowAbout opens the About dialog with the version.
func (s *Shell) ShowAbout() {
	box := container.NewVBox(container.NewCenter(container.NewGridWrap(fyne.NewSize(96, 96), widget.NewIcon(Icon))))
	for i, l := range AboutText() {
		lbl := widget.NewLabel(l)
		if i == 0 {
			lbl.TextStyle = fyne.TextStyle{Bold: true}
		}
		lbl.Wrapping = fyne.TextWrapWord
		box.Add(lbl)
	}
	d := dialog.NewCustom("About "+app.Name, "Close", box, s.Window)
	d.Resize(fyne.NewSize(420, 300))
	d.Show()
}

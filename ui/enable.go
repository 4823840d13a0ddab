package ui

import "fyne.io/fyne/v2"

// setEnabled enables the widgets when on holds and disables them otherwise.
func setEnabled(on bool, ws ...fyne.Disableable) {
	for _, w := range ws {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

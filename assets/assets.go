// Package assets holds the files the programs ship with: the application
// icon (SVG source and the PNG rendered from it) and, as later features
// land, bundled demo data. It imports only the standard library so the
// headless programs can use it too.
package assets

import _ "embed"

//go:embed icon.png
var iconPNG []byte

//go:embed icon.svg
var iconSVG []byte

// IconPNG returns the 512×512 application icon, rendered from icon.svg.
func IconPNG() []byte { return iconPNG }

// IconSVG returns the SVG source of the application icon.
func IconSVG() []byte { return iconSVG }

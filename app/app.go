// Package app is the application core of smetskit: the use cases the
// desktop app and smetsctl share (jobs, commissioning, diagnostic readouts,
// sync), with no Fyne. Its sub-packages own one concept each; this package
// holds what every program reports about itself.
package app

// Name is the product name shown in window titles and --version output.
const Name = "smetskit"

// ID is the reverse-DNS application ID (also in FyneApp.toml).
const ID = "uk.co.smetskit.app"

// Version is the release version. Release builds may override it with
// -ldflags "-X github.com/smetskit/smetskit/app.Version=...". It must match
// the Version in FyneApp.toml (a test checks it).
var Version = "0.1.0"

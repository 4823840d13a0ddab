package ui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/field"
)

// Preference keys. Values typed in Settings are saved as they are typed,
// so nothing is lost if the app closes.
const (
	PrefEngineer = "engineer.id"
	PrefToken    = "engineer.token" // sealed (field.SealToken) when a data folder is open
	// PrefTokenHint is the masked form of a sealed token (Mask), for
	// Settings to show without opening it.
	PrefTokenHint = "engineer.token.hint"
	PrefServer    = "sync.server"
	PrefTheme     = "look.theme"     // "system", "light", "dark"
	PrefTextScale = "look.textscale" // 1.0 = normal
	PrefDataDir   = "data.dir"
	// PrefOriginator is the supplier's EUI-64, the originator of the DUIS
	// requests an install queues (DOMAIN.md §12).
	PrefOriginator = "supplier.originator"
	PrefProbeBaud  = "probe.maxbaud"
)

// Theme choices.
const (
	ThemeSystem = "Follow the system"
	ThemeLight  = "Light (sunlight)"
	ThemeDark   = "Dark (cupboards)"
)

var themeKeys = map[string]string{ThemeSystem: "system", ThemeLight: "light", ThemeDark: "dark"}

// textScales are the text sizes offered; large sizes double as large touch
// targets, since padding grows with them.
var textScales = map[string]float64{"Normal": 1, "Large": 1.25, "Extra large": 1.5}

// fieldTheme is Fyne's default theme with the variant forced (light for
// sunlight, dark for cupboards) and every size scaled.
type fieldTheme struct {
	variant string // "system", "light", "dark"
	scale   float32
}

func (t fieldTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch t.variant {
	case "light":
		v = theme.VariantLight
	case "dark":
		v = theme.VariantDark
	}
	return theme.DefaultTheme().Color(n, v)
}

func (t fieldTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (t fieldTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t fieldTheme) Size(n fyne.ThemeSizeName) float32 {
	s := t.scale
	if s <= 0 {
		s = 1
	}
	return theme.DefaultTheme().Size(n) * s
}

// ApplyLook sets the app's theme from its saved preferences.
func ApplyLook(a fyne.App) {
	p := a.Preferences()
	t := fieldTheme{variant: p.StringWithFallback(PrefTheme, "system"), scale: float32(p.FloatWithFallback(PrefTextScale, 1))}
	if cur, ok := a.Settings().Theme().(fieldTheme); ok && cur == t {
		return // every window would be redrawn for nothing
	}
	a.Settings().SetTheme(t)
}

// SettingsScreen edits the installer's identity, the inventory server, the
// probe defaults, the look and the data folder. Secrets are never shown in
// full.
type SettingsScreen struct {
	root fyne.CanvasObject
	app  fyne.App

	engineer *widget.Entry
	token    *widget.Entry
	tokenSet *widget.Label
	server   *widget.Entry
	supplier *widget.Entry
	baud     *widget.Select
	theme    *widget.RadioGroup
	size     *widget.RadioGroup
	dataDir  *widget.Label  // the folder in use
	newDir   *widget.Entry  // the folder for the next start
	pickDir  *widget.Button // chooses newDir with a folder dialog
	keys     *widget.Label
	saved    *widget.Label
	restart  *widget.Label // says what waits for a restart
	win      fyne.Window   // for the folder dialog; nil: no button
}

// SettingsInfo is what Settings shows but does not edit.
type SettingsInfo struct {
	// DataDir is the data folder in use.
	DataDir string
	// DataDirFrom says where DataDir came from when not the default:
	// "--data", DataDirEnv or "Settings". A folder chosen on the command
	// line or in the environment wins over the one saved in Settings.
	DataDirFrom string
	// Keys names the secrets held (install codes, DLMS keys) with their
	// values; only a masked form is shown.
	Keys map[string]string
	// SealToken, when set, seals a typed token before it is saved
	// (field.Field.SealToken); without it the token is saved as typed.
	SealToken func(token string) (string, error)
}

// NewSettingsScreen builds the screen over a's preferences.
func NewSettingsScreen(a fyne.App, info SettingsInfo) *SettingsScreen {
	p := a.Preferences()
	s := &SettingsScreen{app: a}
	s.saved = widget.NewLabel("")
	s.restart = widget.NewLabel("")
	s.restart.Wrapping = fyne.TextWrapWord
	bind := func(e *widget.Entry, key string) {
		e.SetText(p.String(key))
		e.OnChanged = func(v string) {
			p.SetString(key, strings.TrimSpace(v))
			s.saved.SetText("Saved.")
			s.restartNote()
		}
	}
	s.engineer = widget.NewEntry()
	s.engineer.SetPlaceHolder("Your installer ID, e.g. E1234")
	bind(s.engineer, PrefEngineer)
	s.server = widget.NewEntry()
	s.server.SetPlaceHolder("https://inventory.example.net")
	bind(s.server, PrefServer)
	s.supplier = widget.NewEntry()
	s.supplier.SetPlaceHolder("Supplier ID from the office, e.g. 90-B3-D5-1F-30-01-00-00")
	bind(s.supplier, PrefOriginator)

	// The token is write-only: typing replaces it, and only its last four
	// characters are ever shown.
	s.token = widget.NewPasswordEntry()
	s.token.SetPlaceHolder("Paste a new token to replace the current one")
	s.tokenSet = widget.NewLabel("")
	s.token.OnChanged = func(v string) {
		if v = strings.TrimSpace(v); v != "" {
			if err := saveToken(p, v, info.SealToken); err != nil {
				s.saved.SetText("Token not saved: it could not be sealed with this computer's key. Restart the app and paste it again.")
				return
			}
			s.showToken()
			s.saved.SetText("Token saved.")
			s.restartNote()
		}
	}
	s.showToken()

	s.baud = widget.NewSelect([]string{"No limit", "9600", "19200", "4800"}, func(v string) {
		p.SetString(PrefProbeBaud, v)
		s.saved.SetText("Saved.")
	})
	s.baud.SetSelected(p.StringWithFallback(PrefProbeBaud, "No limit"))

	s.theme = widget.NewRadioGroup([]string{ThemeSystem, ThemeLight, ThemeDark}, func(v string) {
		if k, ok := themeKeys[v]; ok {
			p.SetString(PrefTheme, k)
			ApplyLook(a)
		}
	})
	for label, k := range themeKeys {
		if k == p.StringWithFallback(PrefTheme, "system") {
			s.theme.SetSelected(label)
		}
	}
	s.size = widget.NewRadioGroup([]string{"Normal", "Large", "Extra large"}, func(v string) {
		if f, ok := textScales[v]; ok {
			p.SetFloat(PrefTextScale, f)
			ApplyLook(a)
		}
	})
	s.size.Horizontal = true
	for label, f := range textScales {
		if f == p.FloatWithFallback(PrefTextScale, 1) {
			s.size.SetSelected(label)
		}
	}
	dir := info.DataDir
	if dir == "" {
		dir = "not set"
	}
	if info.DataDirFrom != "" && info.DataDirFrom != "Settings" {
		dir += " (set by " + info.DataDirFrom + ", which wins over the folder below)"
	}
	s.dataDir = widget.NewLabel(dir)
	s.dataDir.Wrapping = fyne.TextWrapWord
	s.newDir = widget.NewEntry()
	s.newDir.SetPlaceHolder("Leave empty for the default folder")
	bind(s.newDir, PrefDataDir)
	s.pickDir = widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), s.chooseDir)
	var keys []string
	for name, v := range info.Keys {
		keys = append(keys, name+": "+Mask(v))
	}
	if len(keys) == 0 {
		keys = []string{"No keys held on this computer."}
	}
	s.keys = widget.NewLabel(strings.Join(keys, "\n"))

	form := widget.NewForm(
		widget.NewFormItem("Installer ID", s.engineer),
		widget.NewFormItem("Token", container.NewVBox(s.token, s.tokenSet)),
		widget.NewFormItem("Inventory server", s.server),
		widget.NewFormItem("Supplier ID (EUI-64)", s.supplier),
		widget.NewFormItem("Probe speed limit", s.baud),
		widget.NewFormItem("Theme", s.theme),
		widget.NewFormItem("Text size", s.size),
		widget.NewFormItem("Data folder in use", s.dataDir),
		widget.NewFormItem("Data folder at next start", container.NewBorder(nil, nil, nil, s.pickDir, s.newDir)),
		widget.NewFormItem("Keys", s.keys),
	)
	s.root = container.NewVScroll(container.NewVBox(form, s.saved, s.restart))
	return s
}

// SetWindow gives the screen the window its folder dialog opens over.
func (s *SettingsScreen) SetWindow(w fyne.Window) { s.win = w }

// chooseDir picks the data folder for the next start.
func (s *SettingsScreen) chooseDir() {
	w := s.win
	if w == nil {
		if ws := s.app.Driver().AllWindows(); len(ws) > 0 {
			w = ws[0]
		}
	}
	if w == nil {
		return
	}
	dialog.ShowFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil || u == nil {
			return
		}
		s.newDir.SetText(u.Path()) // saved by the entry's OnChanged
	}, w)
}

// restartNote says which saved settings take effect only at the next start,
// and warns about a server address that cannot work.
func (s *SettingsScreen) restartNote() {
	var notes []string
	if u := strings.TrimSpace(s.server.Text); u != "" && !validServer(u) {
		notes = append(notes, "The inventory server must be an address starting with https:// (or http:// on a test network).")
	}
	if id := strings.TrimSpace(s.supplier.Text); id != "" && field.CheckOriginator(id) != nil {
		notes = append(notes, "The supplier ID must be 16 hex digits in pairs, like 90-B3-D5-1F-30-01-00-00.")
	}
	notes = append(notes, "Saved for the next start: restart the app to sync with a new inventory server, token or installer ID, install for a new supplier ID, or open a new data folder.")
	s.restart.SetText(strings.Join(notes, " "))
}

// validServer reports whether u looks like an http(s) address with a host.
func validServer(u string) bool {
	for _, scheme := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(strings.ToLower(u), scheme); ok {
			host, _, _ := strings.Cut(rest, "/")
			return host != ""
		}
	}
	return false
}

// Object returns the screen's content.
func (s *SettingsScreen) Object() fyne.CanvasObject { return s.root }

func (s *SettingsScreen) showToken() {
	p := s.app.Preferences()
	switch t, hint := p.String(PrefToken), p.String(PrefTokenHint); {
	case t == "":
		s.tokenSet.SetText("No token set: the app cannot sync.")
	case hint != "":
		s.tokenSet.SetText("A token is set: " + hint)
	default:
		s.tokenSet.SetText("A token is set: " + Mask(t))
	}
}

// saveToken saves token sealed when seal is set, with its masked form
// beside it, else as typed.
func saveToken(p fyne.Preferences, token string, seal func(string) (string, error)) error {
	if seal == nil {
		p.SetString(PrefToken, token)
		p.RemoveValue(PrefTokenHint)
		return nil
	}
	sealed, err := seal(token)
	if err != nil {
		return err
	}
	p.SetString(PrefToken, sealed)
	p.SetString(PrefTokenHint, Mask(token))
	return nil
}

// Mask shows a secret as bullets and, for a long one (12 characters or
// more), its last four characters and length, never more.
func Mask(secret string) string {
	if len(secret) < 12 {
		return strings.Repeat("•", 8)
	}
	return fmt.Sprintf("%s%s (%d characters)", strings.Repeat("•", 4), secret[len(secret)-4:], len(secret))
}

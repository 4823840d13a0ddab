package probe

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/protocol/iec62056"
)

// Security is the security of the reading association (IEC 62056-5-3
// §5.2.2): none (the public client), low (LLS, a password) or high
// (HLS-GMAC with ciphering under the meter's keys).
type Security string

// Security levels.
const (
	SecurityNone Security = "none"
	SecurityLow  Security = "low"
	SecurityHigh Security = "high"
)

// Client SAPs that go with each security level on GB meters (PROTOCOLS.md
// §2.3): public 16, reader 17 (LLS), management 1 (HLS).
const (
	SAPPublic     = 16
	SAPReader     = 17
	SAPManagement = 1
)

// ErrSettings reports manual settings that cannot work (an unknown mode,
// a secret of the wrong shape).
var ErrSettings = errors.New("probe: bad settings")

// Settings are the manual settings of an awkward meter: how to reach it
// and how to associate for a reading. They are remembered per meter model
// in the Profile, except Secret, which is never written to the profile
// file: the engineer types it (masked) each time, or the app keeps it in
// its key store.
type Settings struct {
	// Protocol is mode E (sign-on then HDLC), mode C (readout only) or
	// direct HDLC; empty leaves it to Detect.
	Protocol Protocol `json:"protocol,omitempty"`
	// Baud caps the speed of mode C and E, or is the line speed of direct
	// HDLC; 0 takes the meter's proposal (or 9600 Bd for direct HDLC).
	Baud int `json:"baud,omitempty"`
	// ClientSAP is the HDLC client address; 0 picks the one that goes
	// with Security.
	ClientSAP int `json:"client_sap,omitempty"`
	// Address is the HDLC server address; nil tries the usual ones.
	Address *Address `json:"hdlc_address,omitempty"`
	// Security of the association; empty is none.
	Security Security `json:"security,omitempty"`
	// Secret is the LLS password (low) or the keys (high) as hex "EK:AK",
	// or one hex key used as both. Never stored.
	Secret string `json:"-"`
	// DeviationSign is how the meter writes the clock's deviation
	// (PROTOCOLS.md §11.4): "normal" (the standard), "reversed" or
	// "ignore"; empty is normal.
	DeviationSign string `json:"deviation_sign,omitempty"`
}

// Client returns the client SAP the settings use.
func (s Settings) Client() int {
	switch {
	case s.ClientSAP != 0:
		return s.ClientSAP
	case s.Security == SecurityLow:
		return SAPReader
	case s.Security == SecurityHigh:
		return SAPManagement
	}
	return SAPPublic
}

// Validate reports settings that cannot work, with every problem found.
func (s Settings) Validate() error { return s.validate(true) }

// validate checks s; needSecret false lets a low or high security without
// its secret pass (it is remembered without one).
func (s Settings) validate(needSecret bool) error {
	var errs []error
	switch s.Protocol {
	case "", ModeE, ModeC, DirectHDLC:
	default:
		errs = append(errs, fmt.Errorf("%w: mode %q: want mode-e, mode-c or hdlc", ErrSettings, s.Protocol))
	}
	if s.Baud < 0 || s.Baud > 115200 {
		errs = append(errs, fmt.Errorf("%w: baud %d", ErrSettings, s.Baud))
	}
	if c := s.ClientSAP; c < 0 || c > 0x7F {
		errs = append(errs, fmt.Errorf("%w: client SAP %d: want 1 to 127", ErrSettings, c))
	}
	if a := s.Address; a != nil && !hdlc.ServerAddress(a.Logical, a.Physical, a.Size).Valid() {
		errs = append(errs, fmt.Errorf("%w: HDLC server address %v", ErrSettings, *a))
	}
	if _, err := ParseDeviationSign(s.DeviationSign); err != nil {
		errs = append(errs, err)
	}
	if !needSecret && s.Secret == "" {
		switch s.Security {
		case SecurityLow:
			s.Secret = "x"
		case SecurityHigh:
			s.Secret = strings.Repeat("00", 16)
		}
	}
	if _, err := s.clientConfig(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ParseDeviationSign reads "normal", "reversed" or "ignore" (empty is
// normal).
func ParseDeviationSign(s string) (axdr.DeviationSign, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "normal", "standard":
		return axdr.DeviationNormal, nil
	case "reversed":
		return axdr.DeviationReversed, nil
	case "ignore":
		return axdr.DeviationIgnore, nil
	}
	return 0, fmt.Errorf("%w: deviation sign %q: want normal, reversed or ignore", ErrSettings, s)
}

// maxSecret caps the secret typed in, before any decoding.
const maxSecret = 256

// defaultSystemTitle is the client system title of a high-security
// association when the app has none of its own (8 bytes, IEC 62056-5-3
// §4.3.4).
var defaultSystemTitle = []byte("SMKHHT01")

// clientConfig is the association the settings ask for.
func (s Settings) clientConfig() (dlms.ClientConfig, error) {
	if len(s.Secret) > maxSecret {
		return dlms.ClientConfig{}, fmt.Errorf("%w: secret of %d characters", ErrSettings, len(s.Secret))
	}
	switch s.Security {
	case "", SecurityNone:
		return dlms.ClientConfig{Mechanism: dlms.MechanismNone}, nil
	case SecurityLow:
		if s.Secret == "" {
			return dlms.ClientConfig{}, fmt.Errorf("%w: low security needs the meter's password", ErrSettings)
		}
		return dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: []byte(s.Secret)}, nil
	case SecurityHigh:
		ek, ak, ok := strings.Cut(strings.TrimSpace(s.Secret), ":")
		if !ok {
			ak = ek
		}
		ekb, err1 := hex.DecodeString(strings.TrimSpace(ek))
		akb, err2 := hex.DecodeString(strings.TrimSpace(ak))
		if err1 != nil || err2 != nil || len(ekb) != 16 || len(akb) != 16 {
			// The secret itself never goes into the message.
			return dlms.ClientConfig{}, fmt.Errorf("%w: high security needs 16-byte keys in hex, EK:AK or one key for both", ErrSettings)
		}
		return dlms.ClientConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
			Keys: dlms.Keys{EK: ekb, AK: akb}, SystemTitle: defaultSystemTitle, InvocationCounter: 1}, nil
	}
	return dlms.ClientConfig{}, fmt.Errorf("%w: security %q: want none, low or high", ErrSettings, s.Security)
}

// ReaderConfig returns the diagnose configuration for reading a meter with
// these settings: the association's security and the deviation sign.
func (s Settings) ReaderConfig() (diagnose.Config, error) {
	c, err := s.clientConfig()
	if err != nil {
		return diagnose.Config{}, err
	}
	sign, err := ParseDeviationSign(s.DeviationSign)
	if err != nil {
		return diagnose.Config{}, err
	}
	return diagnose.Config{Client: c, DeviationSign: sign}, nil
}

// WithResult returns s completed with what a detection found: the mode,
// speed and HDLC address that answered, where s leaves them open.
func (s Settings) WithResult(r *Result) Settings {
	if r == nil {
		return s
	}
	if s.Protocol == "" {
		s.Protocol = r.Protocol
	}
	if s.Baud == 0 {
		s.Baud = r.Baud
	}
	if s.Address == nil && r.Address != nil {
		a := *r.Address
		s.Address = &a
	}
	return s
}

// ClosingPort is a port the caller opened and the connector closes.
type ClosingPort interface {
	Port
	Close() error
}

// Opener opens the named port at 300 Bd 7E1 (IEC 62056-21 §6.3.1).
type Opener func(name string) (ClosingPort, error)

// ErrModeC reports settings for a meter that only gives a mode C readout:
// there is no DLMS association to read it through.
var ErrModeC = errors.New("probe: mode C meters give a readout only, not a DLMS association")

// Connector returns a diagnose.Connector that opens the named port with
// open on each Connect and reaches the meter as s says: IEC 62056-21
// sign-on and the mode E hand-over (§6.4.6) then HDLC, or HDLC at 8N1
// from the first byte. Closing the link closes the port. Use
// Settings.WithResult to fill s from a detection.
func Connector(open Opener, name string, s Settings) diagnose.Connector {
	return diagnose.ConnectorFunc(func(ctx context.Context) (diagnose.Link, diagnose.Params, error) {
		if s.Protocol == ModeC {
			return nil, nil, fmt.Errorf("connect to %s: %w", name, ErrModeC)
		}
		p, err := open(name)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s: %w", name, err)
		}
		oc := diagnose.OpticalConfig{Name: name, ClientSAP: s.Client(), ServerLogical: 1,
			SignOn: iec62056.Options{MaxBaud: s.Baud, Echo: true}}
		if a := s.Address; a != nil {
			oc.ServerLogical, oc.ServerPhysical, oc.ServerAddressSize = a.Logical, a.Physical, a.Size
		}
		if s.Protocol == DirectHDLC {
			baud := s.Baud
			if baud == 0 {
				baud = 9600
			}
			oc.DirectHDLC = true
			if err := p.SetLine(baud, iec62056.Format8N1); err != nil {
				p.Close()
				return nil, nil, fmt.Errorf("set %s to %d Bd 8N1: %w", name, baud, err)
			}
		}
		l, params, err := diagnose.Optical(p, oc).Connect(ctx)
		if err != nil {
			p.Close()
			return nil, nil, err
		}
		return &portLink{Link: l, port: p}, params, nil
	})
}

// portLink closes its port after the link.
type portLink struct {
	diagnose.Link
	port ClosingPort
}

// Close ends the link, then closes the port.
func (l *portLink) Close(ctx context.Context) error {
	err := l.Link.Close(ctx)
	if perr := l.port.Close(); err == nil {
		err = perr
	}
	return err
}

// LinkFrames passes on the HDLC frames the link recorded, for the trace.
func (l *portLink) LinkFrames() []diagnose.Frame {
	if f, ok := l.Link.(interface{ LinkFrames() []diagnose.Frame }); ok {
		return f.LinkFrames()
	}
	return nil
}

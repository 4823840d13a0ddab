package probe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/protocol/iec62056"
)

// Protocol names how a meter was reached.
type Protocol string

const (
	// ModeE is the IEC 62056-21 sign-on followed by the hand-over to HDLC
	// (IEC 62056-21 §6.4.6, PROTOCOLS.md §9.2).
	ModeE Protocol = "mode-e"
	// ModeC is the IEC 62056-21 data readout (§6.4.5, PROTOCOLS.md §9.1).
	ModeC Protocol = "mode-c"
	// DirectHDLC is HDLC at 8N1 from the first byte (IEC 62056-46), as
	// on the serial port of a communications hub.
	DirectHDLC Protocol = "hdlc"
)

// ErrProtocol reports a protocol name ParseProtocols does not know.
var ErrProtocol = errors.New("probe: unknown protocol")

// ParseProtocols reads a comma-separated list of protocol names
// ("mode-e,mode-c,hdlc").
func ParseProtocols(list string) ([]Protocol, error) {
	var out []Protocol
	for _, f := range strings.Split(list, ",") {
		switch p := Protocol(strings.TrimSpace(f)); p {
		case "":
		case ModeE, ModeC, DirectHDLC:
			out = append(out, p)
		default:
			return nil, fmt.Errorf("%w %q: want mode-e, mode-c or hdlc", ErrProtocol, p)
		}
	}
	return out, nil
}

// Address is an HDLC server address (IEC 62056-46, PROTOCOLS.md §2.3):
// logical device, physical device and encoded size in bytes (1, 2 or 4).
type Address struct {
	Logical  int `json:"logical"`
	Physical int `json:"physical,omitempty"`
	Size     int `json:"size"`
}

// String shows the address as logical/physical and its size, for example
// "1 (1 byte)" or "1/17 (2 bytes)".
func (a Address) String() string {
	if a.Size == 1 {
		return fmt.Sprintf("%d (1 byte)", a.Logical)
	}
	return fmt.Sprintf("%d/%d (%d bytes)", a.Logical, a.Physical, a.Size)
}

// Result is what answered.
type Result struct {
	Protocol Protocol `json:"protocol"`
	// Baud is the speed the meter answered at.
	Baud int `json:"baud"`
	// Address is the HDLC server address that answered (mode E and direct
	// HDLC).
	Address *Address `json:"hdlc_address,omitempty"`
	// Manufacturer is the FLAG id from the identification, or the first
	// three letters of the logical device name.
	Manufacturer string `json:"manufacturer,omitempty"`
	// Model is the identification text after the baud character (and the
	// enhanced identification), IEC 62056-21 §6.3.2.
	Model string `json:"model,omitempty"`
	// Identification is the meter's whole identification message, when
	// it signed on.
	Identification *iec62056.Identification `json:"identification,omitempty"`
	// LogicalDeviceName (0-0:42.0.0.255) and Serial (0-0:96.1.0.255) are
	// read over DLMS as the public client; Serial comes from the readout
	// (C.1.0) in mode C.
	LogicalDeviceName string `json:"logical_device_name,omitempty"`
	Serial            string `json:"serial,omitempty"`
	// Echo is set when the probe heard its own transmissions (an IR head
	// seeing itself, PROTOCOLS.md §11.1).
	Echo bool `json:"echo,omitempty"`
	// StayedAtOldSpeed is set when the meter ignored the speed it proposed
	// and answered at 300 Bd (PROTOCOLS.md §11.2).
	StayedAtOldSpeed bool `json:"stayed_at_old_speed,omitempty"`
	// FromProfile is set when a remembered profile gave the attempt that
	// worked.
	FromProfile bool `json:"from_profile,omitempty"`
	// Attempts lists every attempt in order, the last one the one that
	// worked.
	Attempts []Attempt `json:"attempts"`
	// Warnings are things that did not stop the detection: a profile that
	// could not be stored, an association the meter refused after UA.
	Warnings []string `json:"warnings,omitempty"`
}

// Attempt is one try of one protocol at one speed.
type Attempt struct {
	N        int      `json:"n"`
	What     string   `json:"what"`
	Protocol Protocol `json:"protocol"`
	Baud     int      `json:"baud,omitempty"`
	// Kind is the failure; KindOther with an empty Err means it worked.
	Kind Kind   `json:"kind,omitempty"`
	Err  string `json:"error,omitempty"`
}

// Progress tells a caller which attempt is running: attempt Attempt of Of
// (Of may shrink or grow as the answers narrow the plan), and what it
// tries, in words for the screen: "mode E at 9600 Bd".
type Progress struct {
	Attempt int    `json:"attempt"`
	Of      int    `json:"of"`
	What    string `json:"what"`
}

// Expect names the meter the caller expects (from the work order), so its
// remembered profile is tried first.
type Expect struct {
	Manufacturer, Model string
}

// Options tune Detect and SelfTest. The zero value works.
type Options struct {
	// Store remembers what worked per manufacturer and model; nil
	// remembers nothing.
	Store Store
	// Expect, when set, looks up the profile before the first attempt.
	Expect *Expect
	// Protocols, when not empty, limits Detect to these protocols (the
	// field engineer knows the meter only gives a readout, say).
	// SelfTest ignores it.
	Protocols []Protocol
	// Progress, when set, is called before each attempt, on the caller's
	// goroutine.
	Progress func(Progress)
	// MaxBaud caps every speed (the probe's limit); 0 means none.
	MaxBaud int
	// HDLCSpeeds are the line speeds tried for direct HDLC, in order;
	// default 9600, 4800, 2400, 1200, 300 (stepping down). Speeds above
	// MaxBaud are left out.
	HDLCSpeeds []int
	// ClientSAP is the client address; default 16, the public client.
	ClientSAP int
	// SerialNumber, when known, adds the 4-byte HDLC address whose
	// physical part is derived from it (PROTOCOLS.md §11.7).
	SerialNumber string
	// AttemptTimeout bounds each attempt. Default 30 s: a sign-on, a mode
	// E hand-over and a public association at 300 Bd with a meter that
	// takes the longest reaction time allowed.
	AttemptTimeout time.Duration
	// HDLCResponseTimeout is the wait for each HDLC answer; default 2 s
	// (above the 1.5 s longest reaction time, PROTOCOLS.md §10).
	HDLCResponseTimeout time.Duration
	// Recovery is the quiet time left after an attempt that failed half
	// way, so the meter drops back to 300 Bd and waits for a new sign-on
	// (IEC 62056-21 §6.4); default 5 s.
	Recovery time.Duration
	// ModeEAddresses is how many HDLC addresses are tried after one mode
	// E hand-over, before the meter gives up waiting for SNRM; default 2.
	ModeEAddresses int
	// IEC holds the IEC 62056-21 timing options; Echo is always set
	// (dropping an echo that does not come costs nothing) and MaxBaud is
	// set per attempt.
	IEC iec62056.Options
	// Manual, when set with a Protocol, is tried first: the engineer's
	// settings for an awkward meter (mode, speed, HDLC address). Its
	// ClientSAP replaces ClientSAP when not zero. Detect identifies as the
	// public client whatever Manual.Security says; the security is for
	// reading (Settings.ReaderConfig).
	Manual *Settings
	// Logf receives an engineer's log; nil discards it.
	Logf func(string, ...any)
}

func (o Options) withDefaults() Options {
	if len(o.HDLCSpeeds) == 0 {
		o.HDLCSpeeds = []int{9600, 4800, 2400, 1200, 300}
	}
	if o.Manual != nil && o.Manual.ClientSAP != 0 && o.ClientSAP == 0 {
		o.ClientSAP = o.Manual.ClientSAP
	}
	if o.ClientSAP == 0 {
		o.ClientSAP = 16
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = 30 * time.Second
	}
	if o.HDLCResponseTimeout <= 0 {
		o.HDLCResponseTimeout = 2 * time.Second
	}
	if o.Recovery <= 0 {
		o.Recovery = 5 * time.Second
	}
	if o.ModeEAddresses <= 0 {
		o.ModeEAddresses = 2
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	o.IEC.Echo = true
	return o
}

// Detect finds the meter behind the probe. It tries, in order: the profile
// remembered for the expected meter; mode E (IEC 62056-21 sign-on at 300
// Bd 7E1, option select 2Z2, HDLC at 8N1) at the speed the meter proposes
// and, if the meter then stays silent, at 300 Bd (PROTOCOLS.md §11.2); the
// mode C readout; then direct HDLC at each of HDLCSpeeds, stepping down.
// Once a meter identifies itself, its remembered profile is tried next.
// HDLC addresses follow PROTOCOLS.md §11.7; over HDLC it associates as the
// public client without security and reads the logical device name and
// serial number.
//
// Timing follows IEC 62056-21 through package iec62056 (line silence
// before the request, the reaction time the identification announces, the
// delays before the speed switch and the mode E hand-over; PROTOCOLS.md
// §10), tunable in Options.IEC. After an attempt that failed half way,
// Detect stays quiet for Options.Recovery so the meter is back at 300 Bd
// before the next sign-on.
//
// Each attempt is bounded by AttemptTimeout and ctx. A port that fails
// (closed, unplugged) ends the detection at once with an *Error of
// KindPort. When nothing works the *Error's Kind says whether nothing
// answered, only the echo came back, the answers were garbled, or the meter
// answered and then stopped; Advice turns it into words for the field
// engineer. What worked is stored in Options.Store.
func Detect(ctx context.Context, p Port, opt Options) (*Result, error) {
	d := newDetector(p, opt, "detect")
	plan := []step{{proto: ModeE}, {proto: ModeE, baud: 300}, {proto: ModeC}}
	for _, b := range d.opt.HDLCSpeeds {
		if d.opt.MaxBaud == 0 || b <= d.opt.MaxBaud {
			plan = append(plan, step{proto: DirectHDLC, baud: b})
		}
	}
	if e := d.opt.Expect; e != nil {
		if pr, ok := d.lookup(e.Manufacturer, e.Model); ok {
			plan = append([]step{profileStep(pr)}, plan...)
		}
	}
	if m := d.opt.Manual; m != nil && m.Protocol != "" {
		plan = append([]step{manualStep(*m)}, plan...)
	}
	return d.run(ctx, plan)
}

// step is one planned attempt.
type step struct {
	proto Protocol
	// baud caps the agreed speed of mode C and E (0: the meter's
	// proposal) and is the line speed of direct HDLC.
	baud    int
	addr    *Address
	profile bool
}

func profileStep(p Profile) step {
	s := step{proto: p.Protocol, baud: p.Baud, addr: p.Address, profile: true}
	if s.proto == ModeC {
		s.baud = 0 // the readout falls back to 300 Bd by itself
	}
	return s
}

// manualStep is the attempt the engineer's settings ask for.
func manualStep(m Settings) step {
	s := step{proto: m.Protocol, baud: m.Baud, addr: m.Address}
	if s.proto == DirectHDLC && s.baud == 0 {
		s.baud = 9600
	}
	return s
}

// detector is one run of Detect or SelfTest.
type detector struct {
	op   string
	port *watchedPort
	opt  Options

	attempts  []Attempt
	ident     *iec62056.Identification
	looked    bool // the identified meter's profile was looked up
	sawMeter  bool // an identification or an HDLC frame came back
	unsettled time.Time
	noIEC     bool // nothing answered the sign-on: skip mode C and E

	silentSignOns int
	retried       bool // the first unanswered sign-on was tried again
	noModeE       bool // the meter does not enter mode E
}

func newDetector(p Port, opt Options, op string) *detector {
	return &detector{op: op, port: &watchedPort{Port: p}, opt: opt.withDefaults()}
}

func (d *detector) lookup(manufacturer, model string) (Profile, bool) {
	if d.opt.Store == nil {
		return Profile{}, false
	}
	p, ok, err := d.opt.Store.Get(manufacturer, model)
	if err != nil {
		d.opt.Logf("look up profile of %s %s: %v", manufacturer, model, err)
		return Profile{}, false
	}
	switch p.Protocol {
	case ModeE, ModeC, DirectHDLC:
	default:
		return Profile{}, false
	}
	return p, ok
}

// speed is the speed a step runs at, as far as known.
func (d *detector) speed(s step) int {
	if s.proto == DirectHDLC {
		return s.baud
	}
	b := s.baud
	if d.ident != nil {
		if p := d.ident.BaudRate(); b == 0 || p < b {
			b = p
		}
	}
	if m := d.opt.MaxBaud; m > 0 && (b == 0 || m < b) {
		b = m
	}
	return b
}

func (d *detector) describe(s step) string {
	var what string
	switch s.proto {
	case ModeE:
		what = "mode E (IEC 62056-21 sign-on, then HDLC)"
	case ModeC:
		what = "mode C readout"
	default:
		what = "direct HDLC"
	}
	if b := d.speed(s); b > 0 {
		what += " at " + strconv.Itoa(b) + " Bd"
	} else {
		what += " at the meter's speed"
	}
	if s.profile {
		what += ", as remembered for this model"
	}
	return what
}

// skip reports whether a step is pointless now.
func (d *detector) skip(s step, tried map[string]bool) bool {
	switch {
	case len(d.opt.Protocols) > 0 && !slices.Contains(d.opt.Protocols, s.proto):
		return true
	case s.proto != DirectHDLC && d.noIEC:
		return true
	case s.proto == ModeE && d.noModeE:
		return true
	}
	return tried[d.key(s)]
}

// key names what a step tries, for telling repeats apart.
func (d *detector) key(s step) string { return string(s.proto) + "@" + strconv.Itoa(d.speed(s)) }

// run carries out the plan until an attempt works.
func (d *detector) run(ctx context.Context, plan []step) (*Result, error) {
	tried := map[string]bool{}
	var last error
	for i := 0; i < len(plan); i++ {
		s := plan[i]
		if d.skip(s, tried) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, d.fail(KindCanceled, err)
		}
		if err := d.settle(ctx); err != nil {
			return nil, d.fail(KindCanceled, err)
		}
		tried[d.key(s)] = true
		n := len(d.attempts) + 1
		of := n
		for _, r := range plan[i+1:] {
			if !d.skip(r, tried) {
				of++
			}
		}
		what := d.describe(s)
		if d.opt.Progress != nil {
			d.opt.Progress(Progress{Attempt: n, Of: of, What: what})
		}
		d.opt.Logf("attempt %d of %d: %s", n, of, what)
		before := d.ident
		actx, cancel := context.WithTimeout(ctx, d.opt.AttemptTimeout)
		res, err := d.try(actx, s)
		cancel()
		// The identification may have told the speed "the meter's
		// speed" stood for: mark that one tried as well.
		tried[d.key(s)] = true
		a := Attempt{N: n, What: what, Protocol: s.proto, Baud: d.speed(s)}
		if err == nil {
			d.attempts = append(d.attempts, a)
			res.FromProfile = s.profile
			res.Attempts = d.attempts
			d.remember(res)
			return res, nil
		}
		if !d.unsettled.IsZero() {
			d.unsettled = time.Now() // recovery counts from the failure
		}
		a.Kind, a.Err = d.classify(err), err.Error()
		d.attempts = append(d.attempts, a)
		d.opt.Logf("attempt %d: %v", n, err)
		last = err
		if perr := d.port.failed(); perr != nil {
			return nil, d.fail(KindPort, fmt.Errorf("%w: %w", ErrPort, perr))
		}
		if ctx.Err() != nil {
			return nil, d.fail(KindCanceled, ctx.Err())
		}
		if d.ident == nil && !d.noIEC && s.proto != DirectHDLC && !d.retried {
			// The first sign-on went unanswered: try the same again
			// rather than conclude anything about speeds from it.
			d.retried = true
			delete(tried, d.key(s))
			plan = slices.Insert(plan, i+1, s)
		}
		if before == nil && d.ident != nil && !d.looked {
			d.looked = true
			if pr, ok := d.lookup(d.ident.Manufacturer, d.ident.Ident); ok {
				plan = slices.Insert(plan, i+1, profileStep(pr))
			}
		}
	}
	return nil, d.fail(d.overall(), last)
}

// settle waits out the recovery time after a half-finished attempt.
func (d *detector) settle(ctx context.Context) error {
	if d.unsettled.IsZero() {
		return nil
	}
	wait := time.Until(d.unsettled.Add(d.opt.Recovery))
	d.unsettled = time.Time{}
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *detector) fail(k Kind, err error) error {
	if err == nil {
		err = ErrNotDetected
	} else if k != KindPort && k != KindCanceled {
		err = fmt.Errorf("%w: %w", ErrNotDetected, err)
	}
	return &Error{Op: d.op, Kind: k, Attempts: len(d.attempts), Err: err}
}

// overall is the kind of a detection in which every attempt failed.
func (d *detector) overall() Kind {
	seen := map[Kind]bool{}
	for _, a := range d.attempts {
		seen[a.Kind] = true
	}
	echoes, other := d.port.counts()
	switch {
	case d.sawMeter && seen[KindRefused]:
		return KindRefused
	case d.sawMeter:
		return KindStopped
	case seen[KindGarbled]:
		return KindGarbled
	case echoes > 0 && other == 0:
		return KindEchoOnly
	}
	return KindNoAnswer
}

// classify gives the kind of one failed attempt.
func (d *detector) classify(err error) Kind {
	var te *attemptError
	if errors.As(err, &te) {
		return te.kind
	}
	return KindOther
}

// attemptError carries the kind of a failed attempt.
type attemptError struct {
	kind Kind
	err  error
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

// try runs one step.
func (d *detector) try(ctx context.Context, s step) (*Result, error) {
	if s.proto == DirectHDLC {
		if err := d.port.SetLine(s.baud, iec62056.Format8N1); err != nil {
			return nil, &attemptError{KindPort, fmt.Errorf("set line to %d Bd 8N1: %w", s.baud, err)}
		}
		res, err := d.hdlc(ctx, d.port, s.baud, d.addresses(s.addr), 0)
		if err != nil {
			return nil, err
		}
		res.Protocol = DirectHDLC
		return res, nil
	}
	opt := d.opt.IEC
	opt.MaxBaud = d.speed(s)
	cl, err := iec62056.SignOn(ctx, d.port, opt)
	if err != nil {
		k := d.iecKind(err)
		if k == KindNoAnswer && d.ident == nil {
			// Twice nothing: nothing speaks IEC 62056-21 here. Once
			// may be a request lost to noise or a meter still busy.
			d.silentSignOns++
			d.noIEC = d.silentSignOns >= 2
		}
		return nil, &attemptError{k, err} // *iec62056.Error names the operation
	}
	d.sawMeter = true
	d.ident = cl.Identification()
	d.unsettled = time.Now()
	id := *d.ident
	res := &Result{Manufacturer: id.Manufacturer, Model: id.Ident, Identification: &id}
	switch s.proto {
	case ModeC:
		ro, err := cl.ReadOut(ctx)
		if err != nil {
			return nil, &attemptError{d.stoppedKind(err), err}
		}
		res.Protocol, res.Baud, res.StayedAtOldSpeed = ModeC, ro.Baud, ro.StayedAtOldSpeed
		for _, a := range []string{"C.1.0", "0.0.0"} {
			if r, ok := ro.Lookup(a); ok && len(r.Values) > 0 {
				res.Serial = r.Values[0].Value
				break
			}
		}
	default:
		link, err := cl.EnterModeE(ctx)
		if err != nil {
			if errors.Is(err, iec62056.ErrNotModeE) {
				d.noModeE = true
			}
			return nil, &attemptError{d.stoppedKind(err), err}
		}
		hr, err := d.hdlc(ctx, link, link.Baud, d.addresses(d.rememberedAddress(s, id)), d.opt.ModeEAddresses)
		if err != nil {
			if errors.Is(err, iec62056.ErrNotModeE) {
				d.noModeE = true
			}
			var ae *attemptError
			if errors.As(err, &ae) && ae.kind == KindNoAnswer {
				ae.kind = KindStopped // it signed on, then fell silent
			}
			return nil, err
		}
		hr.Protocol, hr.Manufacturer, hr.Model, hr.Identification = ModeE, res.Manufacturer, res.Model, res.Identification
		// Slower than proposed, and not because of our cap: the meter
		// ignored its own proposal.
		hr.StayedAtOldSpeed = hr.Baud < d.ident.BaudRate() && (d.opt.MaxBaud == 0 || d.opt.MaxBaud > hr.Baud)
		res = hr
	}
	d.unsettled = time.Time{}
	return res, nil
}

// iecKind maps an IEC 62056-21 failure to a Kind.
func (d *detector) iecKind(err error) Kind {
	if d.port.failed() != nil {
		return KindPort
	}
	switch iec62056.KindOf(err) {
	case iec62056.KindNoAnswer, iec62056.KindCanceled:
		return KindNoAnswer
	case iec62056.KindGarbled:
		return KindGarbled
	case iec62056.KindOldSpeed, iec62056.KindProtocol:
		return KindStopped
	case iec62056.KindRefused:
		return KindRefused
	case iec62056.KindPort:
		return KindPort
	}
	return KindOther
}

// stoppedKind maps a failure after the identification: silence there means
// the meter answered, then stopped.
func (d *detector) stoppedKind(err error) Kind {
	k := d.iecKind(err)
	if k == KindNoAnswer {
		return KindStopped
	}
	return k
}

// rememberedAddress is the HDLC address to try first in step s after the
// meter identified itself as id: the step's own, else the one remembered
// for the model (what worked last time, else the engineer's setting), so
// a meter that wants the 4-byte form is reached in the same attempt.
func (d *detector) rememberedAddress(s step, id iec62056.Identification) *Address {
	if s.addr != nil {
		return s.addr
	}
	p, ok := d.lookup(id.Manufacturer, id.Ident)
	switch {
	case !ok || p.Protocol != ModeE:
		return nil
	case p.Address != nil:
		return p.Address
	case p.Settings != nil:
		return p.Settings.Address
	}
	return nil
}

// addresses lists the HDLC server addresses to try (PROTOCOLS.md §11.7):
// the remembered one, 1-byte 03, 2-byte 1/17, 1/16 and 1/0, then the
// 4-byte form with the physical address derived from the serial number.
func (d *detector) addresses(first *Address) []Address {
	list := []Address{{Logical: 1, Size: 1}, {Logical: 1, Physical: 17, Size: 2}, {Logical: 1, Physical: 16, Size: 2}, {Logical: 1, Physical: 0, Size: 2}}
	if sn, err := strconv.ParseUint(d.opt.SerialNumber, 10, 64); err == nil {
		list = append(list, Address{Logical: 1, Physical: int(sn%10000 + 1000), Size: 4})
	}
	if first == nil || !hdlc.ServerAddress(first.Logical, first.Physical, first.Size).Valid() {
		return list
	}
	out := []Address{*first}
	for _, a := range list {
		if a != *first {
			out = append(out, a)
		}
	}
	return out
}

// hdlc connects at each address in turn (at most limit of them when limit
// > 0) and identifies the meter at the first that answers UA.
func (d *detector) hdlc(ctx context.Context, conn hdlc.Conn, baud int, addrs []Address, limit int) (*Result, error) {
	if limit > 0 && len(addrs) > limit {
		addrs = addrs[:limit]
	}
	_, other0 := d.port.counts()
	var last error
	for _, a := range addrs {
		cfg := hdlc.Config{
			ClientSAP: d.opt.ClientSAP, ServerLogical: a.Logical, ServerPhysical: a.Physical, ServerAddressSize: a.Size,
			ResponseTimeout: d.opt.HDLCResponseTimeout, Retries: -1, // one SNRM per address
		}
		link, err := hdlc.Dial(ctx, conn, cfg)
		if err == nil {
			d.sawMeter = true
			res := &Result{Baud: baud, Address: &a}
			// The address is right: connect again with retries, so a
			// frame lost to noise does not cost the identity. The
			// server takes the new SNRM as a fresh link (IEC 62056-46).
			cfg.Retries = 0 // hdlc's default, 3
			if again, err := hdlc.Dial(ctx, conn, cfg); err == nil {
				link = again
			} else {
				d.opt.Logf("connect again with retries: %v", err)
			}
			d.identify(ctx, link, res)
			if perr := d.port.failed(); perr != nil {
				return nil, &attemptError{KindPort, fmt.Errorf("identify the meter at %v: %w", a, perr)}
			}
			return res, nil
		}
		switch {
		case d.port.failed() != nil:
			return nil, &attemptError{KindPort, fmt.Errorf("connect HDLC to %v: %w", a, err)}
		case errors.Is(err, hdlc.ErrDisconnectedMode), errors.Is(err, hdlc.ErrFrameRejected):
			d.sawMeter = true // the right address: the meter refuses
			return nil, &attemptError{KindRefused, fmt.Errorf("connect HDLC to %v: %w", a, err)}
		case errors.Is(err, iec62056.ErrNotModeE):
			return nil, &attemptError{KindStopped, fmt.Errorf("connect HDLC to %v: %w", a, err)}
		case ctx.Err() != nil:
			return nil, &attemptError{KindNoAnswer, fmt.Errorf("connect HDLC to %v: %w", a, err)}
		}
		last = fmt.Errorf("connect HDLC to %v at %d Bd: %w", a, baud, err)
	}
	k := KindNoAnswer
	if _, other := d.port.counts(); other > other0 {
		k = KindGarbled // bytes came, but never a frame for us
	}
	return nil, &attemptError{k, last}
}

// Objects read to identify the meter (IEC 62056-6-2 class 1).
var (
	logicalDeviceName = dlms.AttributeDescriptor{Class: 1, Instance: [6]byte{0, 0, 42, 0, 0, 255}, Attribute: 2}
	serialNumber      = dlms.AttributeDescriptor{Class: 1, Instance: [6]byte{0, 0, 96, 1, 0, 255}, Attribute: 2}
)

// closeTimeout bounds the DISC after the identity is read.
const closeTimeout = 5 * time.Second

// identify associates as the public client, reads the logical device name
// and the serial number, then closes the link with DISC. A meter that answered UA has been found whatever happens here;
// failures become warnings.
func (d *detector) identify(ctx context.Context, link *hdlc.Link, res *Result) {
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		if err := link.Close(cctx); err != nil {
			d.opt.Logf("close HDLC link: %v", err)
		}
	}()
	c, err := dlms.Associate(ctx, link, dlms.ClientConfig{Mechanism: dlms.MechanismNone})
	if err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("associate as public client %d: %v", d.opt.ClientSAP, err))
		return
	}
	if s, err := readText(ctx, c, logicalDeviceName); err == nil {
		res.LogicalDeviceName = s
		if len(s) >= 3 {
			res.Manufacturer = s[:3]
		}
	} else {
		res.Warnings = append(res.Warnings, fmt.Sprintf("read logical device name: %v", err))
	}
	if s, err := readText(ctx, c, serialNumber); err == nil {
		res.Serial = s
	}
	// No RLRQ: DISC alone ends the association (PROTOCOLS.md §9.2), and
	// every request less is one less for a meter that is about to fail.
}

// remember stores what worked.
func (d *detector) remember(res *Result) {
	res.Echo = d.echo()
	if d.opt.Store == nil || res.Manufacturer == "" {
		return
	}
	p := Profile{Manufacturer: res.Manufacturer, Model: res.Model, Protocol: res.Protocol, Baud: res.Baud, Address: res.Address, Echo: res.Echo}
	// The engineer's manual settings for the model outlive what worked.
	if old, ok, err := d.opt.Store.Get(res.Manufacturer, res.Model); err == nil && ok {
		p.Settings = old.Settings
	}
	if err := d.opt.Store.Put(p); err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("remember profile: %v", err))
	}
}

// echo reports whether the probe heard its own transmissions.
func (d *detector) echo() bool {
	e, _ := d.port.counts()
	return e > 0
}

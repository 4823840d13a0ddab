package diagnose

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// Config configures a diagnostic session.
type Config struct {
	// Client is the association to ask for (client SAP, mechanism, keys).
	Client dlms.ClientConfig
	// DeviationSign is how the device writes the date-time deviation
	// (PROTOCOLS.md §11.4); some meters use the reversed sign.
	DeviationSign axdr.DeviationSign
	// Now is the laptop clock; time.Now when nil. Evidence timestamps and
	// clock drift use it.
	Now func() time.Time
	// Reference returns a better time than the laptop's (GPS fix, NTP
	// answer) and its source, or ok false when none is known.
	Reference func() (t time.Time, source string, ok bool)
	// ReferenceClock, when Reference is nil, is asked for the time in the
	// background from the moment the link is up (NTPClock: only when the
	// laptop has a network). Without an answer within ReferenceWait of
	// the clock read, the clock is compared with the laptop's only and
	// ClockReading.ReferenceProblem says why.
	ReferenceClock ReferenceClock
	// ReferenceWait bounds the wait for ReferenceClock at the clock read
	// (default 5 s).
	ReferenceWait time.Duration
	// Progress, when set, receives progress of long reads (profiles, event
	// logs). It is called on the session's goroutine: keep it short.
	Progress func(Progress)
	// ProfileChunk is the span of one profile request (default 24 h): the
	// unit of progress and of cancellation.
	ProfileChunk time.Duration
	// DeviceLogCapacity is the hub device log size used to call it full
	// (default 16, DOMAIN.md §10.4).
	DeviceLogCapacity int
}

// Progress reports a long read: rows read of the rows expected, the bytes
// moved so far in the session and an estimate of the time left.
type Progress struct {
	Section  Section
	Object   cosem.OBIS
	Rows     int
	Expected int
	Bytes    int64
	Elapsed  time.Duration
	ETA      time.Duration
}

// Session is one association with a meter or hub for a diagnostic
// readout. It is not safe for concurrent use.
type Session struct {
	cfg     Config
	link    Link
	trace   *trace
	client  *dlms.Client
	params  Params
	objects []cosem.ObjectListElement
	started time.Time
	listErr error
	ref     *referenceQuery // nil without a ReferenceClock
	// scalers keeps the scaler_unit of each instantaneous value read, so
	// a refresh reads only the values.
	scalers map[cosem.OBIS]cosem.ScalerUnit
}

// Open connects with conn, opens the association and reads the object list
// (IEC 62056-6-2 §4.4.3 Association LN attribute 2): everything the session
// reads later is chosen from what the device offers.
func Open(ctx context.Context, conn Connector, cfg Config) (*Session, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ProfileChunk <= 0 {
		cfg.ProfileChunk = 24 * time.Hour
	}
	if cfg.DeviceLogCapacity <= 0 {
		cfg.DeviceLogCapacity = 16
	}
	link, params, err := conn.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	s := &Session{cfg: cfg, params: params, started: cfg.Now()}
	if cfg.Reference == nil && cfg.ReferenceClock != nil {
		s.ref = startReference(cfg.ReferenceClock, cfg.Now)
	}
	s.trace = newTrace(link, cfg.Now)
	s.link = s.trace
	s.client, err = dlms.Associate(ctx, s.link, cfg.Client)
	if err != nil {
		_ = link.Close(ctx)
		s.stopReference()
		return nil, fmt.Errorf("associate: %w", err)
	}
	if s.objects, err = s.client.ReadObjectList(ctx); err != nil {
		if ctx.Err() != nil || !errors.As(err, new(dlms.DataAccessResult)) {
			s.Close(ctx)
			return nil, err
		}
		// No readable object list: fall back to probing the usual objects.
		s.listErr = err
		s.objects = s.probe(ctx)
		if ctx.Err() != nil {
			s.Close(ctx)
			return nil, ctx.Err()
		}
	}
	return s, nil
}

// probeObjects are the objects tried when a device has no readable object
// list: the usual identity, clock, register, profile, event log, disconnect
// and hub objects (IEC 62056-6-1; DOMAIN.md §9).
var probeObjects = []struct {
	class cosem.ClassID
	ln    string
}{
	{cosem.ClassClock, "0-0:1.0.0*255"},
	{cosem.ClassData, "0-0:42.0.0*255"}, {cosem.ClassData, "0-0:96.1.0*255"}, {cosem.ClassData, "0-0:96.1.1*255"},
	{cosem.ClassData, "0-0:96.1.2*255"}, {cosem.ClassData, "1-0:0.2.0*255"}, {cosem.ClassData, "1-1:0.2.0*255"},
	{cosem.ClassRegister, "1-0:1.8.0*255"}, {cosem.ClassRegister, "1-0:1.8.1*255"}, {cosem.ClassRegister, "1-0:1.8.2*255"},
	{cosem.ClassRegister, "1-0:2.8.0*255"}, {cosem.ClassRegister, "1-0:32.7.0*255"}, {cosem.ClassRegister, "1-0:31.7.0*255"},
	{cosem.ClassRegister, "1-0:16.7.0*255"}, {cosem.ClassRegister, "1-0:14.7.0*255"},
	{cosem.ClassProfileGeneric, "1-0:99.1.0*255"}, {cosem.ClassProfileGeneric, "0-0:98.1.0*255"},
	{cosem.ClassProfileGeneric, "0-0:99.98.0*255"}, {cosem.ClassProfileGeneric, "0-0:99.98.1*255"},
	{cosem.ClassProfileGeneric, "0-0:99.98.4*255"}, {cosem.ClassProfileGeneric, "0-0:99.98.5*255"},
	{cosem.ClassDisconnectControl, "0-0:96.3.10*255"},
	{cosem.ClassZigBeeNetworkControl, "0-0:30.3.0*255"}, {cosem.ClassGSMDiagnostic, "0-0:25.6.0*255"},
	{cosem.ClassImageTransfer, "0-0:44.0.0*255"},
}

// probe reads attribute 1 (logical_name) of each probe object and keeps
// those the device answers.
func (s *Session) probe(ctx context.Context) []cosem.ObjectListElement {
	var out []cosem.ObjectListElement
	for _, p := range probeObjects {
		ln := cosem.MustOBIS(p.ln)
		if _, err := s.client.Get(ctx, dlms.AttributeDescriptor{Class: p.class, Instance: ln, Attribute: 1}, nil); err != nil {
			if ctx.Err() != nil {
				return out
			}
			continue
		}
		out = append(out, cosem.ObjectListElement{Class: p.class, LogicalName: ln})
	}
	return out
}

// Probed reports whether the object list could not be read and the
// objects were found by probing, with the object list error.
func (s *Session) Probed() (bool, error) { return s.listErr != nil, s.listErr }

// stopReference ends a reference query still running.
func (s *Session) stopReference() {
	if s.ref != nil {
		s.ref.stop()
	}
}

// Close releases the association and closes the link.
func (s *Session) Close(ctx context.Context) error {
	s.stopReference()
	err := s.client.Release(ctx)
	if cerr := s.link.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// Client returns the association, for reads the session has no method for.
func (s *Session) Client() *dlms.Client { return s.client }

// Params returns the connector's parameters plus the session's own.
func (s *Session) Params() Params {
	p := Params{}
	for k, v := range s.params {
		p[k] = v
	}
	p["mechanism"] = fmt.Sprint(s.cfg.Client.Mechanism)
	p["ciphered"] = fmt.Sprint(s.cfg.Client.Ciphered)
	p["deviation_sign"] = fmt.Sprint(s.cfg.DeviationSign)
	return p
}

// Trace returns the APDUs exchanged so far, how many were left out because
// the trace reached its cap, and the bytes moved.
func (s *Session) Trace() (frames []Frame, dropped int, bytes int64) { return s.trace.snapshot() }

// Objects returns the object list, named with cosem's tables.
func (s *Session) Objects() []Object {
	out := make([]Object, len(s.objects))
	for i, o := range s.objects {
		out[i] = Object{Class: o.Class, Version: o.Version, OBIS: o.LogicalName, Name: objectName(o.LogicalName)}
	}
	return out
}

func objectName(o cosem.OBIS) string {
	if n, ok := cosem.LookupName(o); ok {
		return n
	}
	return o.String()
}

// offered returns the objects of the given classes, in list order.
func (s *Session) offered(classes ...cosem.ClassID) []cosem.ObjectListElement {
	var out []cosem.ObjectListElement
	for _, o := range s.objects {
		for _, c := range classes {
			if o.Class == c {
				out = append(out, o)
			}
		}
	}
	return out
}

func (s *Session) has(class cosem.ClassID, ln cosem.OBIS) bool {
	for _, o := range s.objects {
		if o.Class == class && o.LogicalName == ln {
			return true
		}
	}
	return false
}

// get reads one attribute and decodes exactly one Data value.
func (s *Session) get(ctx context.Context, class cosem.ClassID, ln cosem.OBIS, attr int8) (axdr.Value, error) {
	d, err := s.client.Get(ctx, dlms.AttributeDescriptor{Class: class, Instance: ln, Attribute: attr}, nil)
	if err != nil {
		return axdr.Value{}, fmt.Errorf("get %s attribute %d: %w", ln, attr, err)
	}
	v, _, err := axdr.Decode(d)
	if err != nil {
		return axdr.Value{}, fmt.Errorf("decode %s attribute %d: %w", ln, attr, err)
	}
	return v, nil
}

// Identity objects (IEC 62056-6-1 §7.4 abstract objects; the GB choices
// the simulator and public sources use).
var (
	obisLDN          = cosem.OBIS{0, 0, 42, 0, 0, 255}
	obisSerial       = cosem.OBIS{0, 0, 96, 1, 0, 255}
	obisDeviceID     = cosem.OBIS{0, 0, 96, 1, 1, 255}
	obisGPFID        = cosem.OBIS{0, 0, 96, 1, 2, 255}
	obisFirmware     = cosem.OBIS{1, 0, 0, 2, 0, 255}
	obisCommFirmware = cosem.OBIS{1, 1, 0, 2, 0, 255}
	obisClock        = cosem.OBIS{0, 0, 1, 0, 0, 255}
)

// Identity reads the device's names and firmware versions from the
// identity objects it offers. A device with a ZigBee network control
// object (class 104) is a hub.
func (s *Session) Identity(ctx context.Context) (*Identity, error) {
	id := &Identity{Kind: "meter"}
	if len(s.offered(cosem.ClassZigBeeNetworkControl)) > 0 {
		id.Kind = "hub"
	}
	fields := []struct {
		ln  cosem.OBIS
		dst *string
	}{
		{obisLDN, &id.LogicalDeviceName}, {obisSerial, &id.Serial}, {obisDeviceID, &id.DeviceID},
		{obisGPFID, &id.GPFID}, {obisFirmware, &id.Firmware}, {obisCommFirmware, &id.CommFirmware},
	}
	var errs []error
	for _, f := range fields {
		if !s.has(cosem.ClassData, f.ln) {
			continue
		}
		v, err := s.get(ctx, cosem.ClassData, f.ln, 2)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			errs = append(errs, err)
			continue
		}
		*f.dst = printable(v)
	}
	return id, errors.Join(errs...)
}

// printable renders an identity value: octet and visible strings as text
// when they are printable, otherwise hex.
func printable(v axdr.Value) string {
	switch v.Type() {
	case axdr.TypeOctetString, axdr.TypeVisibleString, axdr.TypeUTF8String:
		b := v.Bytes()
		for _, c := range b {
			if c < 0x20 || c > 0x7E {
				return fmt.Sprintf("%X", b)
			}
		}
		return string(b)
	}
	return v.String()
}

// Clock reads the Clock object (class 8, 0-0:1.0.0*255, attributes 2 and
// 4) and compares it with the laptop and, when Config.Reference or
// Config.ReferenceClock gives one, a GPS or NTP time.
func (s *Session) Clock(ctx context.Context) (*ClockReading, error) {
	ln := obisClock
	if cl := s.offered(cosem.ClassClock); len(cl) > 0 {
		ln = cl[0].LogicalName
	} else {
		return nil, fmt.Errorf("clock: %w", ErrNotOffered)
	}
	var c cosem.Clock
	for _, a := range []int8{2, 3, 4} {
		v, err := s.get(ctx, cosem.ClassClock, ln, a)
		if err != nil {
			if a == 2 {
				return nil, err
			}
			continue
		}
		if err := c.SetAttribute(a, v); err != nil && a == 2 {
			return nil, fmt.Errorf("clock time: %w", err)
		}
	}
	laptop := s.cfg.Now()
	r := &ClockReading{DeviceRaw: c.Time.String(), Status: uint8(c.Status), Laptop: laptop.UTC()}
	t, err := c.UTC(s.cfg.DeviationSign)
	if err != nil {
		return r, fmt.Errorf("clock time %s: %w", c.Time, err)
	}
	r.Device = t.UTC()
	r.Drift = t.Sub(laptop)
	switch {
	case s.cfg.Reference != nil:
		if ref, src, ok := s.cfg.Reference(); ok {
			r.Reference, r.ReferenceSource, r.ReferenceDrift = ref.UTC(), src, t.Sub(ref)
		}
	case s.ref != nil:
		wait := s.cfg.ReferenceWait
		if wait <= 0 {
			wait = 5 * time.Second
		}
		wctx, cancel := context.WithTimeout(ctx, wait)
		ref, err := s.ref.wait(wctx, laptop)
		cancel()
		if err != nil {
			r.ReferenceProblem = err.Error()
			break
		}
		// The device's time was read a moment before the laptop's.
		r.Reference, r.ReferenceSource, r.ReferenceDrift = ref.UTC(), s.ref.source, t.Sub(ref)
	}
	return r, nil
}

// instantaneous reports whether an OBIS code is an instantaneous value
// (value group D = 7, IEC 62056-6-1 §7.5.3).
func instantaneous(o cosem.OBIS) bool { return o.A() == 1 && o.D() == 7 }

// Registers reads every register (class 3) and extended register (class 4)
// the device offers, value and scaler_unit, in one GET-with-list each.
func (s *Session) Registers(ctx context.Context) ([]RegisterValue, error) {
	var out []RegisterValue
	var errs []error
	for _, o := range s.offered(cosem.ClassRegister, cosem.ClassExtendedRegister) {
		rv, err := s.register(ctx, o)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		out = append(out, rv)
	}
	return out, errors.Join(errs...)
}

func (s *Session) register(ctx context.Context, o cosem.ObjectListElement) (RegisterValue, error) {
	rv, su, err := s.registerWithScaler(ctx, o)
	if err == nil && instantaneous(o.LogicalName) {
		if s.scalers == nil {
			s.scalers = make(map[cosem.OBIS]cosem.ScalerUnit)
		}
		s.scalers[o.LogicalName] = su
	}
	return rv, err
}

// registerWithScaler reads value and scaler_unit of a register in one
// GET-with-list and returns the scaler_unit too (zero when the device
// gives none).
func (s *Session) registerWithScaler(ctx context.Context, o cosem.ObjectListElement) (RegisterValue, cosem.ScalerUnit, error) {
	rv, reg, err := s.readRegister(ctx, o)
	return rv, reg.ScalerUnit, err
}

func (s *Session) readRegister(ctx context.Context, o cosem.ObjectListElement) (RegisterValue, cosem.Register, error) {
	var reg cosem.Register
	ad := func(a int8) dlms.AttributeAccess {
		return dlms.AttributeAccess{Attribute: dlms.AttributeDescriptor{Class: o.Class, Instance: o.LogicalName, Attribute: a}}
	}
	res, err := s.client.GetList(ctx, []dlms.AttributeAccess{ad(2), ad(3)})
	if err != nil {
		return RegisterValue{}, reg, fmt.Errorf("read register %s: %w", o.LogicalName, err)
	}
	if len(res) != 2 {
		return RegisterValue{}, reg, fmt.Errorf("read register %s: %d results for 2 attributes", o.LogicalName, len(res))
	}
	for i, r := range res {
		if r.Result != dlms.Success {
			if i == 1 { // no scaler_unit readable: unscaled, no unit
				continue
			}
			return RegisterValue{}, reg, fmt.Errorf("read register %s: %w", o.LogicalName, r.Result)
		}
		v, _, err := axdr.Decode(r.Data)
		if err != nil {
			return RegisterValue{}, reg, fmt.Errorf("decode register %s: %w", o.LogicalName, err)
		}
		if i == 0 {
			reg.Value = v
		} else if reg.ScalerUnit, err = cosem.ParseScalerUnit(v); err != nil {
			return RegisterValue{}, reg, fmt.Errorf("decode register %s scaler_unit: %w", o.LogicalName, err)
		}
	}
	return registerValue(o, reg), reg, nil
}

// registerValue names a register read and renders its scaled value; an
// instantaneous value takes its name from InstantName first.
func registerValue(o cosem.ObjectListElement, reg cosem.Register) RegisterValue {
	f, _ := reg.Float()
	name := objectName(o.LogicalName)
	if n, ok := InstantName(o.LogicalName); ok {
		name = n
	}
	return RegisterValue{OBIS: o.LogicalName, Name: name, Class: o.Class, Value: f,
		Unit: reg.ScalerUnit.Unit.Symbol(), Text: reg.String(), Instantaneous: instantaneous(o.LogicalName)}
}

// Disconnect reads the first disconnect control object (class 70):
// output_state, control_state and control_mode (IEC 62056-6-2 §4.5.8).
func (s *Session) Disconnect(ctx context.Context) (*DisconnectState, error) {
	dc := s.offered(cosem.ClassDisconnectControl)
	if len(dc) == 0 {
		return nil, fmt.Errorf("disconnect control: %w", ErrNotOffered)
	}
	ln := dc[0].LogicalName
	st := &DisconnectState{OBIS: ln}
	out, err := s.get(ctx, cosem.ClassDisconnectControl, ln, 2)
	if err != nil {
		return nil, err
	}
	st.OutputState = out.Bool()
	cs, err := s.get(ctx, cosem.ClassDisconnectControl, ln, 3)
	if err != nil {
		return nil, err
	}
	st.ControlState = cosem.ControlState(cs.Uint()).String()
	if m, err := s.get(ctx, cosem.ClassDisconnectControl, ln, 4); err == nil {
		st.ControlMode = uint8(m.Uint())
	}
	return st, nil
}

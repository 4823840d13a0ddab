package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/visit"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/sim"
)

const commissionAbout = `Walk a job's install and commission steps (DOMAIN.md §7, §8) against the
communications hub on site, queueing the DUIS service requests for sync.

The run is stored: running the command again resumes where it stopped and
never queues a request twice. Where the installer acts (fitting the hub,
install codes from the device labels, the site survey) the command asks on
standard input, or takes the answers from --answers FILE:

  {"answers": {"CHFConnectionMethod": "Hot-shoe", "CHFLocation": "...", ...},
   "installCodes": {"00-DB-12-34-56-78-90-A0": "3031...46"},
   "coverage": "yes"}

--offline is an install and leave: the SM WAN is not available, so the hub is
reported without WAN and the flow takes the 8.14.2 branch with a follow-up.
The hub is reached with --hub tcp:HOST:PORT (IEC 62056-47 wrapper) or
--hub serial:PATH (the hub's serial port, HDLC at 8N1); the management keys
default to the simulator's. With --meter DEVICE=TARGET for a meter on site
(tcp:HOST:PORT, or serial:PATH for an optical probe) the post-checks also
read its firmware version and clock through its public association.`

// defaultOriginator is the supplier EUI-64 of the DUIS test system's
// templates, used when no --originator is given.
const defaultOriginator = "90-B3-D5-1F-30-01-00-00"

// stdin is where prompts are answered; tests replace it.
var stdin io.Reader = os.Stdin

func runCommission(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "commission", "--job JOB [--hub tcp:HOST:PORT|serial:PATH] [--offline] [--answers FILE] [flags]", commissionAbout)
	data := fs.String("data", "", "data `folder` holding the local database (default: the user's config folder)")
	jobID := fs.String("job", "", "the `job` to commission")
	hubFlag := fs.String("hub", "", "reach the hub at `target`: tcp:HOST:PORT or serial:PATH")
	offline := fs.Bool("offline", false, "install and leave: no SM WAN on site (8.14.2)")
	answersFile := fs.String("answers", "", "take the answers from `file` (JSON) instead of asking")
	originator := fs.String("originator", defaultOriginator, "the supplier's `EUI-64` originating the service requests")
	ekHex := fs.String("ek", hex.EncodeToString(sim.DefaultEK), "hub management encryption key (`hex`)")
	akHex := fs.String("ak", hex.EncodeToString(sim.DefaultAK), "hub management authentication key (`hex`)")
	baud := fs.Int("baud", 9600, "with --hub serial: the line speed; with --meter serial: the highest speed the optical sign-on agrees")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up after this long")
	var meters []meterFlag
	fs.Func("meter", "read the meter `DEVICE=TARGET` on site for the post-checks (firmware, clock): TARGET tcp:HOST:PORT or serial:PATH (optical probe); repeat for each meter", func(v string) error {
		m, err := parseMeterFlag(v)
		if err == nil {
			meters = append(meters, m)
		}
		return err
	})
	codes := map[string]string{}
	fs.Func("install-code", "correct the install code of `DEVICE=CODE` on a stored run (until the device joins; the whitelist add is sent again); repeat for each device", func(v string) error {
		dev, code, ok := strings.Cut(v, "=")
		if !ok || strings.TrimSpace(dev) == "" || strings.TrimSpace(code) == "" {
			return fmt.Errorf("want DEVICE=CODE, got %q", v)
		}
		codes[strings.TrimSpace(dev)] = strings.TrimSpace(code)
		return nil
	})
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *jobID == "" || fs.NArg() != 0 {
		fmt.Fprintln(e.stderr, "smetsctl commission: give --job and no other arguments")
		fs.Usage()
		return errUsage
	}
	var target visit.Target
	if *hubFlag != "" {
		t, err := visit.ParseTarget(*hubFlag)
		if err != nil {
			fmt.Fprintf(e.stderr, "smetsctl commission: %v\n", err)
			return errUsage
		}
		target = t
	}
	keys, err := hubKeys(*ekHex, *akHex)
	if err != nil {
		fmt.Fprintf(e.stderr, "smetsctl commission: %v\n", err)
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	a := &asker{w: e.stdout}
	if *answersFile != "" {
		f, err := os.Open(*answersFile)
		if err != nil {
			return fmt.Errorf("read answers: %w", err)
		}
		ans, err := visit.DecodeAnswers(f)
		f.Close()
		if err != nil {
			return err
		}
		a.file = ans
	} else {
		a.r = bufio.NewReader(stdin)
	}

	v, err := visit.Open(ctx, *data)
	if err != nil {
		return err
	}
	defer v.Close()
	if len(codes) > 0 {
		// A correction applies to a run already stored: the first start
		// asks for the codes anyway.
		devs := make([]string, 0, len(codes))
		for d := range codes {
			devs = append(devs, d)
		}
		slices.Sort(devs)
		for _, d := range devs {
			if err := v.Engine.SetInstallCode(ctx, *jobID, d, codes[d]); err != nil {
				return fmt.Errorf("change the install code of %s: %w", d, err)
			}
			fmt.Fprintf(e.stdout, "install code of %s changed\n", d)
		}
	}
	if err := startRun(ctx, v, *jobID, *originator, a); err != nil {
		return err
	}
	if a.file != nil && len(a.file.Answers) > 0 {
		if err := v.Engine.Answer(ctx, *jobID, a.file.Answers); err != nil {
			return err
		}
	}
	if *offline && target.Kind == "" {
		// No hub to ask: the engineer's word stands for the WAN check.
		if err := v.Engine.Answer(ctx, *jobID, map[string]string{"WAN": "no"}); err != nil {
			return err
		}
	}

	var hub commission.Hub
	var deviceClock func() time.Time // the hub's clock, zero when unknown
	deviceClock = func() time.Time { return time.Time{} }
	if target.Kind != "" {
		h, err := connectHub(ctx, v, target, keys, *baud)
		if err != nil {
			return err
		}
		defer func() {
			next := h.InvocationCounter()
			_ = h.Close(ctx)
			_ = v.SaveHubCounter(ctx, target.String(), next)
		}()
		hub = h
		if len(meters) > 0 {
			site, closeMeters, err := connectMeters(ctx, h, meters, *baud)
			if err != nil {
				return err
			}
			defer closeMeters()
			hub = site
		}
		deviceClock = func() time.Time {
			t, _, err := h.Clock(ctx)
			if err != nil {
				return time.Time{}
			}
			return t
		}
		if *offline {
			hub = visit.NoWAN(hub)
		}
	}
	// The visit starts, by the tablet's and the hub's clocks, when
	// commissioning does (a second start keeps the first times).
	if err := v.Jobs.Start(ctx, *jobID, deviceClock()); err != nil {
		return err
	}
	runErr := walk(ctx, e, v, *jobID, hub, a)
	st, err := v.Engine.Status(ctx, *jobID)
	if err == nil {
		fmt.Fprintln(e.stdout)
		printSteps(e.stdout, st.Steps)
	}
	if runErr != nil {
		return runErr
	}
	n, err := queued(ctx, v, *jobID)
	if err != nil {
		return err
	}
	if err := v.Jobs.Finish(ctx, *jobID, deviceClock()); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "job %s: commissioning done; %d messages queued for sync\n", *jobID, n)
	return nil
}

// startRun starts the job's run unless one is stored, asking for the
// install codes the plan needs.
func startRun(ctx context.Context, v *visit.Visit, jobID, originator string, a *asker) error {
	if _, err := v.Engine.Status(ctx, jobID); err == nil {
		return nil // resume
	} else if !errors.Is(err, commission.ErrNoRun) {
		return err
	}
	j, err := v.Jobs.Get(ctx, jobID)
	if err != nil {
		return err
	}
	in := visit.Inputs{Originator: originator, InstallCodes: map[string]string{}}
	if a.file != nil {
		in.Coverage = a.file.Coverage
		for k, c := range a.file.InstallCodes {
			in.InstallCodes[k] = c
		}
	}
	need, err := visit.InstallCodesNeeded(j)
	if err != nil {
		return err
	}
	for _, d := range need {
		if in.InstallCodes[d.ID] != "" {
			continue
		}
		c, err := a.ask("installCodes."+d.ID, fmt.Sprintf("Install code of %s %s (32 hex digits, from its label)", d.Type, d.ID))
		if err != nil {
			return err
		}
		in.InstallCodes[d.ID] = c
	}
	p, err := visit.PlanFor(j, in)
	if err != nil {
		return err
	}
	return v.Engine.Start(ctx, p)
}

// maxPrompts bounds the questions of one command, so an answer the engine
// keeps refusing ends the command instead of asking for ever.
const maxPrompts = 64

// walk runs the flow, asking for what a step is missing and running again,
// until it completes or fails for a reason the engineer must fix on site.
func walk(ctx context.Context, e *env, v *visit.Visit, jobID string, hub commission.Hub, a *asker) error {
	flows, err := commission.Flows()
	if err != nil {
		return err
	}
	var lastTitle string
	for range maxPrompts {
		err := v.Engine.Run(ctx, jobID, hub)
		var se *commission.StepError
		if !errors.As(err, &se) {
			return err
		}
		if se.Reason != commission.ReasonMissingAnswer && se.Reason != commission.ReasonMissingRead {
			return fmt.Errorf("step %s (%s): %w\n  what to try: %s", se.Step, se.Item, err, se.Hint)
		}
		st, err := v.Engine.Status(ctx, jobID)
		if err != nil {
			return err
		}
		def, ok := stepDef(flows[st.Flow], se.Step)
		if !ok {
			return se
		}
		if se.Reason == commission.ReasonMissingRead {
			if def.Title != lastTitle {
				fmt.Fprintf(e.stdout, "%s:\n", def.Title)
				lastTitle = def.Title
			}
			if err := askRead(ctx, v, jobID, def, se.Item, a); err != nil {
				return fmt.Errorf("step %s: %w", se.Step, err)
			}
			continue
		}
		if def.Title != lastTitle {
			fmt.Fprintf(e.stdout, "%s:\n", def.Title)
			lastTitle = def.Title
		}
		qs, ok := missingAnswers(se, a)
		if !ok {
			return fmt.Errorf("step %s: %w\n  what to try: %s", se.Step, se, se.Hint)
		}
		for _, q := range qs {
			ans, err := a.ask(q, q)
			if err != nil {
				return fmt.Errorf("step %s: %w", se.Step, err)
			}
			// Each answer is stored at once: a run stopped halfway through
			// the questions keeps those already answered.
			if err := v.Engine.Answer(ctx, jobID, map[string]string{q: ans}); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("job %s: still missing answers after %d rounds", jobID, maxPrompts)
}

// askRead asks for the register read a reads step stopped for and records
// it with the run.
func askRead(ctx context.Context, v *visit.Visit, jobID string, def commission.StepDef, device string, a *asker) error {
	kind := def.Fields["ReadKind"]
	typ := "ESME"
	if j, err := v.Jobs.Get(ctx, jobID); err == nil {
		for _, d := range j.Devices {
			if d.ID == device {
				typ = d.Type
			}
		}
	}
	reg, unit := visit.ReadRegister(typ)
	key := "reads." + kind + "/" + device
	if a.asked[key] {
		return fmt.Errorf("%s read of %s: %w", kind, device, errNoAnswer)
	}
	val, err := a.ask(key, fmt.Sprintf("%s read of %s %s register %s (%s)", kind, typ, device, reg, unit))
	if err != nil {
		return err
	}
	return v.Engine.AddReads(ctx, jobID, commission.Read{DeviceID: device, Kind: kind, Register: reg, Value: val, Unit: unit, At: time.Now().UTC()})
}

// missingAnswers lists the answers a step stopped for, from the engine's
// StepError.Missing (never from the error text). It is false when the
// engine named none or one was already asked in this command: the engine
// refused the answer given, and asking again would loop.
func missingAnswers(se *commission.StepError, a *asker) ([]string, bool) {
	if len(se.Missing) == 0 {
		return nil, false
	}
	for _, q := range se.Missing {
		if a.asked[q] {
			return nil, false
		}
	}
	return se.Missing, true
}

func stepDef(f commission.Flow, id string) (commission.StepDef, bool) {
	for _, s := range f {
		if s.ID == id {
			return s, true
		}
	}
	return commission.StepDef{}, false
}

// asker takes answers from an answers file or, without one, asks on stdin.
type asker struct {
	file  *visit.Answers
	r     *bufio.Reader
	w     io.Writer
	asked map[string]bool
}

// errNoAnswer is a question neither the answers file nor stdin answered.
var errNoAnswer = errors.New("no answer")

func (a *asker) ask(key, prompt string) (string, error) {
	if a.asked == nil {
		a.asked = map[string]bool{}
	}
	a.asked[key] = true
	if a.file != nil {
		if id, ok := strings.CutPrefix(key, "installCodes."); ok {
			if c := a.file.InstallCodes[id]; c != "" {
				return c, nil
			}
		} else if rd, ok := strings.CutPrefix(key, "reads."); ok {
			if r := a.file.Reads[rd]; r != "" {
				return r, nil
			}
		} else if s := a.file.Answers[key]; s != "" {
			return s, nil
		}
		return "", fmt.Errorf("%s: %w in the answers file", key, errNoAnswer)
	}
	fmt.Fprintf(a.w, "  %s? ", prompt)
	line, err := a.r.ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "" {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return "", fmt.Errorf("%s: %w (%v)", key, errNoAnswer, err)
	}
	return line, nil
}

func hubKeys(ek, ak string) (dlms.Keys, error) {
	e, err := hex.DecodeString(ek)
	if err != nil || len(e) != 16 {
		return dlms.Keys{}, fmt.Errorf("--ek: want 32 hex digits")
	}
	k, err := hex.DecodeString(ak)
	if err != nil || len(k) != 16 {
		return dlms.Keys{}, fmt.Errorf("--ak: want 32 hex digits")
	}
	return dlms.Keys{EK: e, AK: k}, nil
}

func connectHub(ctx context.Context, v *visit.Visit, t visit.Target, keys dlms.Keys, baud int) (*visit.Hub, error) {
	ic, err := v.HubCounter(ctx, t.String())
	if err != nil {
		return nil, err
	}
	var conn diagnose.Connector
	if t.Kind == "tcp" {
		conn = visit.TCP(t.Addr)
	} else {
		p, err := openSerial(t.Addr, serial.Mode{Baud: baud})
		if err != nil {
			return nil, err
		}
		conn = visit.Serial(p, t.Addr, baud)
	}
	return visit.ConnectHub(ctx, conn, visit.HubConfig{Keys: keys, InvocationCounter: ic})
}

// meterFlag is one --meter DEVICE=TARGET.
type meterFlag struct {
	device string
	target visit.Target
}

func parseMeterFlag(v string) (meterFlag, error) {
	dev, tgt, ok := strings.Cut(v, "=")
	if !ok || dev == "" {
		return meterFlag{}, fmt.Errorf("want DEVICE=TARGET, got %q", v)
	}
	if _, err := duis.ParseEUI64(dev); err != nil {
		return meterFlag{}, err
	}
	t, err := visit.ParseTarget(tgt)
	if err != nil {
		return meterFlag{}, err
	}
	return meterFlag{device: dev, target: t}, nil
}

// connectMeters opens the public association with each meter given with
// --meter and bundles them with the hub, so the post-checks read each
// meter's firmware and clock on site.
func connectMeters(ctx context.Context, h commission.Hub, meters []meterFlag, baud int) (commission.Site, func(), error) {
	site := commission.Site{Hub: h, Meters: map[string]*dlms.Client{}}
	var sessions []*diagnose.Session
	var ports []io.Closer
	closeAll := func() {
		for _, s := range sessions {
			_ = s.Close(context.Background())
		}
		for _, p := range ports {
			_ = p.Close()
		}
	}
	for _, m := range meters {
		var conn diagnose.Connector
		if m.target.Kind == "tcp" {
			conn = visit.MeterTCP(m.target.Addr)
		} else {
			p, err := openSerial(m.target.Addr, serial.Mode{Baud: 300, DataBits: 7, Parity: serial.EvenParity})
			if err != nil {
				closeAll()
				return commission.Site{}, nil, err
			}
			ports = append(ports, p)
			conn = visit.MeterOptical(p, m.target.Addr, baud)
		}
		s, err := visit.ConnectMeter(ctx, conn)
		if err != nil {
			closeAll()
			return commission.Site{}, nil, fmt.Errorf("meter %s: %w", m.device, err)
		}
		sessions = append(sessions, s)
		site.Meters[m.device] = s.Client()
	}
	return site, closeAll, nil
}

// queued counts the job's messages in the outbox.
func queued(ctx context.Context, v *visit.Visit, jobID string) (int, error) {
	var n int
	err := v.DB.Reader().QueryRowContext(ctx, `SELECT count(*) FROM outbox_messages WHERE job_id = ?`, jobID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count queued messages: %w", err)
	}
	return n, nil
}

// printSteps prints every step of a run with its state, the service request
// it produced and, for a failed item, the reason and what to try.
func printSteps(w io.Writer, steps []commission.StepStatus) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, s := range steps {
		sr := s.SR
		if sr == "" {
			sr = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", s.State, s.ID, sr, s.Title)
		for _, it := range s.Items {
			switch {
			case it.State == commission.StateFailed && it.JoinCode != 0:
				fmt.Fprintf(tw, "    \t%s\t%s (code %d)\t%s; try: %s\n", it.Item, it.Reason, it.JoinCode, it.Error, it.Hint)
			case it.State == commission.StateFailed:
				fmt.Fprintf(tw, "    \t%s\t%s\t%s; try: %s\n", it.Item, it.Reason, it.Error, it.Hint)
			}
		}
	}
	tw.Flush()
}

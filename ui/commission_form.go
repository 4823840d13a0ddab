package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/visit"
)

// question is one answer a flow step can require, keyed as the flow names
// it (a DUIS field name, or the engine's own WAN and ReturnKind), asked in
// field words.
type question struct {
	key     string
	short   string // a heading: "Hub location"
	ask     string // the question
	choices []choice
}

// choice is one answer of a known value set: what the engineer reads and
// what the engine stores.
type choice struct{ label, value string }

// yesNo is a DUIS boolean.
var yesNo = []choice{{"Yes", "true"}, {"No", "false"}}

// questions are the answers the built-in flows require (flows.json), with
// the value sets of the DUIS XSD types (DOMAIN.md §3, 8.14.1–8.14.4).
var questions = map[string]question{
	"CHFConnectionMethod": {short: "Hub connection", ask: "How is the hub fitted to the electricity meter?",
		choices: []choice{{"Hot-shoe", "Hot-shoe"}, {"Cradle", "Cradle"}, {"Cabled to the meter (ESME-connected)", "ESME"}}},
	"CHFLocation": {short: "Hub location", ask: "Where is the hub?",
		choices: []choice{{"Outside the premises", "Outside Premises"}, {"Indoors, on an external wall", "Indoors on external wall"},
			{"Deep indoors", "Deep indoors"}, {"Basement or cellar", "Basement or Cellar"}}},
	"AerialInstall": {short: "Aerial", ask: "Was an external aerial fitted to the hub?", choices: yesNo},
	"PremiseType": {short: "Premise type", ask: "What kind of building is it?",
		choices: []choice{{"Detached or semi-detached house", "Detached / Semi Detached"}, {"Terraced house", "Terraced"},
			{"Flat, block of 5 floors or fewer", "Low Rise Apartment (MDU <= 5 floors)"},
			{"Flat, block of more than 5 floors", "High Rise Apartment (MDU > 5 floors)"}}},
	"MetalObstructionCheck": {short: "Metal obstruction check",
		ask: "Is there metal around the hub (metal meter box or cupboard, cladding, foil-backed boards)?", choices: yesNo},
	"ConnectivityObstructionCheck": {short: "Connectivity obstruction check",
		ask: "Does anything else block the signal at the hub (thick walls, below ground level)?", choices: yesNo},
	"SharedObstructionCheck": {short: "Shared obstruction check",
		ask: "Is the hub in a shared or communal meter room, or behind a shared structure?", choices: yesNo},
	"WAN": {short: "WAN", ask: "Does the hub show it is connected to the SM WAN?",
		choices: []choice{{"Yes, connected", "yes"}, {"No WAN: install and leave", "no"}}},
	"ReturnKind": {short: "Return kind", ask: "Why is the old hub coming out?",
		choices: []choice{{"It is faulty", "fault"}, {"It is not faulty", "no-fault"}}},
	"CHFFaultReturnType": {short: "Fault return type", ask: "When was the fault found?",
		choices: []choice{{"Before it was installed", "Fault identified prior to installation"},
			{"After it was installed", "Fault identified post installation"}}},
	"CHFFaultReason": {short: "Fault reason", ask: "What is wrong with the old hub?",
		choices: []choice{{"Damaged case", "Damaged case"}, {"Damaged connector", "Damaged Connector"},
			{"Interference or missing seals", "Illegal interference or missing seals"},
			{"Environmental conditions exceeded", "Environmental conditions exceeded"}, {"SM WAN fault", "SM WAN Fault"},
			{"HAN interface fault", "SMHAN Interface Fault"}, {"LED fault", "LED Fault"}, {"Aerial fault", "Aerial fault"},
			{"Manufacturing defect", "Manufacturing defect"}}},
	"CHFNoFaultReturnType": {short: "No-fault return type", ask: "Why is a working hub being returned?",
		choices: []choice{{"General", "No Fault Return (general)"}, {"Non-domestic opt out", "No Fault Return (non-dom opt out)"},
			{"Dual supplier HAN variant replacement", "No Fault Return (dual supplier HAN variant replacement)"},
			{"WAN variant replacement asked by the DCC", "No Fault Return (SM WAN variant replacement requested by DCC)"},
			{"Lost or stolen hub", "Lost or Stolen Hub"}}},
}

// questionOrder is the order answers are listed in: as an installer
// meets them on site; keys not listed come after, by name.
var questionOrder = []string{"ReturnKind", "CHFFaultReturnType", "CHFFaultReason", "CHFNoFaultReturnType",
	"CHFConnectionMethod", "CHFLocation", "AerialInstall", "WAN", "PremiseType", "MetalObstructionCheck",
	"ConnectivityObstructionCheck", "SharedObstructionCheck"}

// byQuestionOrder compares answer keys by questionOrder.
func byQuestionOrder(a, b string) int {
	i, j := slices.Index(questionOrder, a), slices.Index(questionOrder, b)
	switch {
	case i < 0 && j < 0:
		return strings.Compare(a, b)
	case i < 0:
		return 1
	case j < 0:
		return -1
	}
	return i - j
}

// questionFor returns the question for an answer key; a key the wizard
// does not know is asked as typed text under its own name.
func questionFor(key string) question {
	q, ok := questions[key]
	if !ok {
		q = question{short: key, ask: "Type the answer for " + key + "."}
	}
	q.key = key
	return q
}

// maxRadio is the most choices shown as a radio group; more go in a
// drop-down list.
const maxRadio = 5

// answerField is one question of a form.
type answerField struct {
	q     question
	radio *widget.RadioGroup // a known value set of up to maxRadio
	sel   *widget.Select     // a longer known value set
	entry *widget.Entry      // a typed answer or a register read
	read  *commission.Read   // set for a register read: the read to record
	box   *fyne.Container
}

func newAnswerField(q question) *answerField {
	f := &answerField{q: q}
	var input fyne.CanvasObject
	labels := make([]string, len(q.choices))
	for i, c := range q.choices {
		labels[i] = c.label
	}
	switch {
	case len(q.choices) == 0:
		f.entry = widget.NewEntry()
		input = f.entry
	case len(q.choices) <= maxRadio:
		f.radio = widget.NewRadioGroup(labels, nil)
		f.radio.Horizontal = len(q.choices) == 2
		input = f.radio
	default:
		f.sel = widget.NewSelect(labels, nil)
		f.sel.PlaceHolder = "(choose one)"
		input = f.sel
	}
	ask := widget.NewLabel(q.ask)
	ask.Wrapping = fyne.TextWrapWord
	f.box = container.NewVBox(widget.NewLabelWithStyle(q.short, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), ask, touch(input))
	return f
}

// newReadField asks for a register read of a device (DOMAIN.md §7:
// initial and final reads on an exchange).
func newReadField(dev commission.Device, kind string) *answerField {
	reg, unit := visit.ReadRegister(dev.Type)
	which := map[string]string{"final": "Final read", "initial": "Initial read"}[kind]
	if which == "" {
		which = "Read"
	}
	q := question{key: "read/" + kind + "/" + dev.ID, short: fmt.Sprintf("%s of the %s", which, deviceWords(dev.Type)),
		ask: fmt.Sprintf("Read register %s on %s %s and type the value in %s.", reg, deviceWords(dev.Type), dev.ID, unit)}
	f := newAnswerField(q)
	f.entry.SetPlaceHolder("e.g. 12345.6")
	f.read = &commission.Read{DeviceID: dev.ID, Kind: kind, Register: reg, Unit: unit}
	return f
}

// value is the answer as the engine stores it, or "" when not answered.
func (f *answerField) value() string {
	label := ""
	switch {
	case f.radio != nil:
		label = f.radio.Selected
	case f.sel != nil:
		label = f.sel.Selected
	default:
		return strings.TrimSpace(f.entry.Text)
	}
	for _, c := range f.q.choices {
		if c.label == label {
			return c.value
		}
	}
	return ""
}

// choose selects the choice whose stored value is v (tests; a draft).
func (f *answerField) choose(v string) {
	for _, c := range f.q.choices {
		if c.value == v {
			switch {
			case f.radio != nil:
				f.radio.SetSelected(c.label)
			case f.sel != nil:
				f.sel.SetSelected(c.label)
			}
			return
		}
	}
	if f.entry != nil {
		f.entry.SetText(v)
	}
}

// validRead reports whether v is a register value as read off a display:
// digits with at most one decimal point, at most 20 characters.
func validRead(v string) bool {
	if v == "" || len(v) > 20 || v == "." || strings.Count(v, ".") > 1 {
		return false
	}
	return strings.Trim(v, "0123456789.") == ""
}

// answerForm asks what a stopped step needs.
type answerForm struct {
	step   string // step ID
	fields []*answerField
}

// showForm builds the form for a step that stopped for missing answers
// (keys) or a missing register read (reads).
func (s *CommissionScreen) showForm(step, title string, keys []string, reads []*answerField) {
	form := &answerForm{step: step}
	for _, k := range keys {
		form.fields = append(form.fields, newAnswerField(questionFor(k)))
	}
	form.fields = append(form.fields, reads...)
	s.form = form
	s.keepDrafts(form)
	s.ask.RemoveAll()
	head := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.Wrapping = fyne.TextWrapWord
	s.ask.Add(head)
	for _, f := range form.fields {
		s.ask.Add(f.box)
		s.ask.Add(widget.NewSeparator())
	}
	s.formMsg.Importance = widget.MediumImportance
	s.formMsg.SetText("")
	s.ask.Add(s.formMsg)
	s.ask.Add(touch(s.save))
	s.save.Enable()
	s.askScroll.Show()
	s.steps.Hide()
	s.askScroll.ScrollToTop()
}

// hideForm goes back to the list of steps.
func (s *CommissionScreen) hideForm() {
	s.form = nil
	s.ask.RemoveAll()
	s.askScroll.Hide()
	s.steps.Show()
}

// SaveAnswers stores the form's answers (and reads) in the run and
// continues the install. Unanswered questions are named and nothing is
// saved.
func (s *CommissionScreen) SaveAnswers() {
	if s.form == nil || s.running || s.opts.Engine == nil || s.opts.Plan == nil {
		return
	}
	answers := map[string]string{}
	var reads []commission.Read
	var todo []string
	for _, f := range s.form.fields {
		v := f.value()
		if f.read != nil && v != "" {
			if !validRead(v) {
				todo = append(todo, strings.ToLower(f.q.short)+" (a number, like 12345.6)")
				continue
			}
		}
		switch {
		case v == "":
			todo = append(todo, strings.ToLower(f.q.short))
		case f.read != nil:
			rd := *f.read
			rd.Value = v
			reads = append(reads, rd)
		default:
			answers[f.q.key] = v
		}
	}
	if len(todo) > 0 {
		s.formMsg.Importance = widget.DangerImportance
		s.formMsg.SetText("Still to answer: " + strings.Join(todo, ", ") + ".")
		return
	}
	s.running = true
	s.save.Disable()
	s.run.Disable()
	s.formMsg.Importance = widget.MediumImportance
	s.formMsg.SetText("Saving…")
	e, job := s.opts.Engine, s.opts.Plan().JobID
	now := s.opts.Now()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var err error
		if len(answers) > 0 {
			err = e.Answer(ctx, job, answers)
		}
		if err == nil && len(reads) > 0 {
			for i := range reads {
				reads[i].At = now
			}
			err = e.AddReads(ctx, job, reads...)
		}
		s.bridge.saved(err)
	}()
}

func (s *CommissionScreen) showSaved(err error) {
	s.running = false
	if err != nil {
		s.save.Enable()
		s.formMsg.Importance = widget.DangerImportance
		s.formMsg.SetText("The answers were not saved: " + FieldWords(err))
		s.run.Enable()
		return
	}
	if s.form != nil {
		s.dropDrafts(s.form)
	}
	s.hideForm()
	s.Start()
}

// answerDraftKey is the preference holding an answer chosen but not saved.
func answerDraftKey(job, key string) string { return "draft.commission." + job + "." + key }

// keepDrafts fills the form with what was chosen before a close, and from
// then on keeps each change. Enter in a typed answer saves the form.
func (s *CommissionScreen) keepDrafts(form *answerForm) {
	job := s.opts.Plan().JobID
	for _, f := range form.fields {
		key := answerDraftKey(job, f.q.key)
		if s.opts.Drafts != nil {
			if v := s.opts.Drafts.String(key); v != "" {
				f.choose(v)
			}
		}
		keep := func(string) {
			if s.opts.Drafts == nil {
				return
			}
			if v := f.value(); v != "" {
				s.opts.Drafts.SetString(key, v)
			} else {
				s.opts.Drafts.RemoveValue(key)
			}
		}
		switch {
		case f.radio != nil:
			f.radio.OnChanged = keep
		case f.sel != nil:
			f.sel.OnChanged = keep
		default:
			f.entry.OnChanged = keep
			f.entry.OnSubmitted = func(string) { s.SaveAnswers() }
		}
	}
}

// dropDrafts forgets a form's drafts once its answers are stored.
func (s *CommissionScreen) dropDrafts(form *answerForm) {
	if s.opts.Drafts == nil {
		return
	}
	job := s.opts.Plan().JobID
	for _, f := range form.fields {
		s.opts.Drafts.RemoveValue(answerDraftKey(job, f.q.key))
	}
}

// askFor shows the form a stopped run needs, if any: the questions a step
// lacks, or a register read. st is the stored run; se, when the run has
// just stopped, is the engine's error. Either way the questions are the
// engine's: StepError.Missing, or for a stored run (after a restart)
// ItemStatus.Missing, which the engine keeps with the step and trims of
// answers saved since, for custom flows too.
func (s *CommissionScreen) askFor(st *commission.RunStatus, se *commission.StepError) {
	step, item, ok := failedItem(st)
	if se != nil {
		if !ok || step.ID != se.Step {
			step = commission.StepStatus{ID: se.Step, Title: se.Step}
		}
		item = commission.ItemStatus{Item: se.Item, Reason: se.Reason}
		ok = true
	}
	if !ok {
		s.hideForm()
		return
	}
	if s.form != nil && s.form.step == step.ID {
		return // already asking
	}
	flow := ""
	if st != nil {
		flow = st.Flow
	}
	switch item.Reason {
	case commission.ReasonMissingAnswer:
		missing := item.Missing
		if se != nil {
			missing = se.Missing
		}
		if len(missing) == 0 {
			s.hideForm()
			return
		}
		s.showForm(step.ID, "To carry on with “"+step.Title+"”, answer these:", missing, nil)
	case commission.ReasonMissingRead:
		dev := commission.Device{ID: item.Item}
		for _, d := range s.opts.Plan().Devices {
			if d.ID == item.Item {
				dev = d
			}
		}
		kind := "final"
		if def, ok := flowStep(flow, step.ID); ok && def.Fields["ReadKind"] != "" {
			kind = def.Fields["ReadKind"]
		}
		s.showForm(step.ID, "To carry on with “"+step.Title+"”, record this read:", nil, []*answerField{newReadField(dev, kind)})
	default:
		s.hideForm()
	}
}

// flowStep finds a step of a built-in flow.
func flowStep(flow, step string) (commission.StepDef, bool) {
	fs, err := commission.Flows()
	if err != nil {
		return commission.StepDef{}, false
	}
	i := slices.IndexFunc(fs[flow], func(d commission.StepDef) bool { return d.ID == step })
	if i < 0 {
		return commission.StepDef{}, false
	}
	return fs[flow][i], true
}

// failedItem is the step and item a run stopped at.
func failedItem(st *commission.RunStatus) (commission.StepStatus, commission.ItemStatus, bool) {
	if st == nil || st.Status != commission.StateFailed {
		return commission.StepStatus{}, commission.ItemStatus{}, false
	}
	for _, step := range st.Steps {
		if step.State != commission.StateFailed {
			continue
		}
		for _, it := range step.Items {
			if it.State == commission.StateFailed {
				return step, it, true
			}
		}
	}
	return commission.StepStatus{}, commission.ItemStatus{}, false
}

// saveButton is the form's button.
func newSaveButton(save func()) *widget.Button {
	b := widget.NewButtonWithIcon("Save and continue", theme.ConfirmIcon(), save)
	b.Importance = widget.HighImportance
	return b
}

package diagnose

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/go-pdf/fpdf"
)

// maxReportEvents caps the event rows printed per log (the newest are
// kept; the bundle and the CSV hold them all).
const maxReportEvents = 40

// WritePDF renders the bundle as a report for the customer or the back
// office: job and device, the readout summary (identity, clock, registers,
// disconnect state, findings), a chart of the first load profile, the
// event logs with corrupted entries in red, the hub's device log and WAN,
// and the evidence hash with the result of verifying the chain. A bundle
// whose chain is broken is still rendered, headed in red as not verified.
func WritePDF(w io.Writer, b *Bundle) error {
	h, err := b.Header()
	if err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	r, err := b.Readout()
	if err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	if r == nil {
		r = &Readout{}
	}
	verr := b.Verify()

	pdf := fpdf.New("P", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252 for the core fonts
	pdf.SetTitle("smetskit diagnostic report "+h.ID, true)
	pdf.SetProducer("smetskit", true)
	stamp := h.FinishedAt
	if stamp.IsZero() {
		stamp = time.Unix(0, 0)
	}
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.AliasNbPages("")
	head := b.Head()
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("Helvetica", "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, "evidence "+head+"   page "+strconv.Itoa(pdf.PageNo())+"/{nb}", "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	title := func(s string) {
		pdf.Ln(3)
		pdf.SetFont("Helvetica", "B", 12)
		pdf.SetTextColor(0, 0, 0)
		pdf.CellFormat(0, 7, tr(s), "B", 1, "L", false, 0, "")
		pdf.Ln(1)
	}
	kv := func(k, v string) {
		if v == "" {
			return
		}
		pdf.SetFont("Helvetica", "B", 9)
		pdf.CellFormat(45, 5, tr(k), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		pdf.MultiCell(0, 5, tr(v), "", "L", false)
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	}

	pdf.SetFont("Helvetica", "B", 16)
	pdf.CellFormat(0, 9, "smetskit diagnostic report", "", 1, "L", false, 0, "")
	if verr != nil {
		pdf.SetTextColor(200, 0, 0)
		pdf.SetFont("Helvetica", "B", 11)
		pdf.MultiCell(0, 6, tr("EVIDENCE NOT VERIFIED: "+verr.Error()), "", "L", false)
		pdf.SetTextColor(0, 0, 0)
	}
	kv("Job", h.JobID)
	kv("Engineer", h.Engineer)
	kv("Bundle", h.ID)
	kv("Started", ts(h.StartedAt))
	kv("Finished", ts(h.FinishedAt))
	if p := h.Params; p != nil {
		kv("Connection", p["transport"]+" "+p["address"]+p["port"])
	}

	if d := r.Device; d != nil {
		title("Device")
		kv("Kind", d.Kind)
		kv("Device ID", d.DeviceID)
		kv("GPF ID", d.GPFID)
		kv("Serial", d.Serial)
		kv("Logical device name", d.LogicalDeviceName)
		kv("Firmware", d.Firmware)
		kv("Comms firmware", d.CommFirmware)
	}
	if c := r.Clock; c != nil {
		title("Clock")
		kv("Device", ts(c.Device)+"   (as sent: "+c.DeviceRaw+")")
		kv("Laptop", ts(c.Laptop))
		kv("Drift", fmt.Sprintf("%+.1f s (device minus laptop)", c.Drift.Seconds()))
		switch {
		case c.ReferenceSource != "":
			kv("Drift vs "+c.ReferenceSource, fmt.Sprintf("%+.1f s", c.ReferenceDrift.Seconds()))
		case c.ReferenceProblem != "":
			kv("Reference", "the laptop clock only ("+c.ReferenceProblem+")")
		}
	}
	if d := r.Disconnect; d != nil {
		title("Supply")
		state := "connected"
		if !d.OutputState {
			state = "disconnected"
		}
		kv("Output", state+" (control state "+d.ControlState+", mode "+strconv.Itoa(int(d.ControlMode))+")")
	}
	if len(r.Problems) > 0 {
		title("Findings")
		pdf.SetFont("Helvetica", "", 9)
		pdf.SetTextColor(200, 0, 0)
		for _, p := range r.Problems {
			pdf.MultiCell(0, 5, tr("- "+string(p.Section)+": "+p.Text), "", "L", false)
		}
		pdf.SetTextColor(0, 0, 0)
	}
	if len(r.Registers) > 0 {
		title("Registers")
		grid(pdf, tr, []float64{35, 95, 50}, []string{"OBIS", "Name", "Value"}, func(row func(red bool, cells ...string)) {
			for _, v := range r.Registers {
				row(false, v.OBIS.String(), v.Name, v.Text)
			}
		})
	}
	for _, p := range r.Profiles {
		if pdf.GetY() > 190 { // keep the heading with its chart
			pdf.AddPage()
		}
		title(fmt.Sprintf("Profile %s (%s), %d entries", p.OBIS, p.Name, len(p.Rows)))
		chart(pdf, tr, p)
	}
	for _, l := range r.Events {
		title(fmt.Sprintf("Events %s (%s): %d entries, %d corrupted", l.OBIS, l.Name, len(l.Entries), l.Corrupted))
		entries := l.Entries
		if len(entries) > maxReportEvents {
			pdf.SetFont("Helvetica", "I", 8)
			pdf.CellFormat(0, 5, fmt.Sprintf("newest %d shown; the bundle holds all", maxReportEvents), "", 1, "L", false, 0, "")
			entries = entries[len(entries)-maxReportEvents:]
		}
		grid(pdf, tr, []float64{42, 16, 70, 52}, []string{"Time", "Code", "Event", "Problem"}, func(row func(red bool, cells ...string)) {
			for _, e := range entries {
				t := ts(e.Time)
				if t == "" || e.Corrupt {
					t = e.RawTime
				}
				row(e.Corrupt, t, strconv.Itoa(int(e.Code)), e.Name, e.Problem)
			}
		})
	}
	if l := r.HubLog; l != nil {
		title(fmt.Sprintf("Hub device log: %d of %d entries", len(l.Entries), l.Capacity))
		grid(pdf, tr, []float64{50, 40, 25, 65}, []string{"Device ID", "Status", "RSSI dBm", "Last seen"}, func(row func(red bool, cells ...string)) {
			for _, e := range l.Entries {
				row(l.Full, e.DeviceID, e.Status, strconv.Itoa(e.RSSI), ts(e.LastSeen))
			}
		})
	}
	if wd := r.WAN; wd != nil {
		title("WAN")
		kv("Operator", wd.Operator)
		kv("Registration", wd.Registration)
		kv("Packet switched", wd.PacketSwitch)
		kv("Cell", fmt.Sprintf("%d (LAC %d, MCC %d, MNC %d)", wd.CellID, wd.LAC, wd.MCC, wd.MNC))
		if wd.SignalKnown {
			kv("Signal", strconv.Itoa(wd.SignalDBm)+" dBm")
		} else {
			kv("Signal", "unknown")
		}
	}

	title("Evidence")
	kv("Entries", strconv.Itoa(len(b.Entries)))
	kv("Evidence hash", head)
	if verr != nil {
		pdf.SetTextColor(200, 0, 0)
		kv("Chain", "BROKEN: "+verr.Error())
		pdf.SetTextColor(0, 0, 0)
	} else {
		kv("Chain", "verified (SHA-256 hash chain over header, readout, trace and operations)")
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// grid prints a table with a header row; red rows print in red.
func grid(pdf *fpdf.Fpdf, tr func(string) string, widths []float64, head []string, body func(row func(red bool, cells ...string))) {
	pdf.SetFont("Helvetica", "B", 8)
	pdf.SetFillColor(230, 230, 230)
	for i, h := range head {
		pdf.CellFormat(widths[i], 5, tr(h), "1", 0, "L", true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 8)
	body(func(red bool, cells ...string) {
		if red {
			pdf.SetTextColor(200, 0, 0)
		}
		for i := range widths {
			s := ""
			if i < len(cells) {
				s = fit(pdf, tr(cells[i]), widths[i]-2)
			}
			pdf.CellFormat(widths[i], 5, s, "1", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetTextColor(0, 0, 0)
	})
}

// fit shortens s with "..." until it fits in w.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	for len(s) > 0 && pdf.GetStringWidth(s+"...") > w {
		s = s[:len(s)-1]
	}
	return s + "..."
}

// chart draws the first numeric column of a profile (after the clock and
// status columns) against time, with its range and unit.
func chart(pdf *fpdf.Fpdf, tr func(string) string, p ProfileReading) {
	col := -1
	for j := range p.Columns {
		if p.Units[j] == "" {
			continue // clock, status: no unit
		}
		for _, r := range p.Rows {
			if j < len(r.Numeric) && r.Numeric[j] {
				col = j
				break
			}
		}
		if col >= 0 {
			break
		}
	}
	pdf.SetFont("Helvetica", "", 8)
	if col < 0 || len(p.Rows) < 2 {
		pdf.CellFormat(0, 5, "no numeric column to chart", "", 1, "L", false, 0, "")
		return
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	var t0, t1 time.Time
	for _, r := range p.Rows {
		if col >= len(r.Numeric) || !r.Numeric[col] || r.Time.IsZero() {
			continue
		}
		lo, hi = math.Min(lo, r.Values[col]), math.Max(hi, r.Values[col])
		if t0.IsZero() || r.Time.Before(t0) {
			t0 = r.Time
		}
		if r.Time.After(t1) {
			t1 = r.Time
		}
	}
	if math.IsInf(lo, 0) || !t1.After(t0) {
		pdf.CellFormat(0, 5, "no timed values to chart", "", 1, "L", false, 0, "")
		return
	}
	if hi == lo {
		hi = lo + 1
	}
	x0, y0, w, h := 30.0, pdf.GetY()+2, 165.0, 55.0
	pdf.SetDrawColor(0, 0, 0)
	pdf.Rect(x0, y0, w, h, "D")
	pdf.SetDrawColor(20, 80, 180)
	pdf.SetLineWidth(0.3)
	var px, py float64
	first := true
	for _, r := range p.Rows {
		if col >= len(r.Numeric) || !r.Numeric[col] || r.Time.IsZero() {
			continue
		}
		x := x0 + w*float64(r.Time.Sub(t0))/float64(t1.Sub(t0))
		y := y0 + h - h*(r.Values[col]-lo)/(hi-lo)
		if !first {
			pdf.Line(px, py, x, y)
		}
		px, py, first = x, y, false
	}
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(0, 0, 0)
	label := func(x, y float64, s, align string) {
		pdf.SetXY(x, y)
		pdf.CellFormat(24, 4, tr(s), "", 0, align, false, 0, "")
	}
	unit := p.Units[col]
	label(x0-25, y0-1, strconv.FormatFloat(hi, 'f', 1, 64)+" "+unit, "R")
	label(x0-25, y0+h-3, strconv.FormatFloat(lo, 'f', 1, 64)+" "+unit, "R")
	label(x0, y0+h+1, t0.UTC().Format("02 Jan 15:04"), "L")
	label(x0+w-24, y0+h+1, t1.UTC().Format("02 Jan 15:04"), "R")
	pdf.SetXY(x0, y0+h+5)
	pdf.CellFormat(w, 4, tr(p.Columns[col]+" ["+unit+"]"), "", 1, "C", false, 0, "")
	pdf.Ln(2)
}

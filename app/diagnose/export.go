package diagnose

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteJSON writes the readout as indented JSON.
func WriteJSON(w io.Writer, r *Readout) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// table is one section of a readout as rows of text: the shape both CSV
// and the terminal table use.
func table(r *Readout, sec Section) ([]string, [][]string, error) {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	switch sec {
	case SectionIdentity:
		if r.Device == nil {
			return nil, nil, nil
		}
		d := r.Device
		return []string{"field", "value"}, [][]string{{"kind", d.Kind}, {"logical_device_name", d.LogicalDeviceName},
			{"serial", d.Serial}, {"device_id", d.DeviceID}, {"gpf_id", d.GPFID}, {"firmware", d.Firmware},
			{"comm_firmware", d.CommFirmware}}, nil
	case SectionClock:
		if r.Clock == nil {
			return nil, nil, nil
		}
		c := r.Clock
		rows := [][]string{{"device_raw", c.DeviceRaw}, {"device_utc", ts(c.Device)}, {"status", fmt.Sprintf("0x%02X", c.Status)},
			{"laptop_utc", ts(c.Laptop)}, {"drift_s", strconv.FormatFloat(c.Drift.Seconds(), 'f', 1, 64)}}
		switch {
		case c.ReferenceSource != "":
			rows = append(rows, []string{"reference_source", c.ReferenceSource}, []string{"reference_utc", ts(c.Reference)},
				[]string{"reference_drift_s", strconv.FormatFloat(c.ReferenceDrift.Seconds(), 'f', 1, 64)})
		case c.ReferenceProblem != "":
			rows = append(rows, []string{"reference_source", "laptop"}, []string{"reference_problem", c.ReferenceProblem})
		}
		return []string{"field", "value"}, rows, nil
	case SectionRegisters:
		var rows [][]string
		for _, v := range r.Registers {
			rows = append(rows, []string{v.OBIS.String(), v.Name, strconv.FormatFloat(v.Value, 'g', -1, 64), v.Unit,
				strconv.FormatBool(v.Instantaneous)})
		}
		return []string{"obis", "name", "value", "unit", "instantaneous"}, rows, nil
	case SectionDisconnect:
		if r.Disconnect == nil {
			return nil, nil, nil
		}
		d := r.Disconnect
		return []string{"obis", "output_state", "control_state", "control_mode"},
			[][]string{{d.OBIS.String(), strconv.FormatBool(d.OutputState), d.ControlState, strconv.Itoa(int(d.ControlMode))}}, nil
	case SectionProfile:
		head := []string{"profile", "time"}
		width := 0
		for _, p := range r.Profiles {
			width = max(width, len(p.Columns))
		}
		for i := 0; i < width; i++ {
			head = append(head, fmt.Sprintf("column_%d", i+1))
		}
		var rows [][]string
		for _, p := range r.Profiles {
			hdr := []string{p.OBIS.String(), "heading"}
			for i, c := range p.Columns {
				if p.Units[i] != "" {
					c += " [" + p.Units[i] + "]"
				}
				hdr = append(hdr, c)
			}
			rows = append(rows, pad(hdr, len(head)))
			for _, row := range p.Rows {
				rows = append(rows, pad(append([]string{p.OBIS.String(), ts(row.Time)}, row.Cells...), len(head)))
			}
		}
		return head, rows, nil
	case SectionEvents:
		var rows [][]string
		for _, l := range r.Events {
			for _, e := range l.Entries {
				rows = append(rows, []string{l.OBIS.String(), ts(e.Time), e.RawTime, strconv.Itoa(int(e.Code)), e.Name,
					strconv.FormatBool(e.Corrupt), e.Problem})
			}
		}
		return []string{"log", "time", "raw_time", "code", "name", "corrupt", "problem"}, rows, nil
	case SectionHubLog:
		if r.HubLog == nil {
			return nil, nil, nil
		}
		var rows [][]string
		for _, e := range r.HubLog.Entries {
			rows = append(rows, []string{e.DeviceID, e.Status, strconv.Itoa(e.RSSI), ts(e.LastSeen),
				strconv.FormatUint(e.Successes, 10), strconv.FormatUint(e.Failures, 10)})
		}
		return []string{"device_id", "status", "rssi_dbm", "last_seen", "successes", "failures"}, rows, nil
	case SectionWAN:
		if r.WAN == nil {
			return nil, nil, nil
		}
		w := r.WAN
		sig := "unknown"
		if w.SignalKnown {
			sig = strconv.Itoa(w.SignalDBm)
		}
		return []string{"field", "value"}, [][]string{{"operator", w.Operator}, {"registration", w.Registration},
			{"packet_switched", w.PacketSwitch}, {"cell_id", strconv.FormatUint(uint64(w.CellID), 10)},
			{"lac", strconv.Itoa(int(w.LAC))}, {"mcc", strconv.Itoa(int(w.MCC))}, {"mnc", strconv.Itoa(int(w.MNC))},
			{"signal_dbm", sig}}, nil
	case SectionObjects:
		var rows [][]string
		for _, o := range r.Objects {
			rows = append(rows, []string{strconv.Itoa(int(o.Class)), o.Class.String(), strconv.Itoa(int(o.Version)), o.OBIS.String(), o.Name})
		}
		return []string{"class", "class_name", "version", "obis", "name"}, rows, nil
	}
	return nil, nil, &UnknownSectionError{Name: string(sec)}
}

func pad(row []string, n int) []string {
	for len(row) < n {
		row = append(row, "")
	}
	return row
}

// WriteCSV writes one section of the readout as CSV with a header line
// (RFC 4180; times in RFC 3339 UTC). A section that was not read writes
// nothing.
func WriteCSV(w io.Writer, r *Readout, sec Section) error {
	head, rows, err := table(r, sec)
	if err != nil || head == nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(head)
	_ = cw.WriteAll(rows) // WriteAll flushes
	return cw.Error()
}

// WriteTable writes one section as an aligned text table for a terminal,
// under a title line. A section that was not read writes nothing.
func WriteTable(w io.Writer, r *Readout, sec Section) error {
	head, rows, err := table(r, sec)
	if err != nil || head == nil {
		return err
	}
	fmt.Fprintf(w, "== %s ==\n", sec)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(head, "\t")))
	for _, row := range rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return nil
}

// WriteProblems lists the readout's problems, one a line.
func WriteProblems(w io.Writer, r *Readout) {
	for _, p := range r.Problems {
		fmt.Fprintf(w, "! %s: %s\n", p.Section, p.Text)
	}
}

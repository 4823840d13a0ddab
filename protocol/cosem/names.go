package cosem

import (
	"strconv"
	"strings"
)

// obisNames maps OBIS patterns to names. A pattern is dotted; "*" matches any
// value of that group and may be used in the name as {B}, {E} or {F}.
// Exact patterns are tried before wildcard ones, in table order. Sources:
// IEC 62056-6-1 / Blue Book object lists as summarised in PROTOCOLS.md §7;
// entries marked "(unverified)" come from general knowledge of the lists.
var obisNames = []struct{ pattern, name string }{
	// abstract objects (A = 0)
	{"0.0.1.0.0.255", "Clock"},
	{"0.0.42.0.0.255", "COSEM logical device name"},
	{"0.0.40.0.0.255", "Current association (Association LN)"},
	{"0.0.40.0.*.255", "Association LN {E}"},
	{"0.0.41.0.0.255", "SAP assignment"},
	{"0.0.43.0.*.255", "Security setup {E}"},
	{"0.0.43.1.*.255", "Invocation counter {E}"},
	{"0.0.44.0.*.255", "Image transfer {E}"},
	{"0.0.10.0.0.255", "Global meter reset script table"},
	{"0.0.10.0.1.255", "MDI reset / end of billing period script table"},
	{"0.0.10.0.100.255", "Tariffication script table"},
	{"0.0.10.0.106.255", "Disconnect control script table"},
	{"0.0.10.0.107.255", "Image activation script table"},
	{"0.0.10.0.*.255", "Script table {E}"},
	{"0.0.11.0.0.255", "Special days table"},
	{"0.0.13.0.0.255", "Activity calendar"},
	{"0.0.15.0.0.255", "End of billing period single action schedule"},
	{"0.0.15.0.2.255", "Image activation single action schedule"},
	{"0.0.15.0.*.255", "Single action schedule {E}"},
	{"0.0.16.0.*.255", "Register monitor {E}"},
	{"0.0.17.0.*.255", "Limiter {E}"},
	{"0.0.20.0.0.255", "IEC optical port setup"},
	{"0.0.20.0.1.255", "IEC electrical port setup"},
	{"0.0.22.0.0.255", "IEC HDLC setup"},
	{"0.0.25.6.0.255", "GSM diagnostic"},
	{"0.*.25.11.0.255", "LTE monitoring (unverified)"},
	{"0.*.30.3.*.255", "ZigBee network control (unverified)"},
	{"0.0.0.1.0.255", "Billing period counter"},
	{"0.0.0.1.2.255", "Time stamp of the billing period"},
	{"0.0.0.9.1.255", "Local time"},
	{"0.0.0.9.2.255", "Local date"},
	{"0.0.21.0.0.255", "General local port readout"},
	{"0.0.21.0.1.255", "General display readout"},
	{"0.0.96.1.0.255", "Meter serial number (device ID 1)"},
	{"0.0.96.1.*.255", "Device ID {E}"},
	{"0.0.96.3.10.255", "Disconnect control"},
	{"0.0.96.5.0.255", "Internal operating status"},
	{"0.0.96.10.*.255", "Status register {E}"},
	{"0.0.96.11.0.255", "Event code (standard event log)"},
	{"0.0.96.11.*.255", "Event code {E}"},
	{"0.0.96.14.0.255", "Currently active tariff"},
	{"0.0.99.98.0.255", "Standard event log"},
	{"0.0.99.98.*.255", "Event log {E}"},
	{"0.*.24.2.1.255", "M-Bus channel {B} value (DSMR gas reading)"},

	// electricity (A = 1)
	{"1.0.0.2.0.255", "Active firmware identifier"},
	{"1.0.0.2.8.255", "Active firmware signature"},
	{"1.0.1.8.0.255", "Active energy import (+A), total"},
	{"1.0.1.8.*.255", "Active energy import (+A), rate {E}"},
	{"1.0.2.8.0.255", "Active energy export (−A), total"},
	{"1.0.2.8.*.255", "Active energy export (−A), rate {E}"},
	{"1.0.3.8.0.255", "Reactive energy import (+R), total"},
	{"1.0.3.8.*.255", "Reactive energy import (+R), rate {E}"},
	{"1.0.4.8.0.255", "Reactive energy export (−R), total"},
	{"1.0.4.8.*.255", "Reactive energy export (−R), rate {E}"},
	{"1.0.5.8.0.255", "Reactive energy QI"},
	{"1.0.6.8.0.255", "Reactive energy QII"},
	{"1.0.7.8.0.255", "Reactive energy QIII"},
	{"1.0.8.8.0.255", "Reactive energy QIV"},
	{"1.0.9.8.0.255", "Apparent energy import (+VA)"},
	{"1.0.10.8.0.255", "Apparent energy export (−VA)"},
	{"1.0.15.8.0.255", "Absolute active energy (|+A|+|−A|)"},
	{"1.0.1.8.*.*", "Active energy import (+A), rate {E}, billing period {F}"},
	{"1.0.2.8.*.*", "Active energy export (−A), rate {E}, billing period {F}"},
	{"1.0.1.7.0.255", "Active power import (+P), instantaneous"},
	{"1.0.2.7.0.255", "Active power export (−P), instantaneous"},
	{"1.0.3.7.0.255", "Reactive power import (+Q), instantaneous"},
	{"1.0.4.7.0.255", "Reactive power export (−Q), instantaneous"},
	{"1.0.9.7.0.255", "Apparent power import (+S), instantaneous"},
	{"1.0.1.4.0.255", "Active power import, current average demand"},
	{"1.0.1.6.*.255", "Active power import, maximum demand, rate {E}"},
	{"1.0.11.7.0.255", "Current, any phase"},
	{"1.0.12.7.0.255", "Voltage, any phase"},
	{"1.0.13.7.0.255", "Power factor"},
	{"1.0.14.7.0.255", "Supply frequency"},
	{"1.0.21.7.0.255", "Active power import L1"},
	{"1.0.41.7.0.255", "Active power import L2"},
	{"1.0.61.7.0.255", "Active power import L3"},
	{"1.0.31.7.0.255", "Current L1"},
	{"1.0.51.7.0.255", "Current L2"},
	{"1.0.71.7.0.255", "Current L3"},
	{"1.0.91.7.0.255", "Current, neutral"},
	{"1.0.32.7.0.255", "Voltage L1"},
	{"1.0.52.7.0.255", "Voltage L2"},
	{"1.0.72.7.0.255", "Voltage L3"},
	{"1.0.33.7.0.255", "Power factor L1"},
	{"1.0.53.7.0.255", "Power factor L2"},
	{"1.0.73.7.0.255", "Power factor L3"},
	{"1.0.32.32.0.255", "Number of voltage sags L1"},
	{"1.0.32.36.0.255", "Number of voltage swells L1"},
	{"1.0.99.1.0.255", "Load profile 1"},
	{"1.0.99.2.0.255", "Load profile 2"},
	{"1.0.99.1.*.255", "Load profile {E}"},
	{"1.0.98.1.0.255", "Data of billing period (billing profile)"},
	{"1.0.99.97.0.255", "Power failure event log"},

	// gas (A = 7)
	{"7.0.3.0.0.255", "Gas volume, meter reading"},
	{"7.0.3.1.0.255", "Gas volume, temperature corrected (unverified)"},
	{"7.0.99.99.0.255", "Gas load profile (unverified)"},
}

type namePattern struct {
	val  [6]byte
	any  [6]bool
	name string
}

var exactNames map[OBIS]string
var wildNames []namePattern

func init() {
	exactNames = make(map[OBIS]string, len(obisNames))
	for _, e := range obisNames {
		groups := strings.Split(e.pattern, ".")
		if len(groups) != 6 {
			panic("cosem: bad OBIS name pattern " + e.pattern)
		}
		var p namePattern
		wild := false
		for i, g := range groups {
			if g == "*" {
				p.any[i], wild = true, true
				continue
			}
			v, err := strconv.ParseUint(g, 10, 8)
			if err != nil {
				panic("cosem: bad OBIS name pattern " + e.pattern)
			}
			p.val[i] = byte(v)
		}
		p.name = e.name
		if wild {
			wildNames = append(wildNames, p)
		} else {
			exactNames[OBIS(p.val)] = e.name
		}
	}
}

// LookupName returns the name of a known OBIS code, or "" and false.
// Wildcard entries fill in the group they leave open: 1-0:1.8.2*255 is
// "Active energy import (+A), rate 2".
func LookupName(o OBIS) (string, bool) {
	if n, ok := exactNames[o]; ok {
		return n, true
	}
	for _, p := range wildNames {
		ok := true
		for i := range 6 {
			if !p.any[i] && p.val[i] != o[i] {
				ok = false
				break
			}
		}
		if ok {
			return strings.NewReplacer(
				"{B}", strconv.Itoa(int(o[1])),
				"{E}", strconv.Itoa(int(o[4])),
				"{F}", strconv.Itoa(int(o[5])),
			).Replace(p.name), true
		}
	}
	return "", false
}

// Name returns the name of a known OBIS code, or "" when unknown.
func (o OBIS) Name() string {
	n, _ := LookupName(o)
	return n
}

package sim

import (
	"errors"
	"fmt"
	"github.com/smetskit/smetskit/protocol/dlms"
	"sort"
	"strings"
)

// Quirk names one awkward behaviour of real equipment that a simulated
// device can show (PROTOCOLS.md §11, §12; DOMAIN.md §10.3). Quirks combine:
// a device has a set of them.
type Quirk string

// The quirks. Each is switchable by name in scenarios and on the command
// line (smetsctl sim --quirks ignore-baud,ir-echo).
const (
	// QuirkIgnoreBaud: the meter proposes 9600 Bd but stays at 300 Bd
	// after the option select (PROTOCOLS.md §11.2).
	QuirkIgnoreBaud Quirk = "ignore-baud"
	// QuirkInvertedDeviation: date-times carry the deviation with the
	// wrong sign (PROTOCOLS.md §11.4); visible during BST only.
	QuirkInvertedDeviation Quirk = "inverted-deviation"
	// QuirkTrailingBytes: bytes follow the answer: after ETX BCC of a
	// readout, and after the Data of a GET response (PROTOCOLS.md §11.5).
	QuirkTrailingBytes Quirk = "trailing-bytes"
	// QuirkAARENoUserInfo: AAREs that reject carry no user-information
	// (PROTOCOLS.md §11.6), and LLS passwords are checked first.
	QuirkAARENoUserInfo Quirk = "aare-no-user-info"
	// QuirkSlowReaction: 1.5 s reaction time before every IEC 62056-21
	// answer and every DLMS response (the IEC 62056-21 maximum).
	QuirkSlowReaction Quirk = "slow-reaction"
	// QuirkIREcho: the optical head hears itself: every byte the probe
	// sends comes back to it (PROTOCOLS.md §11.1).
	QuirkIREcho Quirk = "ir-echo"
	// QuirkReboot: the meter reboots in the middle of the first HDLC
	// session (after a few requests): silent for 3 s, then back at 300 Bd
	// with the link gone.
	QuirkReboot Quirk = "reboot"
	// QuirkNoWAN: the hub has no WAN: not registered, no operator, no cell.
	QuirkNoWAN Quirk = "no-wan"
	// QuirkFullDeviceLog: the hub's device log is full; adding a device
	// fails and joins answer code 4 (Device Log Full).
	QuirkFullDeviceLog Quirk = "full-device-log"
	// QuirkCorruptEventLog: every seventh standard event log entry has an
	// impossible date and event code 0xFFFF.
	QuirkCorruptEventLog Quirk = "corrupt-event-log"
	// QuirkNoModeE: the meter only does mode C (IEC 62056-21 §6.4.4):
	// its identification carries no enhanced-capability "\2", and an
	// option select asking for mode E (HDLC) gets no answer, the meter
	// waiting for the next sign-on, as a mode C meter ignores an option
	// it does not know (simulator's choice). Readout and programming mode
	// work as usual.
	QuirkNoModeE Quirk = "no-mode-e"
)

// QuirkJoinFail returns the quirk "join-fail-N": the meter fails to join
// the HAN with GBCS join response code n (1 … 13, DOMAIN.md §10.3).
func QuirkJoinFail(code int) Quirk { return Quirk(fmt.Sprintf("join-fail-%d", code)) }

// ErrUnknownQuirk is returned for a quirk name the simulator does not know.
var ErrUnknownQuirk = errors.New("sim: unknown quirk")

var knownQuirks = []Quirk{QuirkIgnoreBaud, QuirkInvertedDeviation, QuirkTrailingBytes, QuirkAARENoUserInfo,
	QuirkSlowReaction, QuirkIREcho, QuirkReboot, QuirkNoWAN, QuirkFullDeviceLog, QuirkCorruptEventLog, QuirkNoModeE}

// AllQuirks lists every quirk name, the join failures as join-fail-1 …
// join-fail-13.
func AllQuirks() []Quirk {
	out := append([]Quirk(nil), knownQuirks...)
	for i := 1; i <= 13; i++ {
		out = append(out, QuirkJoinFail(i))
	}
	return out
}

// Quirks is a set of quirks.
type Quirks map[Quirk]bool

// Has reports whether q is set.
func (s Quirks) Has(q Quirk) bool { return s[q] }

// JoinFailure returns the join failure code set with join-fail-N, or 0.
func (s Quirks) JoinFailure() int {
	for q := range s {
		var n int
		if _, err := fmt.Sscanf(string(q), "join-fail-%d", &n); err == nil && n >= 1 && n <= 13 {
			return n
		}
	}
	return 0
}

// String lists the quirks, sorted, separated by commas.
func (s Quirks) String() string {
	var names []string
	for q, on := range s {
		if on {
			names = append(names, string(q))
		}
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

// ParseQuirks reads a comma-separated list of quirk names.
func ParseQuirks(list string) (Quirks, error) {
	s := Quirks{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !validQuirk(Quirk(name)) {
			return nil, fmt.Errorf("%w %q", ErrUnknownQuirk, name)
		}
		s[Quirk(name)] = true
	}
	return s, nil
}

func validQuirk(q Quirk) bool {
	for _, k := range AllQuirks() {
		if k == q {
			return true
		}
	}
	return false
}

// trailer is what QuirkTrailingBytes appends (the shape of the Gurux
// example server's surplus, PROTOCOLS.md §11.5, re-typed as a fact).
var trailer = []byte{0x09, 0x0F, 0x09, 0x0C, 0x00, 0x00}

// quirkEncode applies the DLMS-level quirks to an encoded attribute value.
func (m *ESME) quirkEncode(attr dlms.AttributeDescriptor, d dlms.Data) dlms.Data {
	if m.cfg.Quirks.Has(QuirkTrailingBytes) && attr.Instance == obisClock && attr.Attribute == 2 {
		return append(d[:len(d):len(d)], trailer...)
	}
	return d
}

package gbcs

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/smetskit/smetskit/internal/conformance"
)

// headerBlock is one "== FILE n bytes" block of gb/gbcs/header-decodes.txt,
// keyed by field name (indentation and the trailing " :" removed).
type headerBlock struct {
	file   string
	size   int
	fields map[string]string
}

func readHeaderDecodes(t testing.TB) []headerBlock {
	t.Helper()
	text := string(conformance.Read(t, "gb/gbcs/header-decodes.txt"))
	var out []headerBlock
	var cur *headerBlock
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "== "); ok {
			f := strings.Fields(rest)
			if len(f) < 2 {
				t.Fatalf("header-decodes: bad block line %q", line)
			}
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatalf("header-decodes: bad size in %q", line)
			}
			out = append(out, headerBlock{file: f[0], size: n, fields: map[string]string{}})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil {
			continue
		}
		k, v, ok := strings.Cut(line, " : ")
		if !ok {
			t.Fatalf("header-decodes: no ' : ' in %q", line)
		}
		cur.fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

// readMessageFile returns the bytes of one gb/gbcs/messages file.
func readMessageFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := DecodeHexText(conformance.Read(t, "gb/gbcs/messages/"+name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// messageFiles lists every .HEX file of gb/gbcs/messages.
func messageFiles(t testing.TB) []string {
	t.Helper()
	dir := filepath.Join(conformance.Dir(t), "gb", "gbcs", "messages")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read messages: %v", err)
	}
	var names []string
	for _, e := range ents {
		if strings.HasSuffix(strings.ToUpper(e.Name()), ".HEX") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

var headerPayloadKinds = map[string]PayloadKind{
	"DLMS ACCESS-Request":      PayloadDLMSAccessRequest,
	"DLMS ACCESS-Response":     PayloadDLMSAccessResponse,
	"DLMS DATA-NOTIFICATION":   PayloadDLMSDataNotification,
	"GBZ (ZigBee ZCL) payload": PayloadGBZ,
	"ASN.1 DER SEQUENCE":       PayloadASN1Sequence,
	"ASN.1 DER INTEGER":        PayloadASN1Integer,
	"ASN.1 DER OCTET STRING":   PayloadASN1OctetString,
	"ASN.1 DER NULL":           PayloadASN1Null,
}

// TestConformanceHeaders decodes every message of gb/gbcs/messages and
// compares the outer header with gb/gbcs/header-decodes.txt, then
// re-encodes it and requires identical bytes.
func TestConformanceHeaders(t *testing.T) {
	blocks := readHeaderDecodes(t)
	files := messageFiles(t)
	if len(blocks) != len(files) {
		t.Errorf("header-decodes has %d blocks, messages/ has %d files", len(blocks), len(files))
	}
	pass := 0
	for _, hb := range blocks {
		t.Run(hb.file, func(t *testing.T) {
			raw := readMessageFile(t, hb.file)
			if len(raw) != hb.size {
				t.Fatalf("size %d, header-decodes says %d", len(raw), hb.size)
			}
			m, err := Parse(raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := headerFields(m)
			for k, want := range hb.fields {
				g, ok := got[k]
				if !ok {
					t.Errorf("field %q: not produced (want %q)", k, want)
					continue
				}
				if g != want {
					t.Errorf("field %q = %q, want %q", k, g, want)
				}
			}
			for k, g := range got {
				if _, ok := hb.fields[k]; !ok {
					t.Errorf("field %q = %q produced but absent from header-decodes", k, g)
				}
			}
			enc, err := m.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary: %v", err)
			}
			if !bytes.Equal(enc, raw) {
				t.Errorf("re-encode differs:\n got %X\nwant %X", enc, raw)
			}
			if !t.Failed() {
				pass++
			}
		})
	}
	t.Logf("%d of %d GBCS messages match header-decodes.txt and round-trip", pass, len(blocks))
}

// headerFields renders m the way header-decodes.txt does.
func headerFields(m *Message) map[string]string {
	f := map[string]string{}
	if m.Kind == FrameGeneralCiphering {
		f["GeneralCiphering(tag DD + 6 empty fields)"] = "dd000000000000"
		f["ciphered-content-len"] = strconv.Itoa(5 + m.signingLen() + 12)
		f["security-header(SC+IC)"] = fmt.Sprintf("%02x%08x", m.SecurityControl, m.InvocationCounter)
		f["MAC(12)"] = hex.EncodeToString(m.MAC)
	} else {
		f["frame"] = "unwrapped General-Signing (no MAC)"
	}
	f["transaction-id len"] = "9"
	f["CRA flag"] = m.CRA.String()
	f["originator counter"] = strconv.FormatUint(m.Counter, 10)
	f["originator system title"] = strings.ToLower(m.Originator.String())
	f["recipient system title"] = strings.ToLower(m.Recipient.String())
	if m.DateTime == nil {
		f["date-time"] = "(absent)"
	} else {
		f["date-time"] = hex.EncodeToString(m.DateTime)
	}
	mc := m.OtherInfo.MessageCode
	name := mc.UseCaseID()
	switch {
	case mc == 0x0004:
		name = "(CCS05/CCS04 in RTDS file name; not in parser tables)"
	case mc >= 0x0100 && mc <= 0x0109:
		name += " " + cs02bVariant(mc.Title())
	}
	f["other-info: message code"] = fmt.Sprintf("0x%04x %s", uint16(mc), name)
	if id := m.OtherInfo.SupplementaryRemotePartyID; id != nil {
		f["supplementary remote party id"] = strings.ToLower(id.String())
	}
	if c := m.OtherInfo.SupplementaryRemotePartyCounter; c != nil {
		f["supplementary remote party counter"] = strconv.FormatUint(*c, 10)
	}
	f["content length"] = strconv.Itoa(len(m.Payload))
	first := m.Payload
	if len(first) > 8 {
		first = first[:8]
	}
	f["payload first bytes"] = hex.EncodeToString(first)
	for k, v := range headerPayloadKinds {
		if v == KindOf(m.Payload) {
			f["payload kind"] = k
		}
	}
	if m.SignatureOmitted {
		f["signature length"] = "(byte absent: pre-command as issued, awaiting signature)"
	} else {
		f["signature length"] = strconv.Itoa(len(m.Signature))
	}
	return f
}

// cs02bVariant extracts "(accessControlBrokerByACB)" from a CS02b title.
func cs02bVariant(title string) string {
	if i := strings.Index(title, "("); i >= 0 {
		return title[i:]
	}
	return ""
}

// TestConformanceMessageCodeTable cross-checks the message-code table with
// gb/duis/gbcs-use-case-mapping-table.json: every use-case identifier in
// the table must be a use case the mapping table knows (or a documented
// sub-variant of one), and every message of gb/gbcs/messages whose use case
// the mapping table knows must decode to a known message code.
func TestConformanceMessageCodeTable(t *testing.T) {
	var rows []struct {
		Code  string `json:"Code"`
		Title string `json:"Use Case Title"`
	}
	if err := json.Unmarshal(conformance.Read(t, "gb/duis/gbcs-use-case-mapping-table.json"), &rows); err != nil {
		t.Fatalf("parse mapping table: %v", err)
	}
	known := map[string]bool{}
	for _, r := range rows {
		known[r.Code] = true
	}
	// Identifiers of the GBCS message-code table that the DUIS mapping
	// table (207 rows) does not list: sub-variants it groups under one row
	// (ECS25a1-3, ECS25b3, ECS25r1-2) and codes of earlier GBCS versions.
	absent := map[string]bool{
		"ECS25a1": true, "ECS25a2": true, "ECS25a3": true, "ECS25b3": true,
		"ECS25r1": true, "ECS25r2": true, "ECS08": true, "GCS24": true,
		"ECS30": true, "ECS46c": true, "ECS47": true, "ECS35f": true,
		"ECS61a": true, "ECS26d": true, "GCS21d": true, "ECS26e": true,
		"ECS26i": true, "GCS21e": true,
	}
	covered := map[string]bool{}
	for _, c := range MessageCodes() {
		id := c.UseCaseID()
		if id == "" {
			continue
		}
		covered[id] = true
		if !known[id] && !absent[id] {
			t.Errorf("message code %v: use case %q not in the mapping table", c, id)
		}
	}
	var missing []string
	for _, r := range rows {
		if !covered[r.Code] {
			missing = append(missing, r.Code)
		}
	}
	t.Logf("mapping-table use cases without a message code in our table (HAN-only or newer than our table): %v", missing)

	for _, name := range messageFiles(t) {
		m, err := Parse(readMessageFile(t, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		uc := strings.SplitN(name, "_", 2)[0]
		mc := m.MessageCode()
		for id := range known {
			if strings.HasPrefix(uc, id) && !mc.Known() {
				t.Errorf("%s: use case %s is in the mapping table but code %v is unknown", name, id, mc)
			}
		}
	}
}

package dlms

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	// PROTOCOLS.md §8.2 worked example: glo-GET-Request, SC 30, Green Book keys.
	in := mustHex(nil, "C8 1E 30 01234567 411312FF935A47566827C467BC 7D825C3BE4A77C3FCC056B6B")
	e, err := Explain(in, ExplainOptions{Keys: testKeys, SystemTitle: serverST})
	if err != nil {
		t.Fatalf("Explain: %v", err)
	}
	if e.Inner == nil || e.Inner.APDU != "GET-Request-Normal" {
		t.Fatalf("Explain = %+v, want a deciphered GET-Request-Normal", e)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"0-0:1.0.0*255"`) {
		t.Errorf("JSON %s lacks the clock OBIS", b)
	}
	// Without a key the outer APDU is still explained.
	e, err = Explain(in, ExplainOptions{})
	if err != nil || e.Inner != nil || e.Error == "" {
		t.Errorf("Explain without key = %+v, %v", e, err)
	}
	// An LLS password is not shown.
	e, err = Explain(apduTable[0].in, ExplainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(e)
	if strings.Contains(string(b), "3132333435363738") {
		t.Errorf("Explain shows the LLS password: %s", b)
	}
	// Trailing bytes are reported (PROTOCOLS.md §11.5).
	e, err = Explain(mustHex(nil, "C4 01 C1 00 06 00001391 0F 09"), ExplainOptions{})
	if err != nil || e.Trailing != "0f09" {
		t.Errorf("Explain(trailing) = %+v, %v", e, err)
	}
}

package field

import (
	"errors"
	"strings"
	"unicode"

	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/client"
)

// RefusalWords turns the reason stored with a message that cannot go (the
// outbox's LastError: "E5: the service's words", a DUIS response code
// alone, or the service's or the client's words) into what a field
// engineer reads: the DUIS meaning of the code (DUIS 5.4 response codes,
// DOMAIN.md §14) first, the raw code kept in brackets, then the service's
// own words.
func RefusalWords(reason string) string {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "The inventory service could not apply it, and gave no reason."
	}
	// The code is the first word, ended by a colon or a space.
	end := strings.IndexAny(reason, ": ")
	if end < 0 {
		end = len(reason)
	}
	code := reason[:end]
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(reason[end:]), ":"))
	rc := duis.ResponseCode(code)
	if !isResponseCode(code) {
		return capitalise(reason)
	}
	out := capitalise(rc.Meaning()) + " (" + code + ")."
	if rest != "" && !strings.EqualFold(rest, rc.Meaning()) {
		out += " The service said: " + rest
	}
	return out
}

// isResponseCode reports whether s has the form of a DUIS response code:
// E, W or I and one to six digits.
func isResponseCode(s string) bool {
	if len(s) < 2 || len(s) > 7 || !strings.ContainsRune("EWI", rune(s[0])) {
		return false
	}
	for _, r := range s[1:] {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

func capitalise(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// SyncWords says what a failed sync round (PullNow's error) means for the
// engineer and what to do, in the terms of client.KindOf.
func SyncWords(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrNoServer):
		return "No inventory server is set: enter the server and your token in Settings. The jobs already here work offline."
	case errors.Is(err, ErrTokenSealed):
		return "The saved token cannot be read with this data folder: paste it again in Settings and restart. The jobs already here work offline."
	case errors.Is(err, ErrClosed):
		return "The app is closing."
	}
	switch client.KindOf(err) {
	case client.KindOffline:
		return "No coverage: the inventory service did not answer. The jobs already here work offline; try again when you have signal."
	case client.KindAuth:
		return "The inventory service refused this computer's sign-in: check the token in Settings, or ask the office for a new one."
	case client.KindServer:
		return "The inventory service is not answering properly; it will be tried again automatically."
	case client.KindRefused:
		return "The inventory service refused the request: this app may need updating."
	case client.KindLocal:
		return "This computer's database could not be read or written: restart the app; nothing saved is lost."
	}
	return "The sync did not finish: " + err.Error()
}

package duis

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Severity grades a validation problem.
type Severity uint8

// Severities: an Error makes the document invalid against the XSD or the
// DUIS rules; a Warning is worth showing but the DCC may accept it (for
// example an MPAN whose check digit does not match).
const (
	SeverityError Severity = iota
	SeverityWarning
)

func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Problem is one validation finding, located by element path such as
// "Request/Body/UpdateHANDeviceLog/AddDeviceToCHFWhitelist/JoinTimePeriod".
type Problem struct {
	Path     string
	Severity Severity
	Message  string
}

func (p Problem) String() string { return p.Severity.String() + ": " + p.Path + ": " + p.Message }

// Problems is the result of Validate, in document order.
type Problems []Problem

func (ps *Problems) add(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Severity: SeverityError, Message: fmt.Sprintf(format, args...)})
}

func (ps *Problems) warn(path, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Severity: SeverityWarning, Message: fmt.Sprintf(format, args...)})
}

// Errors returns only the problems of SeverityError.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == SeverityError {
			out = append(out, p)
		}
	}
	return out
}

// OK reports whether there are no errors (warnings allowed).
func (ps Problems) OK() bool { return len(ps.Errors()) == 0 }

func (ps Problems) String() string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// xsdDateTime is the lexical form of xs:dateTime (XML Schema Part 2 §3.2.7).
var xsdDateTime = regexp.MustCompile(`^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`)

// xsdDate is the lexical form of xs:date (§3.2.9).
var xsdDate = regexp.MustCompile(`^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$`)

func checkDateTime(s string, dateOnly bool) error {
	_, err := parseXSDTime(s, dateOnly)
	return err
}

func parseXSDTime(s string, dateOnly bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	re, what := xsdDateTime, "xs:dateTime"
	if dateOnly {
		re, what = xsdDate, "xs:date"
	}
	if !re.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not an %s", s, what)
	}
	layouts := []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999"}
	if dateOnly {
		layouts = []string{"2006-01-02Z07:00", "2006-01-02"}
	}
	var err error
	for _, l := range layouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a valid %s: %v", s, what, err)
}

package api

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("api: invalid")

// FieldError names the field that failed validation, as a JSON path.
type FieldError struct {
	Field  string // "messages[3].idempotencyKey"
	Reason string
}

func (e *FieldError) Error() string { return "api: invalid " + e.Field + ": " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

var (
	keyPattern  = regexp.MustCompile(`^[A-Za-z0-9._:/#-]+$`)
	kindPattern = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	srvPattern  = regexp.MustCompile(`^[0-9]{1,2}(\.[0-9]{1,2}){1,2}$`)
	// EUI-64 in DUIS text form (DUIS XSD type EUI), any case.
	euiPattern  = regexp.MustCompile(`^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}$`)
	codePattern = regexp.MustCompile(`^[A-Z][0-9]{1,7}$`)
)

func text(field, s string, min, max int) error {
	switch {
	case len(s) < min && min == 1:
		return invalid(field, "required")
	case len(s) < min:
		return invalid(field, "shorter than %d bytes", min)
	case len(s) > max:
		return invalid(field, "longer than %d bytes", max)
	}
	return nil
}

func key(field, s string) error {
	if err := text(field, s, 1, MaxKeyLen); err != nil {
		return err
	}
	if !keyPattern.MatchString(s) {
		return invalid(field, "only letters, digits and . _ : / # - allowed")
	}
	return nil
}

// ValidKey reports whether s may travel as an idempotency key: 1 to
// MaxKeyLen bytes of letters, digits and . _ : / # - (a workflow's
// "job/step/item#round" keys among them). A producer whose keys may hold
// other characters (a job ID from a back office) hashes them instead.
func ValidKey(s string) bool { return key("", s) == nil }

func oneOf(field, s string, allowed ...string) error {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	return invalid(field, "%q is not one of %s", s, strings.Join(allowed, ", "))
}

// Validate checks the request's required fields and sizes, and that keys are
// unique and a parent named in the batch comes before its child.
func (r *PushRequest) Validate() error {
	if err := text("installerId", r.InstallerID, 1, MaxIDLen); err != nil {
		return err
	}
	if len(r.Messages) == 0 {
		return invalid("messages", "required")
	}
	if len(r.Messages) > MaxBatch {
		return invalid("messages", "%d messages, at most %d", len(r.Messages), MaxBatch)
	}
	seen := make(map[string]bool, len(r.Messages))
	for i := range r.Messages {
		m := &r.Messages[i]
		p := fmt.Sprintf("messages[%d]", i)
		if err := m.validate(p); err != nil {
			return err
		}
		if seen[m.IdempotencyKey] {
			return invalid(p+".idempotencyKey", "repeats an earlier message's key")
		}
		if m.ParentKey == m.IdempotencyKey {
			return invalid(p+".parentKey", "a message cannot depend on itself")
		}
		seen[m.IdempotencyKey] = true
	}
	for i := range r.Messages {
		// A parent later in the batch would have to be applied after its child.
		if pk := r.Messages[i].ParentKey; pk != "" {
			for j := i + 1; j < len(r.Messages); j++ {
				if r.Messages[j].IdempotencyKey == pk {
					return invalid(fmt.Sprintf("messages[%d].parentKey", i), "parent comes later in the batch")
				}
			}
		}
	}
	return nil
}

// Validate checks one message; path prefixes field names in errors.
func (m *PushMessage) validate(path string) error {
	if err := key(path+".idempotencyKey", m.IdempotencyKey); err != nil {
		return err
	}
	if err := text(path+".jobId", m.JobID, 1, MaxIDLen); err != nil {
		return err
	}
	if m.ParentKey != "" {
		if err := key(path+".parentKey", m.ParentKey); err != nil {
			return err
		}
	}
	if err := text(path+".kind", m.Kind, 1, MaxKindLen); err != nil {
		return err
	}
	if !kindPattern.MatchString(m.Kind) {
		return invalid(path+".kind", "lower-case letters, digits and - only")
	}
	if m.CreatedAt.IsZero() {
		return invalid(path+".createdAt", "required")
	}
	if m.Kind == KindDUISRequest {
		if m.ServiceRequest == nil {
			return invalid(path+".serviceRequest", "required for kind %s", KindDUISRequest)
		}
		if len(m.Body) > 0 {
			return invalid(path+".body", "not allowed with kind %s", KindDUISRequest)
		}
		return m.ServiceRequest.validate(path + ".serviceRequest")
	}
	if m.ServiceRequest != nil {
		return invalid(path+".serviceRequest", "only for kind %s", KindDUISRequest)
	}
	if len(m.Body) == 0 || string(m.Body) == "null" {
		return invalid(path+".body", "required for kind %s", m.Kind)
	}
	if len(m.Body) > MaxBodyBytes {
		return invalid(path+".body", "%d bytes, at most %d", len(m.Body), MaxBodyBytes)
	}
	return nil
}

func (s *ServiceRequest) validate(path string) error {
	if !srvPattern.MatchString(s.ServiceReferenceVariant) {
		return invalid(path+".serviceReferenceVariant", "%q is not a service reference variant like 8.14.2", trim(s.ServiceReferenceVariant))
	}
	if err := text(path+".xml", s.XML, 1, MaxDUISBytes); err != nil {
		return err
	}
	if !strings.HasPrefix(strings.TrimLeft(strings.TrimPrefix(s.XML, "\ufeff"), " \t\r\n"), "<") {
		return invalid(path+".xml", "not XML")
	}
	return nil
}

// trim shortens s for an error message.
func trim(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Validate checks a push response against the request it answers: one
// result per message, same keys in the same order.
func (r *PushResponse) Validate(req *PushRequest) error {
	if req != nil && len(r.Results) != len(req.Messages) {
		return invalid("results", "%d results for %d messages", len(r.Results), len(req.Messages))
	}
	if len(r.Results) > MaxBatch {
		return invalid("results", "%d results, at most %d", len(r.Results), MaxBatch)
	}
	for i := range r.Results {
		x := &r.Results[i]
		p := fmt.Sprintf("results[%d]", i)
		if err := key(p+".idempotencyKey", x.IdempotencyKey); err != nil {
			return err
		}
		if req != nil && x.IdempotencyKey != req.Messages[i].IdempotencyKey {
			return invalid(p+".idempotencyKey", "answers %q, the request's message is %q", x.IdempotencyKey, req.Messages[i].IdempotencyKey)
		}
		if err := oneOf(p+".status", string(x.Status), string(StatusApplied), string(StatusRejected), string(StatusRetry)); err != nil {
			return err
		}
		if x.ResponseCode != "" && !codePattern.MatchString(x.ResponseCode) {
			return invalid(p+".responseCode", "%q is not a DUIS response code", trim(x.ResponseCode))
		}
		if len(x.DUISResponse) > MaxDUISResponse {
			return invalid(p+".duisResponse", "longer than %d bytes", MaxDUISResponse)
		}
		if err := text(p+".reason", x.Reason, 0, MaxTextLen); err != nil {
			return err
		}
		if x.RetryAfterSeconds < 0 || x.RetryAfterSeconds > 86400 {
			return invalid(p+".retryAfterSeconds", "must be 0..86400")
		}
	}
	return nil
}

// Validate checks the sizes and identifiers of a pull response.
func (r *PullResponse) Validate() error {
	if err := text("cursor", r.Cursor, 1, MaxTextLen); err != nil {
		return err
	}
	if r.SealKey != nil {
		if err := r.SealKey.validate("sealKey"); err != nil {
			return err
		}
	}
	for name, n := range map[string]int{"jobs": len(r.Jobs), "devices": len(r.Devices), "cpl": len(r.CPL), "wanCoverage": len(r.WANCoverage), "removed": len(r.Removed)} {
		if n > MaxPullItems {
			return invalid(name, "%d items, at most %d", n, MaxPullItems)
		}
	}
	for i, j := range r.Jobs {
		p := fmt.Sprintf("jobs[%d]", i)
		if err := text(p+".jobId", j.JobID, 1, MaxIDLen); err != nil {
			return err
		}
		if err := text(p+".siteId", j.SiteID, 1, MaxIDLen); err != nil {
			return err
		}
		if err := text(p+".kind", j.Kind, 1, MaxKindLen); err != nil {
			return err
		}
		if err := text(p+".status", j.Status, 1, MaxKindLen); err != nil {
			return err
		}
		if err := text(p+".postcode", j.Postcode, 2, 8); err != nil {
			return err
		}
		if err := text(p+".address", j.Address, 0, MaxTextLen); err != nil {
			return err
		}
		if len(j.MPxN) > 16 {
			return invalid(p+".mpxn", "%d entries, at most 16", len(j.MPxN))
		}
		for k, x := range j.MPxN {
			if err := text(fmt.Sprintf("%s.mpxn[%d]", p, k), x, 1, 13); err != nil {
				return err
			}
		}
	}
	for i, d := range r.Devices {
		p := fmt.Sprintf("devices[%d]", i)
		if !euiPattern.MatchString(d.DeviceID) {
			return invalid(p+".deviceId", "%q is not an EUI-64 like 00-DB-12-34-56-78-90-A0", trim(d.DeviceID))
		}
		if err := oneOf(p+".deviceType", d.DeviceType, "ESME", "GSME", "CHF", "GPF", "HCALCS", "PPMID", "IHD", "CAD"); err != nil {
			return err
		}
		if d.DeviceStatus != "" {
			if err := oneOf(p+".deviceStatus", d.DeviceStatus, "Pending", "Whitelisted", "InstalledNotCommissioned", "Commissioned",
				"Decommissioned", "Withdrawn", "Suspended", "Recovery", "Recovered"); err != nil {
				return err
			}
		}
		if err := text(p+".manufacturer", d.Manufacturer, 1, 30); err != nil {
			return err
		}
		if err := text(p+".model", d.Model, 1, 30); err != nil {
			return err
		}
		if err := text(p+".firmwareVersion", d.FirmwareVersion, 0, 8); err != nil {
			return err
		}
		if d.CPLStatus != "" {
			if err := oneOf(p+".cplStatus", d.CPLStatus, "Active", "Cancelled", "Expired", "Withdrawn"); err != nil {
				return err
			}
		}
		if err := text(p+".importMpxn", d.ImportMPxN, 0, 13); err != nil {
			return err
		}
		if err := text(p+".siteId", d.SiteID, 1, MaxIDLen); err != nil {
			return err
		}
		if d.AssociatedCHF != "" && !euiPattern.MatchString(d.AssociatedCHF) {
			return invalid(p+".associatedChf", "%q is not an EUI-64", trim(d.AssociatedCHF))
		}
	}
	for i, c := range r.CPL {
		p := fmt.Sprintf("cpl[%d]", i)
		if err := oneOf(p+".deviceType", c.DeviceType, "ESME", "GSME", "CHF", "GPF", "HCALCS", "PPMID", "IHD", "CAD"); err != nil {
			return err
		}
		if err := text(p+".manufacturer", c.Manufacturer, 1, 30); err != nil {
			return err
		}
		if err := text(p+".model", c.Model, 1, 30); err != nil {
			return err
		}
		if err := text(p+".hardwareVersion", c.HardwareVersion, 0, 30); err != nil {
			return err
		}
		if err := text(p+".firmwareVersion", c.FirmwareVersion, 1, 8); err != nil {
			return err
		}
		if err := oneOf(p+".status", c.Status, "Active", "Cancelled", "Expired", "Withdrawn"); err != nil {
			return err
		}
		if err := text(p+".gbcsVersion", c.GBCSVersion, 0, 8); err != nil {
			return err
		}
	}
	for i, w := range r.WANCoverage {
		p := fmt.Sprintf("wanCoverage[%d]", i)
		if err := text(p+".postcode", w.Postcode, 2, 8); err != nil {
			return err
		}
		if err := oneOf(p+".coverage", w.Coverage, "yes", "partial", "no", "unknown"); err != nil {
			return err
		}
		if err := text(p+".cspRegion", w.CSPRegion, 0, 16); err != nil {
			return err
		}
	}
	for i, x := range r.Removed {
		p := fmt.Sprintf("removed[%d]", i)
		if err := oneOf(p+".kind", x.Kind, "job", "device", "cpl", "wanCoverage"); err != nil {
			return err
		}
		if err := text(p+".id", x.ID, 1, MaxTextLen); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a job status.
func (s *JobStatus) Validate() error {
	if err := text("jobId", s.JobID, 1, MaxIDLen); err != nil {
		return err
	}
	if s.Applied < 0 || s.Pending < 0 || s.Rejected < 0 || s.ReadsRequested < 0 || s.RestoresRequested < 0 {
		return invalid("applied", "counts must not be negative")
	}
	if s.ReadsRequested > s.Applied {
		return invalid("readsRequested", "%d reads requested of %d applied", s.ReadsRequested, s.Applied)
	}
	if s.RestoresRequested > s.Applied-s.ReadsRequested {
		return invalid("restoresRequested", "%d restores and %d reads requested of %d applied", s.RestoresRequested, s.ReadsRequested, s.Applied)
	}
	if len(s.Messages) > MaxStatusItems {
		return invalid("messages", "%d items, at most %d", len(s.Messages), MaxStatusItems)
	}
	for i, m := range s.Messages {
		p := fmt.Sprintf("messages[%d]", i)
		if err := key(p+".idempotencyKey", m.IdempotencyKey); err != nil {
			return err
		}
		if err := oneOf(p+".status", string(m.Status), string(StatusApplied), string(StatusRejected), string(StatusRetry)); err != nil {
			return err
		}
		if err := text(p+".variant", m.Variant, 0, MaxKindLen); err != nil {
			return err
		}
		if err := text(p+".note", m.Note, 0, MaxTextLen); err != nil {
			return err
		}
	}
	if s.AllApplied && (s.Pending > 0 || s.Rejected > 0) {
		return invalid("allApplied", "true with %d pending and %d rejected", s.Pending, s.Rejected)
	}
	return nil
}

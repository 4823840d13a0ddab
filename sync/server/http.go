package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
)

// Handler returns the HTTP API:
//
//	GET  /healthz                      liveness
//	GET  /metrics                      Prometheus text exposition
//	POST /v1/requests                  one DUIS request (XML) → DUIS response (XML)
//	GET  /v1/requests/{id}             the stored outcome of a request
//	POST /v1/push                      a batch of outbox messages (sync/api)
//	GET  /v1/jobs/{jobId}/status       what the service applied of a job (sync/api)
//	GET  /v1/changes?cursor=           jobs, devices, CPL, WAN coverage and removals since the cursor (sync/api)
//	GET  /v1/devices/{id}              one SMI record (MPxN masked)
//	GET  /v1/devices/{id}/history      status history: from, to, when, rule, request
//	GET  /v1/devices/{id}/install-code the install code in clear (back office; audited)
//	GET  /v1/seal-key                  the service's public sealing key (sync/api SealKey)
//	PUT  /v1/blobs/{sha256}            upload a photo a message refers to (sync/api; idempotent, hash checked)
//	HEAD /v1/blobs/{sha256}            whether the service has it; GET: its bytes (back office)
//	GET  /v1/devices/{id}/readings     consumption readings (back office, own installer)
//	POST /v1/readings                  add a reading
//	GET  /v1/jobs, POST /v1/jobs       jobs (installers see their own)
//	POST /v1/tokens                    create a token (admin)
//	GET  /v1/report?from=&to=          performance report (back office, admin)
//	GET  /v1/audit                     audit log (admin)
//	POST /v1/coverage                  import SM WAN coverage rows (back office, admin; audited)
//
// Every /v1 route needs "Authorization: Bearer <token>".
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, roles []Role, h func(http.ResponseWriter, *http.Request, Principal) error) {
		mux.Handle(pattern, s.route(pattern, roles, h))
	}
	all := []Role{RoleInstaller, RoleBackOffice, RoleAdmin}
	senders := []Role{RoleInstaller, RoleBackOffice}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		s.metrics.WriteTo(w)
	})
	handle("POST /v1/requests", senders, s.postRequest)
	handle("GET /v1/requests/{id}", senders, s.getRequest)
	handle("POST "+api.PathPush, senders, s.postPush)
	handle("GET "+api.PathJobStatus, senders, s.getJobStatus)
	handle("GET "+api.PathChanges, senders, s.getChanges)
	handle("GET /v1/devices/{id}", all, s.getDevice)
	handle("GET /v1/devices/{id}/readings", senders, s.getReadings)
	handle("GET /v1/devices/{id}/history", all, s.getHistory)
	handle("GET /v1/devices/{id}/install-code", []Role{RoleBackOffice}, s.getInstallCode)
	handle("GET "+api.PathSealKey, all, s.getSealKey)
	handle("PUT "+api.PathBlob, senders, s.putBlob)
	handle("HEAD "+api.PathBlob, senders, s.headBlob)
	handle("GET "+api.PathBlob, []Role{RoleBackOffice}, s.getBlob)
	handle("POST /v1/readings", senders, s.postReading)
	handle("GET /v1/jobs", senders, s.getJobs)
	handle("POST /v1/jobs", []Role{RoleBackOffice}, s.postJob)
	handle("POST /v1/tokens", []Role{RoleAdmin}, s.postToken)
	handle("GET /v1/report", []Role{RoleBackOffice, RoleAdmin}, s.getReport)
	handle("GET /v1/audit", []Role{RoleAdmin}, s.getAudit)
	handle("POST /v1/coverage", []Role{RoleBackOffice, RoleAdmin}, s.postCoverage)
	return mux
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// route authenticates, checks the role, runs h and maps its error to a
// status and a JSON problem. It logs one line per request; the line never
// holds a token, an install code or an unmasked MPxN.
func (s *Server) route(pattern string, roles []Role, h func(http.ResponseWriter, *http.Request, Principal) error) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusWriter{ResponseWriter: rw}
		p, err := s.authenticate(r.Context(), r)
		if err == nil {
			allowed := false
			for _, role := range roles {
				allowed = allowed || p.Role == role
			}
			if !allowed {
				err = &RequestError{Err: ErrForbidden, Detail: "role " + string(p.Role) + " may not use " + pattern}
			}
		}
		if err == nil {
			err = h(w, r, p)
		}
		if err != nil {
			writeError(w, err)
		}
		s.metrics.observeHTTP(pattern, w.status)
		level := slog.LevelInfo
		if w.status >= 500 {
			level = slog.LevelError
		}
		attrs := []any{"route", pattern, "status", w.status, "principal", p.Name, "role", string(p.Role), "duration", time.Since(start)}
		if err != nil {
			attrs = append(attrs, "err", err.Error())
		}
		s.log.Log(r.Context(), level, "http", attrs...)
	})
}

func writeError(w http.ResponseWriter, err error) {
	status := httpStatus(err)
	p := api.Problem{Title: http.StatusText(status), Status: status, Detail: err.Error()}
	if status == http.StatusInternalServerError {
		p.Detail = "internal error"
	}
	var re *RequestError
	if errors.As(err, &re) {
		p.Field = re.Field
		if len(re.Problems) > 0 {
			p.Detail += ": " + strings.Join(re.Problems, "; ")
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// readBody reads at most limit bytes; a longer body is ErrTooLarge.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &RequestError{Err: ErrTooLarge, Detail: fmt.Sprintf("limit %d bytes", limit)}
	}
	if err != nil {
		return nil, &RequestError{Err: ErrMalformed, Detail: "read body"}
	}
	return b, nil
}

func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	b, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &RequestError{Err: ErrMalformed, Detail: "JSON: " + err.Error()}
	}
	return nil
}

func (s *Server) postRequest(w http.ResponseWriter, r *http.Request, p Principal) error {
	body, err := readBody(w, r, s.cfg.MaxDocumentBytes)
	if err != nil {
		return err
	}
	sub := Submission{Document: body, Principal: p, JobID: r.Header.Get("X-Smetskit-Job"), IdempotencyKey: r.Header.Get("Idempotency-Key")}
	if v := r.Header.Get("X-Smetskit-Acted-At"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return &RequestError{Err: ErrMalformed, Detail: "X-Smetskit-Acted-At must be RFC 3339"}
		}
		sub.ActedAt = t
	}
	out, err := s.Submit(r.Context(), sub)
	if err != nil {
		return err
	}
	s.log.Info("service request", "request", out.RequestID, "variant", out.Variant, "code", string(out.ResponseCode),
		"outcome", string(out.OutcomeCode), "duplicate", out.Duplicate, "principal", p.Name)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Duis-Response-Code", string(out.ResponseCode))
	w.Header().Set("X-Smetskit-Outcome-Code", string(out.OutcomeCode))
	w.Header().Set("X-Smetskit-Duplicate", strconv.FormatBool(out.Duplicate))
	_, err = w.Write(out.Response)
	return err
}

// RequestRecord is the stored outcome of one request.
type RequestRecord struct {
	RequestID    string `json:"requestId"`
	Variant      string `json:"variant"`
	Principal    string `json:"-"`
	ResponseCode string `json:"responseCode"`
	OutcomeCode  string `json:"outcomeCode"`
	Response     string `json:"response"`
	// OutcomeAlert is the DUIS alert reporting a device SR's outcome
	// (the N24 of an 8.11), when there is one.
	OutcomeAlert string `json:"outcomeAlert,omitempty"`
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request, p Principal) error {
	id, err := duis.ParseRequestID(r.PathValue("id"))
	if err != nil {
		return &RequestError{Err: ErrMalformed, Detail: err.Error()}
	}
	var rec RequestRecord
	var resp, alert []byte
	err = s.db.row(r.Context(), "SELECT request_id, variant, principal, response_code, outcome_code, response, outcome_alert FROM requests WHERE request_id = ?", id.String()).
		Scan(&rec.RequestID, &rec.Variant, &rec.Principal, &rec.ResponseCode, &rec.OutcomeCode, &resp, &alert)
	if err != nil || (p.Role == RoleInstaller && rec.Principal != p.Name) {
		return &RequestError{Err: ErrNotFound}
	}
	rec.Response, rec.OutcomeAlert = string(resp), string(alert)
	return writeJSON(w, http.StatusOK, rec)
}

// View returns the API view of a device for a principal: MPxNs are masked
// for everyone but the back office.
func (s *Server) View(d *inventory.Device, p Principal) DeviceView {
	v := DeviceView{ID: d.ID.String(), Type: string(d.Type), Status: string(d.Status), Manufacturer: d.Manufacturer,
		Model: d.Model, FirmwareVersion: d.FirmwareVersion, CHF: euiText(d.CHF), GPF: euiText(d.GPF), Meter: euiText(d.Meter),
		ImportMPxN: inventory.MaskMPxN(d.ImportMPxN)}
	if p.Role == RoleBackOffice {
		v.ImportMPxN = d.ImportMPxN
	}
	if !d.StatusSince.IsZero() {
		v.StatusSince = d.StatusSince.Format(time.RFC3339)
	}
	if !d.DateCommissioned.IsZero() {
		v.DateCommissioned = d.DateCommissioned.Format("2006-01-02")
	}
	if s.cpl != nil {
		for _, f := range s.cpl.Check(*d) {
			v.CPLFindings = append(v.CPLFindings, f.String())
		}
	}
	return v
}

// visibleDevice parses the {id} path value and reports a device the
// principal may not see as not found, so its existence does not leak.
func (s *Server) visibleDevice(r *http.Request, p Principal) (duis.EUI64, error) {
	id, err := duis.ParseEUI64(r.PathValue("id"))
	if err != nil {
		return id, &RequestError{Err: ErrMalformed, Detail: err.Error()}
	}
	ok, err := s.canSeeDevice(r.Context(), p, id)
	if err != nil {
		return id, err
	}
	if !ok {
		return id, &RequestError{Err: ErrNotFound}
	}
	return id, nil
}

func (s *Server) getDevice(w http.ResponseWriter, r *http.Request, p Principal) error {
	id, err := s.visibleDevice(r, p)
	if err != nil {
		return err
	}
	row, err := scanDevice(s.db.row(r.Context(), "SELECT "+deviceColumns+" FROM devices WHERE device_id = ?", id.String()))
	if err != nil {
		return &RequestError{Err: ErrNotFound}
	}
	v := s.View(&row.Device, p)
	v.HasInstallCode = len(row.sealedCode) > 0
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) getInstallCode(w http.ResponseWriter, r *http.Request, p Principal) error {
	id, err := duis.ParseEUI64(r.PathValue("id"))
	if err != nil {
		return &RequestError{Err: ErrMalformed, Detail: err.Error()}
	}
	code, err := s.InstallCode(r.Context(), p, id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, InstallCodeView{DeviceID: id.String(), InstallCode: InstallCodeHex(code)})
}

func (s *Server) getSealKey(w http.ResponseWriter, r *http.Request, _ Principal) error {
	k, err := s.SealKey(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, k)
}

func (s *Server) getReadings(w http.ResponseWriter, r *http.Request, p Principal) error {
	id, err := duis.ParseEUI64(r.PathValue("id"))
	if err != nil {
		return &RequestError{Err: ErrMalformed, Detail: err.Error()}
	}
	rs, err := s.Readings(r.Context(), p, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rs)
}

func (s *Server) postReading(w http.ResponseWriter, r *http.Request, p Principal) error {
	var rd Reading
	if err := decodeJSON(w, r, 16<<10, &rd); err != nil {
		return err
	}
	if err := s.AddReading(r.Context(), p, rd); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getJobs(w http.ResponseWriter, r *http.Request, p Principal) error {
	js, err := s.Jobs(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, js)
}

func (s *Server) postJob(w http.ResponseWriter, r *http.Request, p Principal) error {
	var j Job
	if err := decodeJSON(w, r, 64<<10, &j); err != nil {
		return err
	}
	if err := s.CreateJob(r.Context(), p.Name, j); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type tokenRequest struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
}

func (s *Server) postToken(w http.ResponseWriter, r *http.Request, p Principal) error {
	var tr tokenRequest
	if err := decodeJSON(w, r, 4<<10, &tr); err != nil {
		return err
	}
	tok, err := s.CreateToken(r.Context(), p.Name, tr.Name, tr.Role)
	if err != nil {
		return &RequestError{Err: ErrMalformed, Detail: "name and a role (installer, backoffice, admin) are required"}
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"name": tr.Name, "role": string(tr.Role), "token": tok})
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request, p Principal) error {
	from, to, err := ReportPeriod(r.URL.Query().Get("from"), r.URL.Query().Get("to"), s.now())
	if err != nil {
		return &RequestError{Err: ErrMalformed, Detail: err.Error()}
	}
	rep, err := s.Report(r.Context(), from, to)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// ReportPeriod reads the from and to of a report (RFC 3339 or a date);
// the defaults are the last 24 hours up to now.
func ReportPeriod(from, to string, now time.Time) (time.Time, time.Time, error) {
	parse := func(s string, def time.Time) (time.Time, error) {
		if s == "" {
			return def, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t, nil
		}
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return time.Time{}, fmt.Errorf("time %q: want RFC 3339 or YYYY-MM-DD", s)
		}
		return t, nil
	}
	t2, err := parse(to, now)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	t1, err := parse(from, t2.Add(-24*time.Hour))
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if !t1.Before(t2) {
		return time.Time{}, time.Time{}, errors.New("from must be before to")
	}
	return t1, t2, nil
}

func (s *Server) getAudit(w http.ResponseWriter, r *http.Request, p Principal) error {
	n, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	es, err := s.Audit(r.Context(), n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, es)
}

// HistoryEntry is one status change as the API shows it.
type HistoryEntry struct {
	From      string    `json:"from"`
	To        string    `json:"to"`
	At        time.Time `json:"at"`
	Trigger   string    `json:"trigger"`
	Rule      string    `json:"rule"`
	RequestID string    `json:"requestId"`
}

func (s *Server) getHistory(w http.ResponseWriter, r *http.Request, p Principal) error {
	id, err := s.visibleDevice(r, p)
	if err != nil {
		return err
	}
	hs, err := s.History(r.Context(), id)
	if err != nil {
		return err
	}
	out := []HistoryEntry{}
	for _, c := range hs {
		out = append(out, HistoryEntry{From: string(c.From), To: string(c.To), At: c.At, Trigger: c.Trigger, Rule: c.Rule, RequestID: c.RequestID})
	}
	return writeJSON(w, http.StatusOK, out)
}

package field

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/app/visit"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/api"
)

// ErrNoOpenJob is returned by NextJob when every job is done or cancelled.
var ErrNoOpenJob = errors.New("field: no open job")

// NextJob returns the first job in schedule order that is neither done nor
// cancelled: the one the Commission screen installs.
func (f *Field) NextJob(ctx context.Context) (*jobs.Job, error) {
	ids, err := f.Jobs.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("find next job: %w", err)
	}
	for _, id := range ids {
		j, err := f.Jobs.Get(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("find next job: %w", err)
		}
		if j.Status != "done" && j.Status != "cancelled" {
			return j, nil
		}
	}
	return nil, ErrNoOpenJob
}

// Coverage returns the SM WAN coverage last pulled for postcode ("yes",
// "partial", "no", "unknown"), or "" when none was pulled.
func (f *Field) Coverage(ctx context.Context, postcode string) (string, error) {
	var body string
	err := f.Store.Reader().QueryRowContext(ctx, `SELECT body FROM sync_pulled WHERE kind = 'wanCoverage' AND id = ?`, postcode).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read coverage of %s: %w", postcode, err)
	}
	var w api.WANCoverage
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		return "", nil // written by another version; the next pull replaces it
	}
	return w.Coverage, nil
}

// Plan returns the commissioning plan of job j (visit.PlanFor), with the
// session's Originator and the coverage last pulled for the job's postcode
// unless in gives them. A device whose install code is not in
// in.InstallCodes is planned with an empty InstallCode, for the wizard to
// ask for on site. When the job cannot be planned at all (no hub on it, a
// kind with no flow), the plan names the job and its flow only, so a
// stored run can still be shown, and the error says why.
func (f *Field) Plan(ctx context.Context, j *jobs.Job, in visit.Inputs) (commission.Plan, error) {
	if in.Originator == "" {
		in.Originator = f.originator
	}
	if in.Coverage == "" {
		c, err := f.Coverage(ctx, j.Site.Postcode)
		if err != nil {
			return commission.Plan{JobID: j.ID}, err
		}
		in.Coverage = c
	}
	// PlanFor insists on every code; lend it a stand-in for those still
	// to be entered and take the stand-ins out again.
	codes := make(map[string]string, len(j.Devices))
	for k, v := range in.InstallCodes {
		codes[k] = v
	}
	lent := map[string]bool{}
	for _, d := range j.Devices {
		if visit.NeedsInstallCode(d.Type) && strings.TrimSpace(codes[d.ID]) == "" {
			codes[d.ID], lent[d.ID] = standInCode, true
		}
	}
	in.InstallCodes = codes
	p, err := visit.PlanFor(j, in)
	if err != nil {
		flow, _ := visit.FlowFor(j)
		return commission.Plan{JobID: j.ID, Flow: flow, Postcode: j.Site.Postcode, Coverage: in.Coverage, Originator: in.Originator}, err
	}
	for i := range p.Devices {
		if lent[p.Devices[i].ID] {
			p.Devices[i].InstallCode = ""
		}
	}
	// The evidence names the job's photos by hash; the sync client uploads
	// their bytes before the message (Config.Blob).
	for _, ph := range j.Photos {
		if !slices.Contains(p.Photos, ph.Hash) {
			p.Photos = append(p.Photos, ph.Hash)
		}
	}
	return p, nil
}

// standInCode passes visit.PlanFor's check for a code still to be entered;
// it never leaves Plan.
var standInCode = strings.Repeat("0", 32)

// CheckOriginator reports whether s is an EUI-64 a supplier can use as the
// Request ID originator (DUIS 5.4), in words for Settings.
func CheckOriginator(s string) error {
	if _, err := duis.ParseEUI64(s); err != nil {
		return fmt.Errorf("check supplier ID %q: %w", s, err)
	}
	return nil
}

package field

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/jobs"
	"github.com/smetskit/smetskit/app/visit"
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

// Plan returns the commissioning plan of job j (visit.PlanFor) with the
// coverage last pulled for its postcode unless in says otherwise. When the
// job lacks what a plan needs (install codes not yet entered), the plan
// names the job and its flow only, so a stored run can still be shown,
// and the error says what is missing.
func (f *Field) Plan(ctx context.Context, j *jobs.Job, in visit.Inputs) (commission.Plan, error) {
	if in.Coverage == "" {
		c, err := f.Coverage(ctx, j.Site.Postcode)
		if err != nil {
			return commission.Plan{JobID: j.ID}, err
		}
		in.Coverage = c
	}
	p, err := visit.PlanFor(j, in)
	if err != nil {
		flow, _ := visit.FlowFor(j)
		return commission.Plan{JobID: j.ID, Flow: flow, Postcode: j.Site.Postcode, Coverage: in.Coverage}, err
	}
	return p, nil
}

package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/smetskit/smetskit/app/visit"
	"github.com/smetskit/smetskit/sync/api"
)

const jobAbout = `List, show and start the jobs synced to this computer, or import jobs from a
file for demo and offline use.

  job list                  the jobs, soonest first, with commissioning progress
  job show JOB              the job's site, devices, checklist and every step of its run
  job start JOB             record the start of the visit
  job import FILE.json      store the jobs of a pull response (GET /v1/changes body)

The data folder is os.UserConfigDir()/smetskit unless --data is given.`

func runJob(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "job", "list | show JOB | start JOB | import FILE [--data DIR]", jobAbout)
	data := fs.String("data", "", "data `folder` holding the local database (default: the user's config folder)")
	// Flags may come before, between or after the sub-command and its
	// operand.
	var rest []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	sub, operands := rest[0], rest[1:]
	want := map[string]int{"list": 0, "show": 1, "start": 1, "import": 1}
	n, ok := want[sub]
	if !ok || len(operands) != n {
		fmt.Fprintf(e.stderr, "smetsctl job: want list, show JOB, start JOB or import FILE\n")
		fs.Usage()
		return errUsage
	}
	v, err := visit.Open(ctx, *data)
	if err != nil {
		return err
	}
	defer v.Close()
	switch sub {
	case "list":
		return jobList(ctx, e, v)
	case "show":
		return jobShow(ctx, e, v, operands[0])
	case "start":
		if err := v.Jobs.Start(ctx, operands[0], time.Time{}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "job %s started\n", operands[0])
		return nil
	default:
		return jobImport(ctx, e, v, operands[0])
	}
}

func jobImport(ctx context.Context, e *env, v *visit.Visit, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import jobs: %w", err)
	}
	defer f.Close()
	pr, err := api.DecodePullResponse(f)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	if err := v.ImportJobs(ctx, pr.Jobs, pr.Devices); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %d jobs\n", len(pr.Jobs))
	// The service's sealing key travels with its pulls; install codes in
	// the evidence are sealed to it, never sent in clear.
	if pr.SealKey != nil {
		if err := v.ImportSealKey(ctx, *pr.SealKey); err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		fmt.Fprintf(e.stdout, "kept the inventory service's sealing key %s\n", pr.SealKey.KeyID)
	}
	return nil
}

func jobList(ctx context.Context, e *env, v *visit.Visit) error {
	ids, err := v.Jobs.List(ctx)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		fmt.Fprintln(e.stdout, "no jobs on this computer: sync, or 'smetsctl job import FILE'")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tKIND\tSTATUS\tSCHEDULED\tPOSTCODE\tCOMMISSIONING")
	for _, id := range ids {
		p, err := v.Progress(ctx, id)
		if err != nil {
			return err
		}
		j := p.Job
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.Kind, j.Status, when(j.ScheduledFor), j.Site.Postcode, runSummary(p))
	}
	return tw.Flush()
}

// runSummary says how far the job's commissioning run has gone: "-" when
// not started, else its status and the steps done of those that apply.
func runSummary(p *visit.Progress) string {
	if p.Run == nil {
		return "-"
	}
	done, all := 0, 0
	for _, s := range p.Run.Steps {
		if s.State == "skipped" {
			continue
		}
		all++
		if s.State == "done" {
			done++
		}
	}
	return fmt.Sprintf("%s %d/%d steps", p.Run.Status, done, all)
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func jobShow(ctx context.Context, e *env, v *visit.Visit, id string) error {
	p, err := v.Progress(ctx, id)
	if err != nil {
		return err
	}
	j := p.Job
	w := e.stdout
	fmt.Fprintf(w, "Job %s (%s), %s\n", j.ID, j.Kind, j.Status)
	fmt.Fprintf(w, "Site %s: %s %s; MPxN %s\n", j.Site.ID, j.Site.Address, j.Site.Postcode, strings.Join(j.Site.MPxN, ", "))
	fmt.Fprintf(w, "Scheduled %s, started %s, ended %s\n", when(j.ScheduledFor), when(j.StartedAt), when(j.EndedAt))
	fmt.Fprintln(w, "Devices:")
	for _, d := range j.Devices {
		fmt.Fprintf(w, "  %-6s %s  %s %s  SMI %s  CPL %s\n", d.Type, d.ID, d.Manufacturer, d.Model, orDash(d.Status), orDash(d.CPLStatus))
	}
	fmt.Fprintln(w, "Checklist:")
	for _, c := range j.Checklist {
		box := "[ ]"
		if c.Done {
			box = "[x]"
		}
		fmt.Fprintf(w, "  %s %s\n", box, c.Label)
	}
	if p.Run == nil {
		fmt.Fprintf(w, "Commissioning: not started ('smetsctl commission --job %s')\n", j.ID)
		return nil
	}
	fmt.Fprintf(w, "Commissioning (%s): %s\n", p.Run.Flow, runSummary(p))
	printSteps(w, p.Run.Steps)
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

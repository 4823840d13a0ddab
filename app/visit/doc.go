// Package visit is the glue the desktop app and smetsctl share for a site
// visit: it opens the local store in the user's data folder with the job and
// commissioning tables, imports jobs for demo or offline use, turns a synced
// job into a commissioning plan, and connects to the communications hub on
// site for the commissioning engine.
//
// app/commission may not import app/jobs (ARCHITECTURE.md), so the mapping
// from a job to a plan lives here.
//
//	v, err := visit.Open(ctx, "") // os.UserConfigDir()/smetskit
//	if err != nil { ... }
//	defer v.Close()
//	_ = v.ImportJobs(ctx, pulled.Jobs, pulled.Devices)
//	j, _ := v.Jobs.Get(ctx, "J-1")
//	plan, err := visit.PlanFor(j, visit.Inputs{Originator: supplierEUI, InstallCodes: codes})
//	_ = v.Engine.Start(ctx, plan)
//	hub, err := visit.ConnectHub(ctx, visit.TCP("10.0.0.5:4059"), visit.HubConfig{Keys: keys})
//	if err != nil { ... }
//	defer hub.Close(ctx)
//	err = v.Engine.Run(ctx, plan.JobID, hub) // or visit.NoWAN(hub) for an install and leave
//
// For the post-checks to read the meters on site too, open each meter's
// public association (ConnectMeter with MeterTCP or MeterOptical) and pass
// commission.Site{Hub: hub, Meters: ...}. A sealing key that came with jobs
// imported from a file is kept with ImportSealKey; the engine seals install
// codes in the evidence to it when no sync client has pulled one.
//
// Answers for scripted runs are read with DecodeAnswers; hub targets in the
// CLI's form ("tcp:HOST:PORT", "serial:PATH") with ParseTarget.
package visit

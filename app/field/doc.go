// Package field is the live field session behind `smetskit` without
// --demo: the non-demo twin of app/demo. Open opens (creating) the local
// store in the data folder with the jobs and commissioning tables (through
// app/visit), seals install codes at rest with a key kept beside it, and,
// when an inventory server and a token are set, runs the sync client
// (sync/client) in the background: it pushes the outbox and pulls the
// installer's jobs, which land in the jobs store the Jobs screen reads.
//
// Pulled records are kept as the service sent them (client.SQLApplier's
// tables, cursor in the same transaction); each page then rebuilds the
// work orders it touched (jobs.FromAPI through visit.ImportJobs), keeping
// what was done on site. A crash between the two is repaired at the next
// Open, which rebuilds every pulled job when the rebuild lags the cursor.
//
//	f, err := field.Open(ctx, field.Config{ServerURL: url, Token: token, Engineer: "E1234"})
//	if err != nil { ... } // the data folder cannot be opened: say so in the window
//	defer f.Close()
//	if err := f.PullNow(ctx); err != nil { ... } // "Get today's jobs"
//	ids, _ := f.Jobs.List(ctx)
//
// Nothing here imports Fyne: ui.LiveOptions wires a Field into the shell.
package field

// Package commission is the install-and-commission workflow engine of the
// app core (no Fyne): the UI and smetsctl drive the same code.
//
// A flow is data (flows.json, Flows, ParseFlows): an ordered list of steps,
// each with a kind (pre-checks, answers, WAN check, service request, hub
// whitelist, join, local delivery, post-checks, reads, evidence, follow-up,
// completion), a precondition on what earlier steps found ("wan=no"), the
// device types it acts on and the DUIS variant it produces. The built-in
// flows follow DOMAIN.md §7 (install with WAN: 8.14.1, 8.11, join, 8.1.1,
// 8.7.x, then the step 9 checks with 8.9 and 11.2), §8 (install and leave:
// 8.14.2 with premise type and obstruction checks, the 8.11 adds, 8.4
// InstalledNotCommissioned for the meters, local delivery answered with
// 8.13, a follow-up) and the exchanges (CH: 8.14.3/8.14.4, 8.12.1; meter:
// final and initial register reads, 8.11 Remove and Add). In a dual-fuel
// install the gas meter joins through the CHF device log and must then be
// in the GPF device log (GPFReader).
//
// Each item of a step (the step, or one device of it) commits in one store
// transaction with its evidence, the facts it found, and the outbox message
// it produces, whose DUIS Request ID counter is allocated and stored in the
// same transaction (DOMAIN.md §12). A run killed at any point resumes where
// it stopped with Run and never queues a message twice; a step that failed
// is stored with a Reason and a hint of what to try (StepError), and is
// retried by the next Run (after Answer or AddReads when it waited for the
// engineer). A step that stopped for answers keeps their names with its
// item, so Status (ItemStatus.Missing) names exactly those still missing
// after a restart, for custom flows too. An install code typed wrong is
// corrected with SetInstallCode while the device has not joined: the
// device's 8.11 Add, the add on the hub and the join then run again with
// it (RunStatus.ChangeableCodes lists the devices it may change). Status
// shows every step with its evidence; Runs lists the runs to offer for
// resuming after a restart. With Options.Sealer the install
// codes in stored plans are sealed at rest; in the evidence message they
// travel only sealed to the inventory service's key (Options.ServerKey,
// by default the key the sync client pulled, StoredServerKey), or not at
// all when no key is known.
//
// Local delivery: each prepared command's response is stored the moment
// the hub answers, before its 8.13 is built; the one unavoidable window (a
// crash between the hub's answer and that write) is reported as
// ReasonDeliveryLost, since the hub refuses a replayed command.
//
// Device steps talk to the hub through the Hub interface (the hub profile of
// sim/HUBPROFILE.md); DLMSHub implements it over a dlms.Client. A hub that
// is also a JoinFailureReader (DLMSHub reads the CHF event log) lets the
// join step report a failed join as ReasonJoinFailed with the GBCS join code
// in StepError.Code (kept as ItemStatus.JoinCode in the run status, across
// restarts) and JoinFailure's action as the hint. Only events of the current
// join window count: it opens, by the hub's clock, when the whitelist step
// adds the device, and again when a failed join is retried (the step then
// opens joining anew). Site bundles the hub with local associations to the
// meters (MeterReader): the post-checks then record each meter's firmware
// version and clock and, with SM WAN, require the clock to be reliable;
// with SM WAN they also queue 8.9 Read Device Log on the hub and 11.2 Read
// Firmware Version for each meter (DOMAIN.md §7 step 9). The tables
// are a store.Module (Schema, versioned in the store's schema_modules),
// created by Migrate or by store.Open with Schema in Options.Modules; a
// database that kept the version in commission_schema is taken over.
//
//	db, _ := store.Open(ctx, path, store.Options{})
//	_ = commission.Migrate(ctx, db)
//	e, _ := commission.New(db, commission.Options{})
//	_ = e.Start(ctx, plan) // plan.Flow "install"; devices, install codes, answers
//	err := e.Run(ctx, plan.JobID, &commission.DLMSHub{C: hubClient})
//	var se *commission.StepError
//	if errors.As(err, &se) {
//		show(se.Reason, se.Hint) // fix, then Run again: it resumes at se.Step
//	}
package commission

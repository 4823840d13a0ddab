// Package server is the central inventory service behind inventoryd: it
// keeps the Smart Metering Inventory (SMI), applies the install-flow
// service requests (12.2, 8.14.1–8.14.4, 8.11, 8.1.1, 8.7.x, 8.8.x, 8.2,
// 8.3, 8.4, 8.13) through the rules of app/inventory, accepts the
// post-check reads 8.9 and 11.2 and the CH exchange's 8.12.1, and answers
// in DUIS with the DCC's response codes (I0, I99, E5 status forbids, E11 wrong device type, E19
// unknown device, E120201 CHF and GPF IDs identical; DOMAIN.md §14).
// Served lists the variants; any other is refused (400).
//
// Post-check reads: with SM WAN the wizard queues 8.9 Read Device Log on
// the CHF (CCS06, CCS07 with ReadSecurityDetails) and 11.2 Read Firmware
// Version per meter (DOMAIN.md §7 step 9). The service relays them toward
// the DCC: it validates them like any request (DUIS schema checks, Request
// ID counters, the installer's job: the target must be on the job or be
// the CHF of a device on it), checks the target's type and status against
// the permission rows P8.9.chf, P8.9.m, P8.9.sec and P11.2 of the rules
// (data; E11, E5, E19 as for other SRs), records the request and an audit
// line, changes nothing in the SMI, and answers I99, the acknowledgement
// that a device SR was accepted. The outcome stays I99: the read's result
// is the device's, returned by the DCC, not by this service. The job's
// status notes such a message "read requested" (api.NoteReadRequested,
// counted in ReadsRequested) and the report counts them as Requested.
//
// CH exchange: the exchange-ch flow queues 8.12.1 Restore HAN Device Log
// (GBCS CCS03, DOMAIN.md §6.1, §9) to the replacement hub, naming the old
// one (OldCHFID), so the meters rejoin the new hub without new install
// codes. The service relays it like the reads: the target must be an
// installed hub (permission rows P8.12.1.t: InstalledNotCommissioned or
// Commissioned) and OldCHFID another hub that was installed, returned or
// not yet (P8.12.1.old, adding Decommissioned and Withdrawn); a hub
// restored from itself is E11. It is recorded with an audit line ("restore
// of the device log of OLD requested") and answered I99 with the outcome
// I99; the job's status notes it "restore requested"
// (api.NoteRestoreRequested, counted in RestoresRequested), and the report
// counts it as Requested. Nothing changes in the SMI, neither statuses
// (DOMAIN.md §5 has no transition for 8.12.1) nor the meters' hub: the
// restore happens on the hub, and only the DCC's DeviceLogRestored alert
// (§11.2) would say it did. Installers may send it only by grant G8.12.1
// (data, inventory.InstallerGrant): onto a CHF of their own job of kind
// "exchange", with both hubs on that job (a post-check read's fallback to
// the CHF of a job's device does not apply).
//
// Storage is SQLite by default and PostgreSQL for a shared deployment
// (OpenDB picks by the DSN); migrations are embedded. Writes take one
// service-wide lock (one connection on SQLite, a transaction-scoped
// advisory lock on PostgreSQL), so several instances on one PostgreSQL
// database behave as one service: Request ID counters strictly increase
// per originator (a lower or equal counter is refused, DOMAIN.md §12), and
// a replay of an applied request returns the original response. A push
// batch is one write transaction with each message in its own SAVEPOINT:
// every message is all or nothing and answered as Submit would, and the
// batch costs one commit.
//
// Counters: the consequence of the strict rule is that a message held back
// on a tablet (its parent not applied yet, or a retry) and overtaken by a
// later counter of the same originator from another job is refused as a
// replay though the service never saw it; the tablet must send it again
// under a new Request ID. Config.CounterWindow (inventoryd -counter-window)
// relaxes this: a counter below the originator's highest by less than the
// window is accepted if the originator never used it (every accepted
// counter is in the request log), so a replay is still refused and the
// high-water mark never falls. Devices keep the strict rule (GBCS
// anti-replay), so the window suits counters the service only records.
//
// Push results: ResponseCode is the DUIS code the tablet should show. An
// applied request carries its synchronous code (I0, or I99 for a device SR
// whose outcome succeeded); a request whose outcome is an error is
// "rejected" and carries the outcome's E code (e.g. E5), never I99, with
// its meaning in Reason. DUISResponse holds the synchronous response.
//
// WAN coverage: ImportCoverage (POST /v1/coverage for the back office and
// admin, or inventoryd coverage import FILE.json) stores SM WAN coverage by
// postcode (DOMAIN.md §8) in one transaction, all rows or none, audited.
// A pull carries the rows at the postcodes of the installer's jobs
// (matched upper-case without spaces) changed since the cursor, and the
// row of a job's postcode when the job comes into view. Rows are never
// withdrawn, so WANCoverage never appears in Removed.
//
// Install codes (DOMAIN.md §8.3, MP121/MP281): the service has a long-lived
// X25519 key pair, made on first use (SealKey; inventoryd seal-key shows
// it) with the private half stored sealed by Config.Sealer. Every pull
// carries the public key; the tablet seals each install code of its
// install-and-leave evidence to it (sync/api SealFor, the device ID as
// associated data). On receipt the service opens them, records each in the
// SMI (sealed at rest) for the devices of the message's job, and stores
// the evidence with every code sealed, never in clear (a clear hex code
// from an older tablet is sealed on arrival). A code that does not open
// rejects the message. The back office reads a code back with
// GET /v1/devices/{id}/install-code (InstallCode), audited.
//
// Photos: PUT /v1/blobs/{sha256} (PutBlob) stores a blob once under its
// SHA-256, verified on receipt, at most Config.MaxBlobBytes, for one of
// the installer's jobs; a repeated upload is answered 200 and stores
// nothing; HEAD tells a client whether to upload. Messages name blobs by
// hash; the service does not hold a message back for a missing blob.
//
//	db, err := server.OpenDB(ctx, "inventory.db") // or "postgres://..."
//	sealer, err := inventory.NewSealer(key)      // 32 bytes
//	srv, err := server.New(server.Config{DB: db, Sealer: sealer})
//	tok, err := srv.CreateToken(ctx, "setup", "alice", server.RoleInstaller)
//	http.ListenAndServeTLS(addr, cert, key, srv.Handler())
//
// Security: per-user bearer tokens stored as SHA-256 hashes; three roles
// (installer, back office, admin); installers see and act on their own
// jobs' devices only; install codes are sealed with AES-GCM; MPxNs are
// masked for all but the back office; consumption readings never reach the
// admin role; every change is written to the audit log; body sizes are
// capped. Installers send the install-flow SRs and post-check reads of
// their own job; beyond those only what an inventory.InstallerGrant of the
// rules allows: by default 8.4 UpdateDeviceStatusExceptCH=
// InstalledNotCommissioned for a non-CH device (ESME, GSME, PPMID, HCALCS)
// on their own job, the install-and-leave step (G8.4.inc), and 8.12.1
// onto a CHF of their own exchange job (G8.12.1). Any other 8.4 or 8.12.1
// from an installer is refused with 403 and a detail naming what is
// allowed; a deployment disables or widens a grant in the rules file
// (inventoryd -rules, "installer_grants", "job_kinds").
// Metrics are served in the Prometheus text format at /metrics.
package server

// Package inventory is the Smart Metering Inventory (SMI) model shared by
// the app and the inventory service: devices with their type, status,
// status history and associations (meter to CHF, Type 1 and Type 2 devices
// to meters, MPxN), install codes kept sealed, Certified Products List
// (CPL) entries, and the rules that decide which service request may act on
// which device in which status.
//
// The rules are data (DOMAIN.md §5 and §6). DefaultRules returns the
// transition table and the permission table; every row that DOMAIN.md marks
// "inferred — treat as configurable data" has Inferred set, and a
// deployment may replace or disable any row by its ID with a JSON file:
//
//	rules := inventory.DefaultRules()
//	if err := rules.Override(configJSON); err != nil {
//		return err
//	}
//	// May 8.14.2 act on this CHF, and what does it become?
//	if err := rules.Permit("8.14.2", inventory.PartyDevice, chf.Type, chf.Status); err != nil {
//		code := inventory.ResponseCodeOf(err) // E5 or E11
//		...
//	}
//	row, err := rules.Transition("8.14.2", chf.Type, chf.Status, "")
//	// row.To == duis.StatusInstalledNotCommissioned
//
// The 8.11 rows make a whitelist entry idempotent both ways, as the app
// needs when an installer corrects a mistyped install code: an Add of a
// listed device succeeds and changes nothing (T3b, CCS01 keeps the entry,
// DOMAIN.md §9), and so does a Remove of a device not on the log (L3: the
// app withdraws an Add that may have reached the DCC, and one it gave up
// on may never have). Every status an 8.11 permission row admits has a
// transition row, so no 8.11 that passes access control is refused E5.
//
// Rule errors are *RuleError values carrying the DUIS response code the
// DCC answers with (E5 status incompatible, E11 wrong device type, E19
// unknown device; DOMAIN.md §14).
//
// A CPL check never blocks: CPL.Check returns findings to show as warnings
// (DOMAIN.md §15). Install codes are sealed with AES-GCM bound to the
// device ID (Sealer) and never print (InstallCode formats as "[redacted]").
//
// Rules.Apply works out what a DUIS service request does to the SMI (the
// Effect: status changes by transition row, associations, the DUIS code)
// without writing anything: the inventory service stores the Effect, the
// app uses it to warn before queueing a request. It reads devices through
// the small SMI interface:
//
//	eff, err := rules.Apply(req, smi, cpl, time.Now())
//	if eff.Code.IsError() { /* E5, E11, E19, E120201: nothing changes */ }
//
// The post-check reads 8.9 Read Device Log and 11.2 Read Firmware Version
// (DOMAIN.md §7 step 9) change nothing in the SMI: Apply checks their
// target against the permission rows (P8.9.chf, P8.9.m, P8.9.sec for
// ReadSecurityDetails, P11.2) and answers I99 with Effect.Relayed set, the
// service relaying the read toward the DCC. 8.12.1 Restore HAN Device Log
// of a CH exchange (§6.1, §9 CCS03) is relayed the same way: the target
// must be an installed hub (P8.12.1.t), OldCHFID another hub that has been
// installed, returned or not (P8.12.1.old, PartyOld); no status or
// association changes, since the restore happens on the hub and the DCC
// reports it later (DeviceLogRestored, §11.2). PostCheckRead tells the
// reads from the restore.
//
// Installers may send what the install flow needs; a request beyond that
// needs an InstallerGrant (data too): G8.4.inc lets them mark a device
// fitted without WAN InstalledNotCommissioned, G8.12.1 lets them restore
// the old hub's log onto the replacement hub of their own exchange job.
//
//	if err := rules.InstallerMay(req, chf.Type, "exchange"); err != nil {
//		// wraps ErrNotGranted and says what is allowed instead
//	}
package inventory

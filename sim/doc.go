// Package sim provides simulated devices and a line emulator, so that the
// protocol stack, the CLI and the demo mode run without hardware.
//
// # Devices
//
// An ESME (electricity meter) has an identity, a clock with UK time zone
// and DST, energy registers, instantaneous values, a 13-month half-hourly
// load profile, a daily billing profile, four event logs, disconnect
// control and the setup objects, all computed from one deterministic
// household (Energy), so a register, a profile entry and the readout
// agree at any instant of the simulated clock. Its optical port speaks
// IEC 62056-21 (readout, programming mode, mode E) and then HDLC and DLMS
// with four associations chosen by client SAP: 16 public, 17 reader (LLS),
// 1 management (HLS-GMAC, suite 0 ciphering) and 3 (HLS-ECDSA, when keys
// are given). ServeWrapper answers the same associations in IEC 62056-47
// wrapper frames on TCP.
//
//	m, err := sim.NewESME(sim.ESMEConfig{
//		Identity: sim.Identity{Flag: "SMk", Serial: "23110007", DeviceID: "00-DB-12-34-56-78-90-A0"},
//		Quirks:   sim.Quirks{sim.QuirkIREcho: true},
//	})
//	probe, port := sim.NewLine(sim.LineConfig{Baud: 300, Format: "7E1", Turnaround: 20 * time.Millisecond})
//	go m.ServeOptical(ctx, port)         // or a *sim.PTY, or sim.ConnPort{conn}
//	cl, err := iec62056.SignOn(ctx, probe, iec62056.Options{Echo: true})
//
// A Hub (CHF + GPF) serves DLMS on a serial line (ServeSerial): ZigBee
// network control (class 104) with the device log, WAN diagnostics
// (class 47), the CHF clock and event log, and local delivery of GBCS
// commands to itself and the meters on its HAN (Deliver, and the DLMS
// method described in HUBPROFILE.md). The event log says why a HAN join
// failed (0x8F48 with the GBCS join code; Hub.JoinFailure), restore_PAN
// moves a device log onto a replacement hub (CCS03), and a minimal GPF
// keeps its own entry in the CHF log and a GPF device log for GSMEs. A
// minimal gas meter (GSME: identity, install code, a gas volume register)
// in the hub's range (AttachGSME) joins through the CHF device log like a
// meter; register_device then lists it in the GPF device log too, and the
// GPF serves its volume (7-0:3.0.0, HUBPROFILE.md):
//
//	h, _ := sim.NewHub(sim.HubConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: "00-DB-12-34-56-78-90-A2"}})
//	if rc := h.Join(m); rc != 0 {
//		fmt.Println("join failed, code", h.JoinFailure(id)) // also in the CHF event log
//	}
//	g, _ := sim.NewGSME(sim.GSMEConfig{Identity: sim.Identity{Flag: "SMK", DeviceID: gasID, InstallCode: code}})
//	h.AttachGSME(g) // joins once listed (CCS01) and joining is open
//	_ = h.WhitelistGSME(gas, installCode) // or list one in process: CHF and GPF device logs
//
// Quirks (ignore-baud, ir-echo, reboot, join-fail-4, no-mode-e, ...) make a device
// behave like awkward real equipment; they combine. Scenarios describe
// whole sites as JSON (LoadScenario("demo"), NewSite); the demo, training
// and faults sites are embedded. OpenPTY puts a device on a
// pseudo-terminal so the real serial code path reads it.
//
// # Line emulator
//
// NewLine returns the two ends of an emulated serial line. Each End has the
// shape of a serial port (Read, Write, Close, SetReadDeadline, plus SetLine
// and Baud), so anything written for a real port runs over it:
//
//	probe, meter := sim.NewLine(sim.LineConfig{
//		Baud: 300, Format: "7E1",          // IEC 62056-21 sign-on settings
//		Turnaround: 20 * time.Millisecond, // before each change of direction
//		Echo: true,                        // the optical head hears itself
//		Faults: sim.Faults{BitErrorRate: 0.01, DropRate: 0.005},
//		Seed: 1,
//	})
//	go serveMeter(meter)
//	probe.Write([]byte("/?!\r\n"))            // blocks for 5 × 10 bits at 300 Bd
//	_ = probe.SetLine(9600, "8N1")            // after mode E, as the meter does
//
// Pacing: a character takes start + data + parity + stop bits (10 for 7E1
// and 8N1, 11 for 8E1) at the sender's baud rate. Write blocks until its
// last character has left the wire, like tcdrain; characters reach the
// reader in groups spanning at most 20 ms of line time (one character at
// 300 Bd, 19 at 9600 Bd, at most 128), each group when its last character
// arrives. The first character after a change of direction waits the
// turnaround time first.
//
// Settings: each end has its own baud rate and format (SetLine). When they
// disagree the receiver sees what a UART would, simply modelled: random
// characters if the rates differ; the parity bit in bit 7 if a 7-bit
// sender meets an 8-bit receiver; bit 7 cleared (no parity error reported)
// if an 8-bit sender meets a 7-bit receiver.
//
// Faults (Faults: BitErrorRate and DropRate per character, GarbageRate for
// 1–4 random characters inserted, Stalls that hold the line silent,
// DisconnectAfter a number of characters) are drawn from generators seeded
// by LineConfig.Seed, one per direction, so a given seed and traffic give
// the same faults every run. Echoed characters are never faulted.
//
// Errors: reads return io.EOF at once after the end's own Close and, after
// the peer's Close, once the received characters are drained; after a
// DisconnectAfter fault they return ErrDisconnected; a passed read deadline
// returns os.ErrDeadlineExceeded (which has Timeout() == true, like
// net.Conn). Writes after either Close return io.ErrClosedPipe.
//
// # Virtual time
//
// Pacing uses time.Sleep and timers, and every blocking call waits on a
// channel or sleeps, so tests run the line inside testing/synctest and a
// minute of line time at 9600 Bd passes in milliseconds:
//
//	synctest.Test(t, func(t *testing.T) {
//		a, b := sim.NewLine(sim.LineConfig{Baud: 9600, Format: "8N1"})
//		…
//	})
package sim

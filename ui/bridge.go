package ui

import (
	"sync"
	"time"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/app/probe"
	"github.com/smetskit/smetskit/serial"
	"github.com/smetskit/smetskit/sync/outbox"
)

// This file is the only place where background work touches widgets. Each
// method wraps exactly one call of do (fyne.Do in the app) and hands the
// value to a method of the screen that runs on the event goroutine;
// nothing here does I/O.

// doFunc runs f on the event goroutine. The app uses fyne.Do; tests pass a
// queue they drain on the test goroutine, because the Fyne test driver
// would run f on the calling (background) goroutine.
type doFunc func(f func())

// refreshInterval throttles high-rate updates (progress, traces) to about
// 60 refreshes a second, like a terminal does.
const refreshInterval = time.Second / 60

// readoutBridge carries a readout's progress and result to the Readout screen.
type readoutBridge struct {
	s  *ReadoutScreen
	do doFunc

	mu   sync.Mutex
	last time.Time // of the last progress applied
}

// progress shows how far a long read is, at most ~60 times a second.
func (b *readoutBridge) progress(p diagnose.Progress) {
	b.mu.Lock()
	now := time.Now()
	skip := now.Sub(b.last) < refreshInterval && p.Rows != p.Expected
	if !skip {
		b.last = now
	}
	b.mu.Unlock()
	if skip {
		return
	}
	b.do(func() { b.s.showProgress(p) })
}

// connected says the association is open and reading has begun.
func (b *readoutBridge) connected(device string) {
	b.do(func() { b.s.showConnected(device) })
}

// done shows a finished readout with its trace and evidence.
func (b *readoutBridge) done(res readResult) {
	b.do(func() { b.s.showResult(res) })
}

// failed shows why a read stopped, in words an engineer can act on.
func (b *readoutBridge) failed(err error) {
	b.do(func() { b.s.showFailure(err) })
}

// exported says where an export went, or why it did not.
func (b *readoutBridge) exported(what string, err error) {
	b.do(func() { b.s.showExported(what, err) })
}

// jobsListed shows the jobs evidence can be attached to.
func (b *readoutBridge) jobsListed(ids []string, err error) {
	b.do(func() { b.s.showJobs(ids, err) })
}

// attached says whether the evidence reached the job's queue.
func (b *readoutBridge) attached(job string, err error) {
	b.do(func() { b.s.showAttached(job, err) })
}

// devicesChanged lists the device set again after a device was added or
// removed (on any goroutine).
func (b *readoutBridge) devicesChanged() {
	b.do(func() { b.s.showDevices() })
}

// instant shows re-read instantaneous values.
func (b *readoutBridge) instant(device string, vals []diagnose.RegisterValue, err error, at time.Time) {
	b.do(func() { b.s.showInstant(device, vals, err, at) })
}

// liveEnded says a live view's session is closed.
func (b *readoutBridge) liveEnded(gen int) {
	b.do(func() { b.s.liveEnded(gen) })
}

// syncBridge carries the queue's state to the Sync screen.
type syncBridge struct {
	s  *SyncScreen
	do doFunc
}

// update shows the queue as last read.
func (b syncBridge) update(jobs []outbox.JobState, msgs []outbox.Message, contact string) {
	b.do(func() { b.s.showQueue(jobs, msgs, contact) })
}

// failed shows why the queue could not be read or changed.
func (b syncBridge) failed(err error) {
	b.do(func() { b.s.showFailure(err) })
}

// said shows the outcome of an action the engineer asked for.
func (b syncBridge) said(text string) {
	b.do(func() { b.s.showNote(text) })
}

// view shows the queue with its stuck messages.
func (b syncBridge) view(jobs []outbox.JobState, msgs, stuck []outbox.Message, contact string) {
	b.do(func() {
		b.s.stuck = stuck
		b.s.attention.Refresh()
		b.s.showQueue(jobs, msgs, contact)
	})
}

// jobsBridge carries work orders to the Jobs screen.
type jobsBridge struct {
	s  *JobsScreen
	do doFunc
}

// show draws a job as read from the store.
func (b jobsBridge) show(v jobView) {
	b.do(func() { b.s.show(v) })
}

// failed says why a job could not be read or saved.
func (b jobsBridge) failed(err error) {
	b.do(func() { b.s.showFailure(err) })
}

// reload reads the job again after a change was saved.
func (b jobsBridge) reload() {
	b.do(func() { b.s.Load() })
}

// noteSaved clears the note entry once its text is safely stored.
func (b jobsBridge) noteSaved(text string) {
	b.do(func() { b.s.clearNote(text) })
}

// pulled shows how "Get today's jobs" ended and reads the list again.
func (b jobsBridge) pulled(err error, at time.Time) {
	b.do(func() { b.s.showPulled(err, at) })
}

// connectBridge carries probe events to the Connect screen.
type connectBridge struct {
	s  *ConnectScreen
	do doFunc
}

// ports shows the ports present now.
func (b connectBridge) ports(list []serial.PortInfo) {
	b.do(func() { b.s.showPorts(list) })
}

// progress shows which attempt a detection is on.
func (b connectBridge) progress(p probe.Progress) {
	b.do(func() { b.s.showProgress(p) })
}

// detected shows what was found, the self-test's verdict, or the failure.
func (b connectBridge) detected(res *probe.Result, rep *probe.Report, err error) {
	b.do(func() { b.s.showDetected(res, rep, err) })
}

// failed says why the ports could not be listed.
func (b connectBridge) failed(err error) {
	b.do(func() { b.s.showFailure(err) })
}

// usbFailed says the USB probes cannot be listed (nil: they can again).
func (b connectBridge) usbFailed(err error) {
	b.do(func() { b.s.showUSBFailure(err) })
}

// remembered fills the manual settings with those remembered for a model.
func (b connectBridge) remembered(manufacturer, model string, st probe.Settings) {
	b.do(func() { b.s.manual.showRemembered(manufacturer, model, st) })
}

// stored says whether the manual settings were remembered.
func (b connectBridge) stored(what string, err error) {
	b.do(func() { b.s.manual.showStored(what, err) })
}

// commissionBridge carries the install's progress to the wizard.
type commissionBridge struct {
	s  *CommissionScreen
	do doFunc
}

// status shows the run as stored (nil: no run yet).
func (b commissionBridge) status(st *commission.RunStatus) {
	b.do(func() { b.s.showStatus(st) })
}

// finished says how the run ended and what to try.
func (b commissionBridge) finished(err error) {
	b.do(func() { b.s.showFinished(err) })
}

// saved continues the install once the answers are stored.
func (b commissionBridge) saved(err error) {
	b.do(func() { b.s.showSaved(err) })
}

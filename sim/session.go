package sim

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/hdlc"
)

// apduLink carries whole APDUs: *hdlc.Link or a wrapper connection.
type apduLink interface {
	Send(ctx context.Context, apdu []byte) error
	Receive(ctx context.Context) ([]byte, error)
}

// association runs one dlms.Server on the APDUs the dispatcher hands it.
// Receive first tells the dispatcher the previous request is finished
// (the server has sent its answer or chosen not to), so the dispatcher
// never waits in the link's Receive while a server wants to Send.
type association struct {
	sap  int
	link apduLink
	d    *dispatcher
	req  chan []byte
	idle chan struct{}
	done chan struct{}
}

func (a *association) Receive(ctx context.Context) ([]byte, error) {
	select {
	case a.idle <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case b := <-a.req:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (a *association) Send(ctx context.Context, apdu []byte) error {
	q := a.d.m.quirks()
	if q.Has(QuirkSlowReaction) {
		t := time.NewTimer(1500 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	if q.Has(QuirkAARENoUserInfo) {
		apdu = stripRejectedUserInfo(apdu)
	}
	return a.link.Send(ctx, apdu)
}

// dispatcher routes the APDUs of one link to the association of the
// client SAP that sent them.
type dispatcher struct {
	m      device
	link   apduLink
	sap    func() int
	ctx    context.Context
	cancel context.CancelFunc
	assocs map[int]*association
}

// device is what the dispatcher needs from a simulated device.
type device interface {
	server(sap int) *dlms.Server
	quirks() Quirks
	noteClientIC(apdu []byte)
	logf(format string, args ...any)
}

func newDispatcher(ctx context.Context, m device, link apduLink, sap func() int) *dispatcher {
	ctx, cancel := context.WithCancel(ctx)
	return &dispatcher{m: m, link: link, sap: sap, ctx: ctx, cancel: cancel, assocs: map[int]*association{}}
}

// close ends every association goroutine and waits for them.
func (d *dispatcher) close() {
	d.cancel()
	for _, a := range d.assocs {
		<-a.done
	}
}

// association returns the running association for sap, starting it.
func (d *dispatcher) association(sap int) *association {
	if a, ok := d.assocs[sap]; ok {
		return a
	}
	srv := d.m.server(sap)
	if srv == nil {
		return nil
	}
	a := &association{sap: sap, link: d.link, d: d, req: make(chan []byte), idle: make(chan struct{}), done: make(chan struct{})}
	d.assocs[sap] = a
	go func() {
		defer close(a.done)
		if err := srv.Serve(d.ctx, a); err != nil && d.ctx.Err() == nil {
			d.m.logf("association %d: %v", sap, err)
		}
	}()
	select { // the server's first Receive
	case <-a.idle:
	case <-a.done:
	}
	return a
}

// run routes APDUs until the link fails (DISC, inactivity, the line).
// requests counts the APDUs routed, for the reboot quirk.
func (d *dispatcher) run(rebootAfter int) error {
	for n := 0; ; n++ {
		b, err := d.link.Receive(d.ctx)
		if err != nil {
			return err
		}
		if rebootAfter > 0 && n >= rebootAfter {
			return ErrRebooted
		}
		sap := d.sap()
		if sap == SAPManagement {
			d.m.noteClientIC(b)
		}
		a := d.association(sap)
		if a == nil {
			continue // no such association: silence, as meters do
		}
		select {
		case a.req <- b:
		case <-a.done:
			delete(d.assocs, sap)
			continue
		}
		select {
		case <-a.idle:
		case <-a.done:
			delete(d.assocs, sap)
		}
	}
}

// noteClientIC records the invocation counter of a ciphered request of
// the management client (glo-ciphered services and general-glo-ciphering,
// IEC 62056-5-3 §9.2.7.2), for the invocation counter object.
func (m *ESME) noteClientIC(b []byte) {
	if len(b) < 2 {
		return
	}
	off := 0
	switch {
	case b[0] >= dlms.TagGloGetRequest && b[0] <= 0xCB:
		off = 1
	case b[0] == dlms.TagGeneralGloCiphering && len(b) > 1:
		off = 2 + int(b[1])
	default:
		return
	}
	if off >= len(b) {
		return
	}
	_, k, err := axdr.ReadLength(b[off:])
	if err != nil {
		return
	}
	off += k + 1 // length, security control
	if off+4 > len(b) {
		return
	}
	ic := binary.BigEndian.Uint32(b[off:])
	m.mu.Lock()
	if ic > m.sentIC {
		m.sentIC = ic
	}
	m.mu.Unlock()
}

func (m *ESME) server(sap int) *dlms.Server { return m.servers[sap] }
func (m *ESME) quirks() Quirks              { return m.cfg.Quirks }

// stripRejectedUserInfo drops the user-information of an AARE that
// rejects the association, as Landis+Gyr meters send it (PROTOCOLS.md
// §11.6).
func stripRejectedUserInfo(b []byte) []byte {
	if len(b) == 0 || b[0] != dlms.TagAARE {
		return b
	}
	a, err := dlms.Decode(b)
	if err != nil {
		return b
	}
	aare, ok := a.(*dlms.AARE)
	if !ok || aare.Result == 0 || aare.UserInformation == nil {
		return b
	}
	aare.UserInformation = nil
	out, err := dlms.Encode(aare)
	if err != nil {
		return b
	}
	return out
}

// serveHDLC runs HDLC and DLMS after the mode E hand-over until the link
// ends (IEC 62056-46 server role; PROTOCOLS.md §12).
func (o *optical) serveHDLC() error {
	m := o.m
	var lastSAP int
	cfg := hdlc.Config{
		ServerLogical: 1, ServerPhysical: HDLCPhysical, ServerAddressSize: 0,
		Params:            hdlc.Params{MaxInfoTx: m.cfg.MaxInfo, MaxInfoRx: m.cfg.MaxInfo, WindowTx: m.cfg.Window, WindowRx: m.cfg.Window},
		InactivityTimeout: 120 * time.Second,
		Trace: func(dir hdlc.Direction, frame []byte) {
			if dir == hdlc.Rx {
				if f, err := hdlc.DecodeFrame(frame); err == nil {
					lastSAP = int(f.Src.Upper)
				}
			}
			o.tr(dir.String(), frame)
		},
	}
	// The SNRM must come soon after the hand-over, or the meter returns
	// to 300 Bd. It also tells which of the meter's addresses the client
	// uses (PROTOCOLS.md §11.7).
	port, ok := o.awaitSNRM(5*time.Second, &cfg)
	if !ok {
		return o.ctx.Err()
	}
	actx, cancel := context.WithTimeout(o.ctx, 5*time.Second)
	link, err := hdlc.Accept(actx, port, cfg)
	cancel()
	if err != nil {
		if o.ctx.Err() != nil {
			return o.ctx.Err()
		}
		return nil
	}
	d := newDispatcher(o.ctx, m, link, func() int { return lastSAP })
	reboot := 0
	m.mu.Lock()
	if m.cfg.Quirks.Has(QuirkReboot) && m.sessions == 0 {
		reboot = 3
	}
	m.sessions++
	m.mu.Unlock()
	err = d.run(reboot)
	d.close()
	if errors.Is(err, ErrRebooted) {
		m.logf("rebooting")
		m.mu.Lock()
		m.addEvent(logStandard, EventPowerDown, "reboot")
		m.mu.Unlock()
		o.drain(3 * time.Second)
		m.mu.Lock()
		m.addEvent(logStandard, EventPowerUp, "reboot")
		m.mu.Unlock()
		return ErrRebooted
	}
	if o.ctx.Err() != nil {
		return o.ctx.Err()
	}
	if errors.Is(err, ErrDisconnected) || errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil // DISC, inactivity or a broken frame stream: back to 300 Bd
}

// awaitSNRM reads frames for at most d until an SNRM arrives for one of
// the meter's HDLC addresses: logical 1 alone (1 byte), 1/17 (2 bytes) or
// 1 and the physical address derived from the serial number (4 bytes,
// SN % 10000 + 1000, the Gurux convention of PROTOCOLS.md §11.7). Frames
// for other addresses go unanswered, as on a real meter. It sets the
// address in cfg and returns a port that replays the SNRM to hdlc.Accept.
func (o *optical) awaitSNRM(d time.Duration, cfg *hdlc.Config) (Port, bool) {
	end := time.Now().Add(d)
	phys4 := physicalFromSerial(o.m.cfg.Identity.Serial)
	buf := o.buf
	o.buf = nil
	var p [512]byte
	for {
		for {
			i := bytes.IndexByte(buf, hdlc.Flag)
			if i < 0 {
				buf = buf[:0]
				break
			}
			buf = buf[i:]
			if len(buf) < 3 {
				break
			}
			n := int(buf[1]&0x07)<<8 | int(buf[2])
			if buf[1]&0xF0 != 0xA0 || n < 7 {
				buf = buf[1:]
				continue
			}
			if len(buf) < n+2 {
				break
			}
			f, err := hdlc.DecodeFrame(buf[:n+2])
			if err != nil {
				buf = buf[1:]
				continue
			}
			dst := f.Dst
			ours := dst.Upper == 1 && (dst.Size == 1 || dst.Size == 2 && dst.Lower == HDLCPhysical || dst.Size == 4 && int(dst.Lower) == phys4)
			if f.Control.Kind() == hdlc.KindSNRM && ours {
				cfg.ServerPhysical, cfg.ServerAddressSize = int(dst.Lower), dst.Size
				return &prefixPort{Port: o.p, pending: append([]byte(nil), buf...)}, true
			}
			buf = buf[n+2:]
		}
		if o.ctx.Err() != nil || !time.Now().Before(end) {
			return nil, false
		}
		o.p.SetReadDeadline(end)
		k, err := o.p.Read(p[:])
		buf = append(buf, p[:k]...)
		if len(buf) > 8192 {
			buf = buf[len(buf)-4096:]
		}
		if err != nil && !isTimeout(err) {
			return nil, false
		}
	}
}

// physicalFromSerial is the Gurux default physical address of a meter:
// the serial number modulo 10000, plus 1000.
func physicalFromSerial(serial string) int {
	var n int
	for _, c := range serial {
		if c >= '0' && c <= '9' {
			n = (n*10 + int(c-'0')) % 10000
		}
	}
	return n + 1000
}

// prefixPort returns pending bytes before reading the port.
type prefixPort struct {
	Port
	pending []byte
}

func (p *prefixPort) Read(b []byte) (int, error) {
	if len(p.pending) > 0 {
		n := copy(b, p.pending)
		p.pending = p.pending[n:]
		return n, nil
	}
	return p.Port.Read(b)
}

// drain reads and drops everything for d: the meter is deaf.
func (o *optical) drain(d time.Duration) {
	end := time.Now().Add(d)
	var p [256]byte
	for time.Now().Before(end) && o.ctx.Err() == nil {
		o.p.SetReadDeadline(end)
		if _, err := o.p.Read(p[:]); err != nil && !isTimeout(err) {
			return
		}
	}
	o.buf = o.buf[:0]
}

// HDLCPhysical is the physical HDLC address of simulated meters in the
// 2-byte form: they answer 03 (logical 1), 1/17 and, on the optical port,
// the 4-byte form with physical address SN % 10000 + 1000
// (PROTOCOLS.md §11.7).
const HDLCPhysical = 17

// hexTrace formats a trace line: direction and hex.
func hexTrace(dir string, b []byte) string { return dir + " " + hex.EncodeToString(b) }

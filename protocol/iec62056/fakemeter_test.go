package iec62056_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/smetskit/smetskit/protocol/iec62056"
	"github.com/smetskit/smetskit/sim"
)

// fakeMeter is a small IEC 62056-21 meter built from the package's meter
// side (ParseClientMessage, Identification.Bytes, ReadoutBlocks, ...),
// serving one end of a sim line. The real simulator lives in sim; this one
// exists to drive the client through its paths, faults included.
type fakeMeter struct {
	end          *sim.End
	id           iec62056.Identification
	address      string
	readout      *iec62056.Readout
	blockSize    int
	tr           time.Duration
	stayAt300    bool // ignores the proposed speed (PROTOCOLS.md §11.2)
	confirmModeE bool // sends ACK 2 Z 2 back before switching
	noModeE      bool // answers a mode E request with a readout
	modeA        bool // sends the readout right after the identification
	modeB        bool // switches to the mode B speed after the identification
	wakeNULs     int  // NUL characters seen before the request
	badBCC       int  // corrupt the BCC of this many blocks
	password     string
	registers    map[string]string

	mu     sync.Mutex
	writes []string // commands and values the meter accepted
	hdlc   []byte   // bytes received after the mode E hand-over

	buf    []byte
	binary bool
}

func (m *fakeMeter) log(s string) {
	m.mu.Lock()
	m.writes = append(m.writes, s)
	m.mu.Unlock()
}

func (m *fakeMeter) logged() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.writes...)
}

var errIdle = errors.New("meter idle")

// read returns the next client message, waiting at most idle.
func (m *fakeMeter) read(lone bool, idle time.Duration) ([]byte, error) {
	deadline := time.Now().Add(idle)
	var p [64]byte
	for {
		for len(m.buf) > 0 {
			n, err := iec62056.FrameLength(m.buf, lone)
			if err != nil {
				if m.buf[0] == 0 {
					m.mu.Lock()
					m.wakeNULs++
					m.mu.Unlock()
				}
				m.buf = m.buf[1:]
				continue
			}
			if n == 0 {
				break
			}
			msg := m.buf[:n]
			m.buf = m.buf[n:]
			return msg, nil
		}
		m.end.SetReadDeadline(deadline)
		n, err := m.end.Read(p[:])
		for _, c := range p[:n] {
			if !m.binary {
				c &= 0x7F
			}
			m.buf = append(m.buf, c)
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, errIdle
		}
		if err != nil {
			return nil, err
		}
	}
}

func (m *fakeMeter) send(b []byte) {
	time.Sleep(m.tr)
	m.end.Write(b)
}

// run serves sign-ons until the line closes or stays idle for a minute.
func (m *fakeMeter) run() error {
	if m.tr == 0 {
		m.tr = 200 * time.Millisecond
	}
	for {
		m.end.SetLine(300, "7E1")
		m.binary = false
		m.buf = nil
		msg, err := m.read(false, time.Minute)
		if err != nil {
			if err == io.EOF || err == errIdle {
				return nil
			}
			return err
		}
		cm, err := iec62056.ParseClientMessage(msg)
		if err != nil || cm.Request == nil || !cm.Request.Addressed(m.address) {
			continue
		}
		m.send(m.id.Bytes())
		if m.modeA {
			time.Sleep(m.tr)
			m.sendReadout()
			continue
		}
		if m.modeB {
			// Both ends switch after the identification, no option select.
			m.end.SetLine(m.idBaud(), "7E1")
			time.Sleep(m.tr)
			m.sendReadout()
			continue
		}
		msg, err = m.read(false, 3*time.Second)
		if err != nil {
			continue
		}
		cm, err = iec62056.ParseClientMessage(msg)
		if err != nil || cm.OptionSelect == nil {
			continue
		}
		o := *cm.OptionSelect
		if o.Baud > m.id.Baud {
			o.Baud = m.id.Baud
		}
		rate, _ := iec62056.BaudRate(o.Baud)
		switch {
		case o.ModeE() && !m.noModeE:
			if m.confirmModeE {
				m.send(o.Confirm(m.id.Baud).Bytes())
			}
			m.end.SetLine(rate, "8N1")
			m.binary = true
			m.serveHDLC()
			return nil
		case o.Mode == iec62056.ModeProgramming:
			time.Sleep(m.tr)
			m.end.SetLine(rate, "7E1")
			m.end.Write(iec62056.OperandMessage("1234567"))
			m.program()
		default:
			time.Sleep(m.tr)
			if !m.stayAt300 {
				m.end.SetLine(rate, "7E1")
			}
			m.sendReadout()
		}
	}
}

func (m *fakeMeter) idBaud() int { return m.id.BaudRate() }

func (m *fakeMeter) sendReadout() {
	blocks := iec62056.ReadoutBlocks(m.readout, m.blockSize)
	for i := 0; i < len(blocks); {
		b := append([]byte(nil), blocks[i]...)
		corrupt := m.badBCC > 0
		if corrupt {
			m.badBCC--
			b[len(b)-1] ^= 0x01
		}
		m.end.Write(b)
		last := i == len(blocks)-1
		if last && !corrupt {
			return
		}
		msg, err := m.read(true, 3*time.Second)
		if err != nil {
			return
		}
		switch msg[0] {
		case iec62056.ACK:
			if last {
				return
			}
			i++
		case iec62056.NAK:
		default:
			return
		}
		time.Sleep(m.tr)
	}
}

func (m *fakeMeter) program() {
	for {
		msg, err := m.read(true, 10*time.Second)
		if err != nil {
			return
		}
		cm, err := iec62056.ParseClientMessage(msg)
		if err != nil {
			m.send([]byte{iec62056.NAK})
			continue
		}
		if cm.Command == nil {
			continue
		}
		cmd := cm.Command
		addr, val := cmd.DataSet()
		switch cmd.Name() {
		case "P1":
			if val == m.password {
				m.send([]byte{iec62056.ACK})
			} else {
				m.send(iec62056.ErrorMessage("ER10"))
			}
		case "P2":
			if val == "c:1234567:"+m.password {
				m.send([]byte{iec62056.ACK})
			} else {
				m.send(iec62056.ErrorMessage("ER10"))
			}
		case "R1":
			v, ok := m.registers[addr]
			if !ok {
				m.send(iec62056.ErrorMessage("ER01"))
				continue
			}
			value, unit, _ := strings.Cut(v, "*")
			ans := iec62056.AnswerMessage(iec62056.Record{Address: addr, Values: []iec62056.Value{{Value: value, Unit: unit}}})
			if m.blockSize > 0 {
				// Split the answer's data into partial blocks, each acknowledged.
				blk, _ := iec62056.ParseBlock(ans)
				data := blk.Data
				for len(data) > m.blockSize {
					m.send(iec62056.Block{Data: data[:m.blockSize], Partial: true}.Bytes())
					if msg, err := m.read(true, 3*time.Second); err != nil || msg[0] != iec62056.ACK {
						return
					}
					data = data[m.blockSize:]
				}
				ans = iec62056.Block{Data: data}.Bytes()
			}
			m.send(ans)
		case "W1", "E2":
			m.log(fmt.Sprintf("%s %s=%s", cmd.Name(), addr, val))
			m.send([]byte{iec62056.ACK})
		case "B0":
			m.log("B0")
			return
		default:
			m.send([]byte{iec62056.NAK})
		}
	}
}

// serveHDLC echoes every byte received after the hand-over, reversed per
// read, so the test sees the 8N1 link work both ways.
func (m *fakeMeter) serveHDLC() {
	var p [64]byte
	for {
		m.end.SetReadDeadline(time.Now().Add(time.Minute))
		n, err := m.end.Read(p[:])
		if n > 0 {
			m.mu.Lock()
			m.hdlc = append(m.hdlc, p[:n]...)
			m.mu.Unlock()
			m.end.Write(p[:n])
		}
		if err != nil {
			return
		}
	}
}

// recPort records the calls the session makes on its port, with their
// virtual times since the start of the test.
type recPort struct {
	*sim.End
	start time.Time
	mu    sync.Mutex
	calls []portCall
}

type portCall struct {
	at  time.Duration
	op  string // "write", "line", "read"
	arg string
}

func (p *recPort) rec(op, arg string) {
	p.mu.Lock()
	p.calls = append(p.calls, portCall{time.Since(p.start), op, arg})
	p.mu.Unlock()
}

func (p *recPort) Write(b []byte) (int, error) {
	p.rec("write", iec62056.ASCII(b))
	return p.End.Write(b)
}

func (p *recPort) SetLine(baud int, format string) error {
	p.rec("line", fmt.Sprintf("%d %s", baud, format))
	return p.End.SetLine(baud, format)
}

func (p *recPort) Read(b []byte) (int, error) {
	n, err := p.End.Read(b)
	if n > 0 {
		p.rec("read", iec62056.ASCII(b[:n]))
	}
	return n, err
}

// find returns the first call of op whose argument has prefix, after index from.
func (p *recPort) find(from int, op, prefix string) (int, portCall, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := from; i < len(p.calls); i++ {
		if c := p.calls[i]; c.op == op && strings.HasPrefix(c.arg, prefix) {
			return i, c, true
		}
	}
	return -1, portCall{}, false
}

package iec62056

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Auth is the password exchange on entering programming mode
// (IEC 62056-21 §6.4.4, PROTOCOLS.md §1.6). The meter sends an operand
// with P0; the client answers P1 with the clear password, or P2 with the
// result of Cipher(operand) when Cipher is set. The zero Auth sends no
// password (meters that allow reading without one).
type Auth struct {
	Password string
	Cipher   func(operand string) string
}

// Session is programming mode, entered with Client.Program. Commands are
// sent one at a time; each waits at most ResponseTimeout for the answer.
// The meter leaves programming mode after Break or after an inactivity
// time-out of about 60–120 s (unverified), after which commands get
// KindNoAnswer.
type Session struct {
	cl      *Client
	baud    int
	operand string
	closed  bool
}

// Operand returns the operand the meter sent with P0.
func (s *Session) Operand() string { return s.operand }

// Baud returns the speed of the session.
func (s *Session) Baud() int { return s.baud }

// Program enters programming mode: ACK 0 Z 1 at 300 Bd, the switch to Z
// after BaudSwitchDelay, the meter's P0 operand, then the password from
// auth. A NAK or error answer to the password is an *Error of
// KindRefused; no P0 at the new speed is KindOldSpeed (there is no
// automatic fallback here: sign on again with MaxBaud 300).
func (cl *Client) Program(ctx context.Context, auth Auth) (*Session, error) {
	const op = "enter programming mode"
	if err := cl.resignOn(ctx); err != nil {
		return nil, err
	}
	c := cl.c
	z := cl.baudChar()
	if _, err := cl.optionSelect(ctx, OptionSelect{Protocol: ProtocolNormal, Baud: z, Mode: ModeProgramming}, cl.opt.switchDelay(cl.id.FastReaction())); err != nil {
		return nil, classify(op, err)
	}
	rate, _ := BaudRate(z)
	if err := c.setLine(rate, Format7E1); err != nil {
		return nil, classify(op, err)
	}
	res, err := c.readMessage(ctx, cl.opt.response(), true)
	if err != nil {
		if rate != 300 && errors.Is(err, ErrNoAnswer) {
			err = &switchError{baud: rate, err: err}
		}
		return nil, classify(op, err)
	}
	s := &Session{cl: cl, baud: rate}
	p0, err := ParseCommand(res.msg)
	if err != nil {
		return nil, classify(op, err)
	}
	if p0.Name() != "P0" {
		return nil, classify(op, syntaxErr(0, ErrUnexpected, "%s where the P0 operand was expected", p0.Name()))
	}
	_, s.operand = p0.DataSet()
	switch {
	case auth.Cipher != nil:
		_, err = s.command(ctx, "password", Command{Command: CmdPassword, Type: '2', Data: "(" + auth.Cipher(s.operand) + ")"})
	case auth.Password != "":
		_, err = s.command(ctx, "password", Command{Command: CmdPassword, Type: '1', Data: "(" + auth.Password + ")"})
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Do sends a programming command and returns the meter's data answer, or
// nil when it answered ACK. Partial answer blocks are acknowledged and
// joined; a NAK from the meter makes it send the command again, up to Repeats times. Errors
// are *Error: KindRefused for NAK or an error answer "(ERxx)",
// KindGarbled, KindNoAnswer, KindPort.
func (s *Session) Do(ctx context.Context, cmd Command) (*Block, error) {
	return s.command(ctx, cmd.Name(), cmd)
}

func (s *Session) command(ctx context.Context, op string, cmd Command) (*Block, error) {
	if s.closed {
		return nil, &Error{Op: op, Kind: KindProtocol, Err: ErrClosed}
	}
	c := s.cl.c
	msg := cmd.Bytes()
	var data []byte
	blocks, naks := 0, 0
	if err := c.write(ctx, msg); err != nil {
		return nil, classify(op, err)
	}
	for {
		res, err := c.readMessage(ctx, s.cl.opt.response(), true)
		if err != nil {
			return nil, classify(op, err)
		}
		switch res.msg[0] {
		case ACK:
			if blocks == 0 {
				return nil, nil
			}
			return nil, classify(op, syntaxErr(0, ErrUnexpected, "ACK inside a multi-block answer"))
		case NAK:
			if naks >= s.cl.opt.repeats() || blocks > 0 {
				return nil, classify(op, ErrNAK)
			}
			naks++
			if err := c.write(ctx, msg); err != nil {
				return nil, classify(op, err)
			}
			continue
		case SOH:
			if cmd, perr := ParseCommand(res.msg); perr == nil && cmd.Command == CmdBreak {
				s.closed = true
				return nil, &Error{Op: op, Kind: KindRefused, Err: fmt.Errorf("%w: meter sent %s", ErrMeterError, cmd.Name())}
			}
			return nil, classify(op, syntaxErr(0, ErrUnexpected, "%q as an answer", ASCII(res.msg)))
		}
		blk, err := ParseBlock(res.msg)
		if err != nil {
			if blk != nil && naks < s.cl.opt.repeats() {
				naks++
				if err := c.write(ctx, []byte{NAK}); err != nil {
					return nil, classify(op, err)
				}
				continue
			}
			return nil, classify(op, err)
		}
		naks = 0
		blocks++
		if len(data)+len(blk.Data) > s.cl.opt.maxMessage() {
			return nil, classify(op, syntaxErr(len(data), ErrTooLong, "answer beyond %d bytes", s.cl.opt.maxMessage()))
		}
		data = append(data, blk.Data...)
		if blk.Partial {
			if err := c.write(ctx, []byte{ACK}); err != nil {
				return nil, classify(op, err)
			}
			continue
		}
		out := &Block{Data: string(data)}
		if t := out.ErrorText(); t != "" {
			return out, &Error{Op: op, Kind: KindRefused, Err: fmt.Errorf("%w: %s", ErrMeterError, t)}
		}
		return out, nil
	}
}

// dataSet builds "address(value)"; an address already holding a bracket
// group is sent as it is.
func dataSet(address, value string) string {
	if strings.IndexByte(address, '(') >= 0 {
		return address
	}
	return address + "(" + value + ")"
}

// Read sends R1 address() and returns the records of the answer, for
// example Read(ctx, "1.8.0") → [{1.8.0 [{061561.289 kWh}]}]. Pass a full
// data set ("P.01(2301010000;2301020000)") to send it as it is.
func (s *Session) Read(ctx context.Context, address string) ([]Record, error) {
	return s.ReadWith(ctx, '1', address)
}

// ReadWith sends R typ with address() (or a full data set) and returns
// the records of the answer: typ '2' formatted read, '5' and '6' profile
// reads (manufacturer-specific, unverified).
func (s *Session) ReadWith(ctx context.Context, typ Char, address string) ([]Record, error) {
	op := "read " + address
	blk, err := s.command(ctx, op, Command{Command: CmdRead, Type: typ, Data: dataSet(address, "")})
	if err != nil {
		return nil, err
	}
	if blk == nil {
		return nil, &Error{Op: op, Kind: KindProtocol, Err: fmt.Errorf("%w: ACK without data", ErrUnexpected)}
	}
	recs, err := ParseDataSets(blk.Data, 1)
	if err != nil {
		return recs, classify(op, err)
	}
	return recs, nil
}

// WriteWith sends W typ address(value): '2' formatted write, '5'
// manufacturer-specific; it waits for the meter's ACK.
func (s *Session) WriteWith(ctx context.Context, typ Char, address, value string) error {
	_, err := s.command(ctx, "write "+address, Command{Command: CmdWrite, Type: typ, Data: dataSet(address, value)})
	return err
}

// Write sends W1 address(value) and waits for the meter's ACK.
func (s *Session) Write(ctx context.Context, address, value string) error {
	_, err := s.command(ctx, "write "+address, Command{Command: CmdWrite, Type: '1', Data: dataSet(address, value)})
	return err
}

// Execute sends E2 address(value) and waits for the meter's ACK.
func (s *Session) Execute(ctx context.Context, address, value string) error {
	_, err := s.command(ctx, "execute "+address, Command{Command: CmdExecute, Type: '2', Data: dataSet(address, value)})
	return err
}

// Break sends B0, which ends programming mode without an answer, and
// returns the port to 300 Bd 7E1. The session is unusable afterwards.
func (s *Session) Break(ctx context.Context) error {
	const op = "break"
	if s.closed {
		return nil
	}
	s.closed = true
	c := s.cl.c
	if err := c.write(ctx, Command{Command: CmdBreak, Type: '0', NoData: true}.Bytes()); err != nil {
		return classify(op, err)
	}
	// Let B0 leave the UART before changing speed (5 characters).
	if err := sleep(ctx, time.Until(c.lastTx.Add(charTime(s.baud)*6))); err != nil {
		return classify(op, err)
	}
	return classify(op, c.setLine(300, Format7E1))
}

// charTime is the time one 10-bit character takes at baud.
func charTime(baud int) time.Duration {
	if baud <= 0 {
		baud = 300
	}
	return time.Duration(10 * int64(time.Second) / int64(baud))
}

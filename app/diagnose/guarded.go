package diagnose

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// Role is what the signed-in engineer may do.
type Role string

// Roles. Persisted in evidence: append only.
const (
	RoleViewer    Role = "viewer"    // read only
	RoleInstaller Role = "installer" // install and leave, clock set, reconnect
	RoleSenior    Role = "senior"    // also disconnect and firmware activation
)

// Operation is a guarded operation: one that changes the device.
type Operation string

// Guarded operations.
const (
	OpClockSet         Operation = "clock-set"
	OpDisconnect       Operation = "disconnect"
	OpReconnect        Operation = "reconnect"
	OpFirmwareActivate Operation = "firmware-activate"
)

// Permissions says which roles may run each guarded operation. It is data
// so that a supplier can tighten it; DefaultPermissions is the shipped set.
type Permissions map[Operation][]Role

// DefaultPermissions: installers may set the clock and reconnect supply;
// disconnecting supply and activating firmware need a senior engineer.
var DefaultPermissions = Permissions{
	OpClockSet:         {RoleInstaller, RoleSenior},
	OpReconnect:        {RoleInstaller, RoleSenior},
	OpDisconnect:       {RoleSenior},
	OpFirmwareActivate: {RoleSenior},
}

// Allows reports whether role may run op.
func (p Permissions) Allows(role Role, op Operation) bool { return slices.Contains(p[op], role) }

// PermissionError reports a guarded operation the role may not run.
type PermissionError struct {
	Role Role
	Op   Operation
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("diagnose: role %s may not run %s", e.Role, e.Op)
}

// Unwrap returns ErrNotPermitted.
func (e *PermissionError) Unwrap() error { return ErrNotPermitted }

// Plan is a guarded operation prepared and shown to the engineer before it
// runs: what object changes and from what to what.
type Plan struct {
	Op        Operation  `json:"op"`
	Object    cosem.OBIS `json:"object"`
	Before    string     `json:"before"`
	After     string     `json:"after"`
	PlannedAt time.Time  `json:"planned_at"`
	target    time.Time  // clock set: the time to set at PlannedAt
}

// Summary is the sentence the engineer confirms.
func (p *Plan) Summary() string {
	return fmt.Sprintf("%s on %s: %s -> %s", p.Op, p.Object, p.Before, p.After)
}

// Outcome is a guarded operation run and read back; it goes into the
// evidence bundle as an operation entry.
type Outcome struct {
	Plan     Plan      `json:"plan"`
	Role     Role      `json:"role"`
	At       time.Time `json:"at"`
	ReadBack string    `json:"read_back"`
	Verified bool      `json:"verified"`
	Note     string    `json:"note,omitempty"`
}

// clockTolerance is how far the read-back clock may be from the time set.
const clockTolerance = 5 * time.Second

// PlanClockSet prepares setting the device clock to to (usually the GPS or
// NTP reference time, read now).
func (s *Session) PlanClockSet(ctx context.Context, to time.Time) (*Plan, error) {
	c, err := s.Clock(ctx)
	if err != nil {
		return nil, err
	}
	cl := s.offered(cosem.ClassClock)[0].LogicalName
	return &Plan{Op: OpClockSet, Object: cl, Before: c.Device.Format(time.RFC3339),
		After: to.UTC().Format(time.RFC3339), PlannedAt: s.now(), target: to}, nil
}

// PlanDisconnect and PlanReconnect prepare a remote disconnect or
// reconnect of supply (Disconnect control, class 70 methods 1 and 2).
func (s *Session) PlanDisconnect(ctx context.Context) (*Plan, error) {
	return s.planSupply(ctx, OpDisconnect)
}

// PlanReconnect: see PlanDisconnect.
func (s *Session) PlanReconnect(ctx context.Context) (*Plan, error) {
	return s.planSupply(ctx, OpReconnect)
}

func (s *Session) planSupply(ctx context.Context, op Operation) (*Plan, error) {
	d, err := s.Disconnect(ctx)
	if err != nil {
		return nil, err
	}
	after := "disconnected"
	if op == OpReconnect {
		after = "connected"
	}
	return &Plan{Op: op, Object: d.OBIS, Before: supplyText(d), After: after, PlannedAt: s.now()}, nil
}

func supplyText(d *DisconnectState) string {
	if d.OutputState {
		return "connected"
	}
	return "disconnected (" + d.ControlState + ")"
}

// PlanFirmwareActivate prepares activating a transferred firmware image
// (Image transfer, class 18, method 4 image_activate).
func (s *Session) PlanFirmwareActivate(ctx context.Context) (*Plan, error) {
	it := s.offered(cosem.ClassImageTransfer)
	if len(it) == 0 {
		return nil, fmt.Errorf("image transfer: %w", ErrNotOffered)
	}
	ln := it[0].LogicalName
	st, err := s.get(ctx, cosem.ClassImageTransfer, ln, 6)
	if err != nil {
		return nil, err
	}
	return &Plan{Op: OpFirmwareActivate, Object: ln, Before: cosem.ImageTransferStatus(st.Uint()).String(),
		After: cosem.ImageTransferStatus(7).String(), PlannedAt: s.now()}, nil
}

// Execute runs a planned operation when role may (perms nil means
// DefaultPermissions), then reads the object back. It returns the outcome
// and, when the read-back does not show the change, an error wrapping
// ErrNotVerified with the outcome still filled.
func (s *Session) Execute(ctx context.Context, role Role, perms Permissions, p *Plan) (*Outcome, error) {
	if perms == nil {
		perms = DefaultPermissions
	}
	if !perms.Allows(role, p.Op) {
		return nil, &PermissionError{Role: role, Op: p.Op}
	}
	o := &Outcome{Plan: *p, Role: role, At: s.now().UTC()}
	switch p.Op {
	case OpClockSet:
		target := p.target.Add(s.now().Sub(p.PlannedAt))
		dt := axdr.FromTime(target.UTC())
		v, err := axdr.Encode(axdr.OctetString(dt.AppendBody(nil)))
		if err != nil {
			return nil, err
		}
		if err := s.client.Set(ctx, dlms.AttributeDescriptor{Class: cosem.ClassClock, Instance: p.Object, Attribute: 2}, nil, v); err != nil {
			return nil, fmt.Errorf("set clock: %w", err)
		}
		c, err := s.Clock(ctx)
		if err != nil {
			return o, fmt.Errorf("read back clock: %w", err)
		}
		want := p.target.Add(s.now().Sub(p.PlannedAt))
		o.ReadBack = c.Device.Format(time.RFC3339)
		d := c.Device.Sub(want)
		o.Verified = d <= clockTolerance && d >= -clockTolerance
		o.Note = fmt.Sprintf("read back %+.1f s from the time set", d.Seconds())
	case OpDisconnect, OpReconnect:
		m := int8(1)
		if p.Op == OpReconnect {
			m = 2
		}
		if _, err := s.client.Action(ctx, dlms.MethodDescriptor{Class: cosem.ClassDisconnectControl, Instance: p.Object, Method: m}, dlms.Data{0x0F, 0x00}); err != nil {
			return nil, fmt.Errorf("%s: %w", p.Op, err)
		}
		d, err := s.Disconnect(ctx)
		if err != nil {
			return o, fmt.Errorf("read back supply: %w", err)
		}
		o.ReadBack = supplyText(d)
		if p.Op == OpDisconnect {
			o.Verified = !d.OutputState
		} else {
			o.Verified = d.OutputState
			if !d.OutputState && d.ControlState == cosem.ReadyForReconnection.String() {
				o.Note = "armed: the customer must press the meter's button to restore supply"
			}
		}
	case OpFirmwareActivate:
		if _, err := s.client.Action(ctx, dlms.MethodDescriptor{Class: cosem.ClassImageTransfer, Instance: p.Object, Method: 4}, dlms.Data{0x0F, 0x00}); err != nil {
			return nil, fmt.Errorf("activate image: %w", err)
		}
		st, err := s.get(ctx, cosem.ClassImageTransfer, p.Object, 6)
		if err != nil {
			return o, fmt.Errorf("read back image transfer status: %w", err)
		}
		o.ReadBack = cosem.ImageTransferStatus(st.Uint()).String()
		o.Verified = st.Uint() == 7 // image activation successful
	default:
		return nil, fmt.Errorf("diagnose: unknown operation %q", p.Op)
	}
	if !o.Verified {
		return o, fmt.Errorf("%s: read back %q, want %q: %w", p.Op, o.ReadBack, p.After, ErrNotVerified)
	}
	return o, nil
}

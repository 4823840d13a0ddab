package diagnose

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// instantNames names the instantaneous values of an electricity meter
// (value group A = 1, D = 7, E = 0; IEC 62056-6-1 §7.5.3.2 value group C)
// in the words of a GB ESME's display, in the order an engineer reads
// them: voltage, current, power, power factor, frequency, then per phase.
// They come before cosem's catalogue, which lacks some (16.7.0, the net
// active power a GB ESME shows).
var instantNames = []struct {
	c    uint8
	name string
}{
	{32, "Voltage L1"}, {52, "Voltage L2"}, {72, "Voltage L3"}, {12, "Voltage, any phase"},
	{31, "Current L1"}, {51, "Current L2"}, {71, "Current L3"}, {91, "Current, neutral"}, {11, "Current, any phase"},
	{16, "Active power, net (import − export)"}, {1, "Active power import (+P)"}, {2, "Active power export (−P)"},
	{15, "Active power, absolute (|+P| + |−P|)"},
	{3, "Reactive power import (+Q)"}, {4, "Reactive power export (−Q)"}, {9, "Apparent power import (+S)"},
	{13, "Power factor"}, {14, "Supply frequency"},
	{21, "Active power import L1"}, {41, "Active power import L2"}, {61, "Active power import L3"},
	{23, "Reactive power import L1"}, {43, "Reactive power import L2"}, {63, "Reactive power import L3"},
	{33, "Power factor L1"}, {53, "Power factor L2"}, {73, "Power factor L3"},
}

// instantRank is the place of an instantaneous value in instantNames
// (unknown quantities go last).
func instantRank(o cosem.OBIS) int {
	for i, n := range instantNames {
		if n.c == o.C() {
			return i
		}
	}
	return len(instantNames)
}

// InstantName names an instantaneous value (1-0:C.7.0), or returns false
// when o is not one diagnose knows.
func InstantName(o cosem.OBIS) (string, bool) {
	if !instantaneous(o) || o.E() != 0 {
		return "", false
	}
	for _, n := range instantNames {
		if n.c == o.C() {
			return n.name, true
		}
	}
	return "", false
}

// instantObjects returns the instantaneous registers the device offers,
// in instantNames order.
func (s *Session) instantObjects() []cosem.ObjectListElement {
	var out []cosem.ObjectListElement
	for _, o := range s.offered(cosem.ClassRegister, cosem.ClassExtendedRegister) {
		if instantaneous(o.LogicalName) {
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return instantRank(out[i].LogicalName) < instantRank(out[j].LogicalName) })
	return out
}

// maxInstantList caps the attributes asked in one GET-with-list; a meter
// with more instantaneous values is asked in several.
const maxInstantList = 16

// Instantaneous reads the instantaneous values the device offers (class
// 3 and 4 registers with value group D = 7: voltage, current, active and
// reactive power, power factor, frequency, per phase where present), named
// and with units, in the order of a GB ESME's display. The first call
// reads each register's scaler_unit too; later calls read only the values
// (attribute 2), in GET-with-list requests (IEC 62056-5-3 §6.6) of up to
// 16, so a live view costs one or two exchanges. A value the device
// refuses is left out and its error joined to the result; ctx ending
// returns what was read with ctx's error.
func (s *Session) Instantaneous(ctx context.Context) ([]RegisterValue, error) {
	objs := s.instantObjects()
	if len(objs) == 0 {
		return nil, fmt.Errorf("instantaneous values: %w", ErrNotOffered)
	}
	if s.scalers == nil {
		s.scalers = make(map[cosem.OBIS]cosem.ScalerUnit)
	}
	var out []RegisterValue
	var errs []error
	var known []cosem.ObjectListElement
	for _, o := range objs {
		if _, ok := s.scalers[o.LogicalName]; ok {
			known = append(known, o)
			continue
		}
		rv, su, err := s.registerWithScaler(ctx, o)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		s.scalers[o.LogicalName] = su
		out = append(out, rv)
	}
	for len(known) > 0 {
		n := min(len(known), maxInstantList)
		vals, err := s.instantValues(ctx, known[:n])
		out = append(out, vals...)
		if err != nil {
			if ctx.Err() != nil {
				return sortInstant(out), ctx.Err()
			}
			errs = append(errs, err)
		}
		known = known[n:]
	}
	return sortInstant(out), errors.Join(errs...)
}

func sortInstant(rs []RegisterValue) []RegisterValue {
	sort.SliceStable(rs, func(i, j int) bool { return instantRank(rs[i].OBIS) < instantRank(rs[j].OBIS) })
	return rs
}

// instantValues reads attribute 2 of objs in one GET-with-list and scales
// each with the scaler_unit read before.
func (s *Session) instantValues(ctx context.Context, objs []cosem.ObjectListElement) ([]RegisterValue, error) {
	acc := make([]dlms.AttributeAccess, len(objs))
	for i, o := range objs {
		acc[i] = dlms.AttributeAccess{Attribute: dlms.AttributeDescriptor{Class: o.Class, Instance: o.LogicalName, Attribute: 2}}
	}
	res, err := s.client.GetList(ctx, acc)
	if err != nil {
		return nil, fmt.Errorf("read instantaneous values: %w", err)
	}
	if len(res) != len(objs) {
		return nil, fmt.Errorf("read instantaneous values: %d results for %d attributes", len(res), len(objs))
	}
	var out []RegisterValue
	var errs []error
	for i, r := range res {
		o := objs[i]
		if r.Result != dlms.Success {
			errs = append(errs, fmt.Errorf("read register %s: %w", o.LogicalName, r.Result))
			continue
		}
		v, _, err := axdr.Decode(r.Data)
		if err != nil {
			errs = append(errs, fmt.Errorf("decode register %s: %w", o.LogicalName, err))
			continue
		}
		out = append(out, registerValue(o, cosem.Register{Value: v, ScalerUnit: s.scalers[o.LogicalName]}))
	}
	return out, errors.Join(errs...)
}

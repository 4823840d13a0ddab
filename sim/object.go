package sim

import (
	"context"
	"sort"
	"sync"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// Level is the access level of an association: what a client may read,
// write and invoke (IEC 62056-5-3 §4.4.4 access rights, as a simulated
// meter grants them).
type Level uint8

// Access levels, one per association the simulated devices accept.
const (
	LevelPublic     Level = iota // client SAP 16, no security
	LevelReader                  // LLS: read everything but secrets
	LevelManagement              // HLS: read, write and invoke
)

// getter returns an attribute value; sel is the selective access, nil
// when there is none.
type getter func(sel *dlms.SelectiveAccess) (axdr.Value, dlms.DataAccessResult)

// setter writes an attribute.
type setter func(v axdr.Value) dlms.DataAccessResult

// method runs a method.
type method func(params axdr.Value) (axdr.Value, dlms.ActionResult)

// attribute is one readable (and perhaps writable) attribute.
type attribute struct {
	get       getter
	set       setter
	read      Level // lowest level that may read
	write     Level // lowest level that may write (only with set)
	selectors []int8
	raw       func(sel *dlms.SelectiveAccess) (dlms.Data, dlms.DataAccessResult) // encoded directly (large buffers)
}

// object is one COSEM object of a simulated device.
type object struct {
	class   cosem.ClassID
	version uint8
	ln      cosem.OBIS
	attrs   map[int8]*attribute
	methods map[int8]method
	invoke  Level
}

// objectTable is the object model of one logical device. Its methods are
// safe for concurrent use: the optical port and the hub's local delivery
// may reach the same device.
type objectTable struct {
	mu      *sync.Mutex
	objects map[cosem.OBIS]*object
	order   []cosem.OBIS
}

func newObjectTable(mu *sync.Mutex) *objectTable {
	return &objectTable{mu: mu, objects: map[cosem.OBIS]*object{}}
}

// add registers an object; logical name 1 (attribute 1) is readable by
// every association that can see the object.
func (t *objectTable) add(o *object) *object {
	if o.attrs == nil {
		o.attrs = map[int8]*attribute{}
	}
	if o.methods == nil {
		o.methods = map[int8]method{}
	}
	if o.invoke == 0 {
		o.invoke = LevelManagement
	}
	ln := o.ln
	o.attrs[1] = &attribute{get: func(*dlms.SelectiveAccess) (axdr.Value, dlms.DataAccessResult) {
		return axdr.OctetString(ln[:]), dlms.Success
	}}
	if _, dup := t.objects[o.ln]; !dup {
		t.order = append(t.order, o.ln)
	}
	t.objects[o.ln] = o
	return o
}

// value is a getter for a fixed value.
func value(v axdr.Value) getter {
	return func(*dlms.SelectiveAccess) (axdr.Value, dlms.DataAccessResult) { return v, dlms.Success }
}

// dynamic is a getter for a value computed on each read.
func dynamic(f func() axdr.Value) getter {
	return func(*dlms.SelectiveAccess) (axdr.Value, dlms.DataAccessResult) { return f(), dlms.Success }
}

// objectList returns the object_list as the association at level l sees
// it (IEC 62056-6-2 §4.4.3, class 15 attribute 2).
func (t *objectTable) objectList(l Level) []cosem.ObjectListElement {
	out := make([]cosem.ObjectListElement, 0, len(t.order))
	for _, ln := range t.order {
		o := t.objects[ln]
		e := cosem.ObjectListElement{Class: o.class, Version: o.version, LogicalName: o.ln}
		idx := make([]int, 0, len(o.attrs))
		for i := range o.attrs {
			idx = append(idx, int(i))
		}
		sort.Ints(idx)
		for _, i := range idx {
			a := o.attrs[int8(i)]
			acc := cosem.NoAccess
			switch {
			case l >= a.read && a.set != nil && l >= a.write:
				acc = cosem.ReadWrite
			case l >= a.read:
				acc = cosem.ReadOnly
			case a.set != nil && l >= a.write:
				acc = cosem.WriteOnly
			}
			e.Attributes = append(e.Attributes, cosem.AttributeAccess{Index: int8(i), Access: acc, Selectors: a.selectors})
		}
		midx := make([]int, 0, len(o.methods))
		for i := range o.methods {
			midx = append(midx, int(i))
		}
		sort.Ints(midx)
		for _, i := range midx {
			var acc cosem.MethodAccessMode
			if l >= o.invoke {
				acc = 1
			}
			e.Methods = append(e.Methods, cosem.MethodAccess{Index: int8(i), Access: acc})
		}
		out = append(out, e)
	}
	return out
}

// view is the object table as one association sees it: a dlms.ObjectModel.
type view struct {
	t     *objectTable
	level Level
	// encode post-processes an encoded value (quirks); may be nil.
	encode func(attr dlms.AttributeDescriptor, d dlms.Data) dlms.Data
	// unlocked views are used by code that already holds the table's
	// mutex (the hub applying a command to itself).
	unlocked bool
}

func (v *view) lock() func() {
	if v.unlocked {
		return func() {}
	}
	v.t.mu.Lock()
	return v.t.mu.Unlock
}

func (v *view) lookup(class cosem.ClassID, ln cosem.OBIS) (*object, bool) {
	o, ok := v.t.objects[ln]
	if !ok || o.class != class {
		return nil, false
	}
	return o, true
}

// GetAttribute implements dlms.ObjectModel.
func (v *view) GetAttribute(_ context.Context, attr dlms.AttributeDescriptor, access *dlms.SelectiveAccess) (dlms.Data, dlms.DataAccessResult) {
	defer v.lock()()
	o, ok := v.lookup(attr.Class, attr.Instance)
	if !ok {
		return nil, dlms.ObjectUndefined
	}
	a, ok := o.attrs[attr.Attribute]
	if !ok {
		return nil, dlms.ObjectUndefined
	}
	if v.level < a.read {
		return nil, dlms.ReadWriteDenied
	}
	if access != nil && !containsSelector(a.selectors, access.Selector) {
		return nil, dlms.ObjectUnavailable
	}
	var d dlms.Data
	if a.raw == nil && a.get == nil && o.class == cosem.ClassAssociationLN && attr.Attribute == 2 {
		b, err := axdr.Encode(cosem.ObjectListValue(v.t.objectList(v.level)))
		if err != nil {
			return nil, dlms.HardwareFault
		}
		d = b
	} else if a.raw != nil {
		var res dlms.DataAccessResult
		if d, res = a.raw(access); res != dlms.Success {
			return nil, res
		}
	} else {
		val, res := a.get(access)
		if res != dlms.Success {
			return nil, res
		}
		b, err := axdr.Encode(val)
		if err != nil {
			return nil, dlms.HardwareFault
		}
		d = b
	}
	if v.encode != nil {
		d = v.encode(attr, d)
	}
	return d, dlms.Success
}

func containsSelector(s []int8, sel uint8) bool {
	for _, x := range s {
		if uint8(x) == sel {
			return true
		}
	}
	return false
}

// SetAttribute implements dlms.ObjectModel.
func (v *view) SetAttribute(_ context.Context, attr dlms.AttributeDescriptor, _ *dlms.SelectiveAccess, value dlms.Data) dlms.DataAccessResult {
	defer v.lock()()
	o, ok := v.lookup(attr.Class, attr.Instance)
	if !ok {
		return dlms.ObjectUndefined
	}
	a, ok := o.attrs[attr.Attribute]
	if !ok {
		return dlms.ObjectUndefined
	}
	if a.set == nil || v.level < a.write {
		return dlms.ReadWriteDenied
	}
	val, n, err := axdr.Decode(value)
	if err != nil || n != len(value) {
		return dlms.TypeUnmatched
	}
	return a.set(val)
}

// Invoke implements dlms.ObjectModel.
func (v *view) Invoke(_ context.Context, m dlms.MethodDescriptor, params dlms.Data) (dlms.Data, dlms.ActionResult) {
	defer v.lock()()
	o, ok := v.lookup(m.Class, m.Instance)
	if !ok {
		return nil, dlms.ActionResult(dlms.ObjectUndefined)
	}
	f, ok := o.methods[m.Method]
	if !ok {
		return nil, dlms.ActionResult(dlms.ObjectUndefined)
	}
	if v.level < o.invoke {
		return nil, dlms.ActionResult(dlms.ReadWriteDenied)
	}
	var p axdr.Value
	if len(params) > 0 {
		var err error
		var n int
		if p, n, err = axdr.Decode(params); err != nil || n != len(params) {
			return nil, dlms.ActionResult(dlms.TypeUnmatched)
		}
	}
	ret, res := f(p)
	if res != 0 || ret.IsNull() {
		return nil, res
	}
	b, err := axdr.Encode(ret)
	if err != nil {
		return nil, dlms.ActionResult(dlms.HardwareFault)
	}
	return b, res
}

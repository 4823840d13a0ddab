package cosem

import (
	"fmt"

	"github.com/smetskit/smetskit/protocol/axdr"
)

// CaptureObject is one capture_object_definition of a Profile generic
// (class 7 attribute 3; PROTOCOLS.md §7.1):
//
//	structure{class-id long-unsigned, logical-name octet-string(6),
//	          attribute-index integer, data-index long-unsigned}
type CaptureObject struct {
	Class       ClassID
	LogicalName OBIS
	Attribute   int8
	DataIndex   uint16 // 0 = the whole attribute
}

// ParseCaptureObject reads one capture_object_definition.
func ParseCaptureObject(v axdr.Value) (CaptureObject, error) {
	return parseCaptureObject("capture_object_definition", v)
}

func parseCaptureObject(what string, v axdr.Value) (CaptureObject, error) {
	if v.Type() != axdr.TypeStructure || v.Len() != 4 {
		return CaptureObject{}, shapeErr(what, "%s of %d elements, want structure of 4", v.Type(), v.Len())
	}
	c, o, a, d := v.Index(0), v.Index(1), v.Index(2), v.Index(3)
	if c.Type() != axdr.TypeLongUnsigned || o.Type() != axdr.TypeOctetString || a.Type() != axdr.TypeInteger || d.Type() != axdr.TypeLongUnsigned {
		return CaptureObject{}, shapeErr(what, "structure{%s, %s, %s, %s}, want structure{long-unsigned, octet-string, integer, long-unsigned}",
			c.Type(), o.Type(), a.Type(), d.Type())
	}
	ln, err := OBISFromBytes(o.Bytes())
	if err != nil {
		return CaptureObject{}, &ShapeError{What: what, Err: err}
	}
	return CaptureObject{Class: ClassID(c.Uint()), LogicalName: ln, Attribute: int8(a.Int()), DataIndex: uint16(d.Uint())}, nil
}

// ParseCaptureObjects reads attribute 3 (array of capture_object_definition).
func ParseCaptureObjects(v axdr.Value) ([]CaptureObject, error) {
	if v.Type() != axdr.TypeArray {
		return nil, shapeErr("capture_objects", "%s, want array", v.Type())
	}
	out := make([]CaptureObject, v.Len())
	for i, e := range v.Elems() {
		var err error
		if out[i], err = parseCaptureObject(fmt.Sprintf("capture_objects[%d]", i), e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Value returns the A-XDR form of the definition.
func (c CaptureObject) Value() axdr.Value {
	return axdr.Structure(axdr.Uint16(uint16(c.Class)), axdr.OctetString(c.LogicalName.Bytes()),
		axdr.Int8(c.Attribute), axdr.Uint16(c.DataIndex))
}

// String renders "Clock 0-0:1.0.0*255 attribute 2 (time)".
func (c CaptureObject) String() string {
	s := AttributeDescriptor{c.Class, c.LogicalName, c.Attribute}.String()
	if c.DataIndex != 0 {
		s += fmt.Sprintf(" [%d]", c.DataIndex)
	}
	return s
}

// IsClockTime reports whether the column is the Clock time (class 8
// attribute 2), the usual first column of a profile.
func (c CaptureObject) IsClockTime() bool {
	return c.Class == ClassClock && c.Attribute == 2
}

// SortMethod is attribute 5 of a Profile generic.
type SortMethod uint8

// Sort methods.
const (
	SortFIFO          SortMethod = 1
	SortLIFO          SortMethod = 2
	SortLargest       SortMethod = 3
	SortSmallest      SortMethod = 4
	SortNearestToZero SortMethod = 5
	SortFarFromZero   SortMethod = 6
)

// Column is one column of a profile buffer: what it captures and, for
// register values, the scaler and unit to apply.
type Column struct {
	Object     CaptureObject
	ScalerUnit ScalerUnit
	Scaled     bool // ScalerUnit is known
}

// Name returns the OBIS name of the captured object, or its OBIS code.
func (c Column) Name() string {
	if n := c.Object.LogicalName.Name(); n != "" {
		return n
	}
	return c.Object.LogicalName.String()
}

// Format renders a cell of this column: scaled with its unit when a
// scaler is known, a date-time for clock columns, else the value itself.
func (c Column) Format(cell axdr.Value) string {
	if c.Scaled {
		if _, ok := cell.Number(); ok {
			return c.ScalerUnit.Format(cell)
		}
	}
	if c.Object.IsClockTime() {
		if d, err := cell.DateTime(); err == nil {
			return d.String()
		}
	}
	return cell.String()
}

// ProfileGeneric is the typed view of a Profile generic (class 7): its
// columns, settings, and the decoding of its buffer into rows.
type ProfileGeneric struct {
	Columns        []Column      // from attribute 3, with scalers set by SetScalerUnit
	CapturePeriod  uint32        // attribute 4, seconds (0 = asynchronous)
	SortMethod     SortMethod    // attribute 5
	SortObject     CaptureObject // attribute 6
	EntriesInUse   uint32        // attribute 7
	ProfileEntries uint32        // attribute 8
}

// SetAttribute stores attribute index (3 to 8) from its decoded value.
// Setting capture_objects resets the columns' scalers.
func (p *ProfileGeneric) SetAttribute(index int8, v axdr.Value) error {
	u32 := func(what string) (uint32, error) {
		if v.Type() != axdr.TypeDoubleLongUnsigned {
			return 0, shapeErr(what, "%s, want double-long-unsigned", v.Type())
		}
		return uint32(v.Uint()), nil
	}
	var err error
	switch index {
	case 3:
		objs, err := ParseCaptureObjects(v)
		if err != nil {
			return err
		}
		p.Columns = make([]Column, len(objs))
		for i, o := range objs {
			p.Columns[i].Object = o
		}
	case 4:
		p.CapturePeriod, err = u32("capture_period")
	case 5:
		if v.Type() != axdr.TypeEnum {
			return shapeErr("sort_method", "%s, want enum", v.Type())
		}
		p.SortMethod = SortMethod(v.Uint())
	case 6:
		p.SortObject, err = parseCaptureObject("sort_object", v)
	case 7:
		p.EntriesInUse, err = u32("entries_in_use")
	case 8:
		p.ProfileEntries, err = u32("profile_entries")
	}
	return err
}

// SetScalerUnit records the scaler_unit of a register object so that the
// columns capturing its value (attribute 2 of class 3 or 4; 2 and 3 of
// class 5) are scaled. It returns how many columns it applied to.
func (p *ProfileGeneric) SetScalerUnit(o OBIS, su ScalerUnit) int {
	n := 0
	for i := range p.Columns {
		c := &p.Columns[i]
		if c.Object.LogicalName != o {
			continue
		}
		switch {
		case (c.Object.Class == ClassRegister || c.Object.Class == ClassExtendedRegister) && c.Object.Attribute == 2,
			c.Object.Class == ClassDemandRegister && (c.Object.Attribute == 2 || c.Object.Attribute == 3):
			c.ScalerUnit, c.Scaled = su, true
			n++
		}
	}
	return n
}

// ScalerObjects returns the register objects whose scaler_unit the columns
// need, so a client can read attribute 3 (4 for class 5) of each once.
func (p *ProfileGeneric) ScalerObjects() []AttributeDescriptor {
	var out []AttributeDescriptor
	seen := map[OBIS]bool{}
	for _, c := range p.Columns {
		o := c.Object
		attr := int8(0)
		switch {
		case (o.Class == ClassRegister || o.Class == ClassExtendedRegister) && o.Attribute == 2:
			attr = 3
		case o.Class == ClassDemandRegister && (o.Attribute == 2 || o.Attribute == 3):
			attr = 4
		}
		if attr != 0 && !seen[o.LogicalName] {
			seen[o.LogicalName] = true
			out = append(out, AttributeDescriptor{o.Class, o.LogicalName, attr})
		}
	}
	return out
}

// Row is one entry of a profile buffer, one cell per column.
type Row []axdr.Value

// Scan walks an encoded buffer (attribute 2: an array of structures) with
// the streaming reader and calls fn once per entry, with the Reader placed
// on the entry's first cell; fn must read exactly one value per column
// (typed reads such as r.DateTime, r.Uint32). Nothing is allocated per
// row. When Columns is set, each entry must have that many cells. Scan
// returns the number of bytes the buffer took; trailing bytes are the
// caller's business.
func (p *ProfileGeneric) Scan(buf []byte, fn func(entry int, r *axdr.Reader) error) (int, error) {
	r := axdr.NewReader(buf)
	n, err := r.EnterArray()
	if err != nil {
		return 0, fmt.Errorf("read profile buffer: %w", err)
	}
	for i := range n {
		cells, err := r.EnterStructure()
		if err != nil {
			return 0, fmt.Errorf("read profile entry %d: %w", i, err)
		}
		if len(p.Columns) > 0 && cells != len(p.Columns) {
			return 0, shapeErr(fmt.Sprintf("profile entry %d", i), "%d cells, capture_objects has %d", cells, len(p.Columns))
		}
		if err := fn(i, r); err != nil {
			return 0, fmt.Errorf("read profile entry %d: %w", i, err)
		}
	}
	return r.Offset(), nil
}

// Rows decodes an encoded buffer (attribute 2) into rows. Cells of simple
// types share memory with buf; the rows' cells come from one allocation.
// A buffer sent as a compact-array is accepted too. It returns the rows
// and the number of bytes the buffer took.
func (p *ProfileGeneric) Rows(buf []byte) ([]Row, int, error) {
	r := axdr.NewReader(buf)
	if t, err := r.PeekType(); err == nil && t == axdr.TypeCompactArray {
		v, err := r.ReadValue()
		if err != nil {
			return nil, 0, fmt.Errorf("read profile buffer: %w", err)
		}
		rows, err := p.RowsFromValue(v)
		return rows, r.Offset(), err
	}
	n, err := r.EnterArray()
	if err != nil {
		return nil, 0, fmt.Errorf("read profile buffer: %w", err)
	}
	rows := make([]Row, n)
	var slab []axdr.Value
	if w := len(p.Columns); w > 0 {
		if n > r.Remaining()/w { // every cell takes at least one byte
			return nil, 0, shapeErr("profile buffer", "%d entries of %d cells in %d bytes", n, w, r.Remaining())
		}
		slab = make([]axdr.Value, n*w)
	}
	for i := range n {
		cells, err := r.EnterStructure()
		if err != nil {
			return nil, 0, fmt.Errorf("read profile entry %d: %w", i, err)
		}
		var row Row
		if w := len(p.Columns); w > 0 {
			if cells != w {
				return nil, 0, shapeErr(fmt.Sprintf("profile entry %d", i), "%d cells, capture_objects has %d", cells, w)
			}
			row, slab = slab[:w:w], slab[w:]
		} else {
			row = make(Row, cells)
		}
		for j := range row {
			if row[j], err = readCell(r); err != nil {
				return nil, 0, fmt.Errorf("read profile entry %d cell %d: %w", i, j, err)
			}
		}
		rows[i] = row
	}
	return rows, r.Offset(), nil
}

func readCell(r *axdr.Reader) (axdr.Value, error) {
	t, err := r.PeekType()
	if err != nil {
		return axdr.Value{}, err
	}
	switch t {
	case axdr.TypeArray, axdr.TypeStructure, axdr.TypeCompactArray:
		return r.ReadValue()
	}
	return r.Simple()
}

// RowsFromValue turns a decoded buffer (array or compact-array of
// structures) into rows.
func (p *ProfileGeneric) RowsFromValue(v axdr.Value) ([]Row, error) {
	if v.Type() != axdr.TypeArray && v.Type() != axdr.TypeCompactArray {
		return nil, shapeErr("profile buffer", "%s, want array", v.Type())
	}
	rows := make([]Row, v.Len())
	for i, e := range v.Elems() {
		if e.Type() != axdr.TypeStructure {
			return nil, shapeErr(fmt.Sprintf("profile entry %d", i), "%s, want structure", e.Type())
		}
		if len(p.Columns) > 0 && e.Len() != len(p.Columns) {
			return nil, shapeErr(fmt.Sprintf("profile entry %d", i), "%d cells, capture_objects has %d", e.Len(), len(p.Columns))
		}
		rows[i] = Row(e.Elems())
	}
	return rows, nil
}

// Cell formats cell j of a row with its column's scaler and unit.
func (p *ProfileGeneric) Cell(row Row, j int) string {
	if j < 0 || j >= len(row) {
		return ""
	}
	if j < len(p.Columns) {
		return p.Columns[j].Format(row[j])
	}
	return row[j].String()
}

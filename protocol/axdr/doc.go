// Package axdr encodes and decodes the A-XDR Data type of DLMS/COSEM
// (IEC 62056-6-2 §4.1.5–4.1.6, A-XDR rules of IEC 61334-6; summary in
// PROTOCOLS.md §6): every tagged type from null-data to dont-care, lengths
// in every form (§6.2), compact arrays with their type description, and
// date, time and date-time with deviation, clock status and "not specified"
// fields.
//
// # Value model
//
// A Value is a small struct: a Type tag, and the payload that tag needs.
// Build one with the constructors (Null, Bool, Int8 … Int64, Uint8 …
// Uint64, Enum, BCD, Float32, Float64, OctetString, VisibleString,
// UTF8String, BitString, BitStringFromText, Array, Structure,
// CompactArray with a TypeDesc, DateTimeValue, DateValue, TimeValue,
// DontCare) and read it with the accessors (Type, IsNull, Int, Uint, Bool,
// Float, Number, Bytes, Text, BitLen, Len, Elems, Index, TypeDesc,
// DateTime, Date, TimeOfDay, Equal, String). A decoded Value keeps what it
// needs to encode the same bytes again, down to non-minimal length forms.
//
// Encoding: Append, Encode, AppendLength, LengthSize; decoding: Decode,
// Decoder (reuses its memory), Skip, ReadLength, ParseTypeDesc. PackBCD and
// UnpackBCD handle packed-BCD digits inside octet-strings. Delta types
// (0x1C–0x21) inside compact-arrays are refused with ErrUnsupported.
//
//	v, n, err := axdr.Decode(apduData)        // one tagged value
//	if err != nil { ... }                      // *axdr.Error{Op, Offset, Err}
//	if n != len(apduData) { ... }              // trailing bytes: caller's call
//	for _, e := range v.Elems() {
//		fmt.Println(e.Type(), e.Uint())
//	}
//	b, err := axdr.Append(nil, axdr.Structure(axdr.Int8(-3), axdr.Enum(30)))
//	// b = 02 02 0F FD 16 1E  (scaler_unit −3, Wh)
//
// Decode copies the bytes it keeps, so the input buffer may be reused.
// Skip measures one value without building it. Values marshal to JSON as
// {"type":"structure","value":[...]} (see MarshalJSON).
//
// # Date and time
//
// DateTime holds the 12 bytes field by field. FromTime builds one from a
// time.Time (deviation = −UTC offset in minutes, the standard sign);
// DateTime.Time turns one back into an instant, reading the deviation as
// the meter's DeviationSign setting says (normal, reversed, ignore;
// PROTOCOLS.md §11.4).
//
//	d, _ := axdr.ParseDateTime(body)
//	t, err := d.Time(nil, axdr.DeviationNormal)
//
// # Streaming
//
// Reader walks a large buffer (a profile generic buffer of thousands of
// rows) without building a tree: EnterArray, EnterStructure, then typed
// reads (Uint8, Uint32, OctetStringBytes, DateTime, ...) straight into the
// caller's structs, with no allocation per row.
//
//	r := axdr.NewReader(buf)
//	n, err := r.EnterArray()
//	rows := make([]Row, n)       // n never exceeds the bytes left
//	for i := range rows {
//		if _, err := r.EnterStructure(); err != nil { ... }
//		err = r.DateTimeTo(&rows[i].Time) // octet-string(12) or date-time
//		rows[i].Status, err = r.Uint8()
//		rows[i].Import, err = r.Uint32()
//		rows[i].Export, err = r.Uint32()
//	}
//
// Reader.Simple reads any non-container value without allocating,
// Reader.ReadValue decodes a whole subtree, Reader.Skip steps over one.
// A Decoder keeps its memory between calls for callers that build many
// large trees.
//
// Nothing read from the wire panics: every length and count is checked
// against the bytes left before anything is allocated, and nesting is
// bounded by MaxDepth.
package axdr

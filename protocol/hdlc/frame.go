package hdlc

// Flag opens and closes every frame (IEC 62056-46). Frame format
// type 3 uses no byte stuffing: the length field finds the closing flag.
const Flag = 0x7E

// Frame format limits (IEC 62056-46, PROTOCOLS.md §2.1).
const (
	// MaxLength is the largest value of the 11-bit length field: the bytes
	// from the format field through the FCS.
	MaxLength = 2047
	// MaxInfo is the largest information field a link negotiates.
	MaxInfo = 2030
	// minLength is format(2) + dst(1) + src(1) + control(1) + FCS(2).
	minLength = 7
	// formatType3 is the top nibble of the format field: 1010.
	formatType3 = 0xA0
	// segmentBit is the S bit of the format field's first byte.
	segmentBit = 0x08
)

// Frame is one HDLC frame of format type 3:
//
//	7E | format(2) | dst(1|2|4) | src(1|2|4) | control(1) | [HCS(2) | info(n)] | FCS(2) | 7E
//	format = 1010 S LLL LLLLLLLL   (S = more segments follow, L = length)
//
// The HCS is present only when Info is not empty.
type Frame struct {
	Segmented bool // S bit: more segments of the same APDU follow
	Dst, Src  Address
	Control   Control
	Info      []byte
}

// EncodedLen returns the value of the length field for f.
func (f *Frame) EncodedLen() int {
	n := 2 + f.Dst.Size + f.Src.Size + 1 + 2
	if len(f.Info) > 0 {
		n += 2 + len(f.Info)
	}
	return n
}

// Append appends the encoded frame, both flags included, to b.
func (f *Frame) Append(b []byte) ([]byte, error) {
	if !f.Dst.Valid() || !f.Src.Valid() {
		return b, &FrameError{Op: "encode", Offset: 3, Err: ErrBadAddress}
	}
	n := f.EncodedLen()
	if n > MaxLength {
		return b, &FrameError{Op: "encode", Offset: 1, Err: ErrTooLong}
	}
	format := formatType3 | byte(n>>8)&0x07
	if f.Segmented {
		format |= segmentBit
	}
	b = append(b, Flag, format, byte(n))
	start := len(b) - 2
	b = appendAddress(b, f.Dst)
	b = appendAddress(b, f.Src)
	b = append(b, byte(f.Control))
	if len(f.Info) > 0 {
		b = appendFCS(b, start)
		b = append(b, f.Info...)
	}
	b = appendFCS(b, start)
	return append(b, Flag), nil
}

// MarshalBinary returns the encoded frame, both flags included.
func (f *Frame) MarshalBinary() ([]byte, error) {
	return f.Append(make([]byte, 0, f.EncodedLen()+2))
}

// header is the part of a frame before the HCS.
type header struct {
	length    int // value of the length field
	segmented bool
	dst, src  Address
	control   Control
	size      int // bytes from the format field through the control field
}

// hasInfo reports whether the length leaves room for HCS and information.
func (h *header) hasInfo() bool { return h.length > h.size+2 }

// fault describes a bad frame without allocating; err == nil means none.
// Offsets count from the opening flag.
type fault struct {
	op  string
	off int
	err error
}

func (f fault) asError() error {
	return &FrameError{Op: f.op, Offset: f.off, Err: f.err}
}

// parseHeader reads a header from b, which starts at the format field (one
// byte after the opening flag). n == 0 with no fault means b ends before
// the header does.
func parseHeader(b []byte, maxLength int) (h header, n int, ft fault) {
	if len(b) < 2 {
		return h, 0, fault{}
	}
	if b[0]&0xF0 != formatType3 {
		return h, 0, fault{"decode format", 1, ErrBadFormat}
	}
	h.segmented = b[0]&segmentBit != 0
	h.length = int(b[0]&0x07)<<8 | int(b[1])
	if h.length < minLength || h.length > maxLength {
		return h, 0, fault{"decode format", 1, ErrBadLength}
	}
	i := 2
	var k int
	var err error
	h.dst, k, err = parseAddress(b[i:min(len(b), h.length-2)])
	if err != nil {
		return h, 0, fault{"decode destination address", 1 + i, err}
	}
	if k == 0 {
		if len(b) >= h.length-2 {
			return h, 0, fault{"decode destination address", 1 + i, ErrBadLength}
		}
		return h, 0, fault{}
	}
	i += k
	if i >= h.length-2 {
		return h, 0, fault{"decode source address", 1 + i, ErrBadLength}
	}
	h.src, k, err = parseAddress(b[i:min(len(b), h.length-2)])
	if err != nil {
		return h, 0, fault{"decode source address", 1 + i, err}
	}
	if k == 0 {
		if len(b) >= h.length-2 {
			return h, 0, fault{"decode source address", 1 + i, ErrBadLength}
		}
		return h, 0, fault{}
	}
	i += k
	if i >= h.length-2 {
		return h, 0, fault{"decode control", 1 + i, ErrBadLength}
	}
	if len(b) <= i {
		return h, 0, fault{}
	}
	h.control = Control(b[i])
	i++
	h.size = i
	// Either no information field (length = header + FCS) or HCS, at least
	// one information byte and FCS.
	if h.length != i+2 && h.length < i+5 {
		return h, 0, fault{"decode length", 1, ErrBadLength}
	}
	return h, i, fault{}
}

// DecodeFrame decodes one whole frame, both flags included, and checks its
// HCS and FCS. The returned Info aliases b. Errors are *FrameError.
func DecodeFrame(b []byte) (Frame, error) {
	if len(b) < minLength+2 {
		return Frame{}, fault{"decode", len(b), ErrShortFrame}.asError()
	}
	if b[0] != Flag {
		return Frame{}, fault{"decode opening flag", 0, ErrBadFlag}.asError()
	}
	h, n, ft := parseHeader(b[1:], MaxLength)
	if ft.err != nil {
		return Frame{}, ft.asError()
	}
	if n == 0 || len(b) != h.length+2 {
		return Frame{}, fault{"decode length", 1, ErrBadLength}.asError()
	}
	f, ft := finishFrame(b, h)
	if ft.err != nil {
		return Frame{}, ft.asError()
	}
	return f, nil
}

// finishFrame checks the closing flag, HCS and FCS of a frame whose header
// is parsed and whose bytes are all in b (flags included).
func finishFrame(b []byte, h header) (Frame, fault) {
	end := h.length + 1
	if b[end] != Flag {
		return Frame{}, fault{"decode closing flag", end, ErrBadFlag}
	}
	f := Frame{Segmented: h.segmented, Dst: h.dst, Src: h.src, Control: h.control}
	if h.hasInfo() {
		if fcsUpdate(0xFFFF, b[1:1+h.size+2]) != ^uint16(fcsGood) {
			return Frame{}, fault{"check header", 1 + h.size, ErrBadHCS}
		}
		f.Info = b[1+h.size+2 : end-2]
	}
	if fcsUpdate(0xFFFF, b[1:end]) != ^uint16(fcsGood) {
		return Frame{}, fault{"check frame", end - 2, ErrBadFCS}
	}
	return f, fault{}
}

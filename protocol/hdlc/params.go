package hdlc

// Params are the HDLC parameters negotiated by SNRM and UA (IEC 62056-46
// and PROTOCOLS.md §2.5), stated from one side's point of view:
// Tx is what that side sends, Rx what it accepts. MaxInfo counts the
// information field only (LLC included).
type Params struct {
	MaxInfoTx int `json:"max_info_field_length_transmit"`
	MaxInfoRx int `json:"max_info_field_length_receive"`
	WindowTx  int `json:"window_size_transmit"`
	WindowRx  int `json:"window_size_receive"`
}

// DefaultParams are the values that hold when a parameter, or the whole
// information field of SNRM or UA, is absent: 128, 128, 1, 1.
func DefaultParams() Params {
	return Params{MaxInfoTx: 128, MaxInfoRx: 128, WindowTx: 1, WindowRx: 1}
}

// Parameter identifiers inside the HDLC parameter group.
const (
	paramFormat    = 0x81
	paramGroup     = 0x80
	paramMaxInfoTx = 0x05
	paramMaxInfoRx = 0x06
	paramWindowTx  = 0x07
	paramWindowRx  = 0x08
	minInfo        = 16 // smallest information field a link accepts
)

// withDefaults fills zero fields with the default values.
func (p Params) withDefaults() Params {
	d := DefaultParams()
	if p.MaxInfoTx == 0 {
		p.MaxInfoTx = d.MaxInfoTx
	}
	if p.MaxInfoRx == 0 {
		p.MaxInfoRx = d.MaxInfoRx
	}
	if p.WindowTx == 0 {
		p.WindowTx = d.WindowTx
	}
	if p.WindowRx == 0 {
		p.WindowRx = d.WindowRx
	}
	return p
}

// clamp bounds the values to what a link can use: information fields of
// 16..2030 bytes and windows of 1..7 frames.
func (p Params) clamp() Params {
	p.MaxInfoTx = max(minInfo, min(MaxInfo, p.MaxInfoTx))
	p.MaxInfoRx = max(minInfo, min(MaxInfo, p.MaxInfoRx))
	p.WindowTx = max(1, min(7, p.WindowTx))
	p.WindowRx = max(1, min(7, p.WindowRx))
	return p
}

// swap returns p as seen from the peer.
func (p Params) swap() Params {
	return Params{MaxInfoTx: p.MaxInfoRx, MaxInfoRx: p.MaxInfoTx, WindowTx: p.WindowRx, WindowRx: p.WindowTx}
}

// negotiate returns the parameters a side uses given its own proposal and
// the peer's statement: each limit is the smaller of what one side sends
// and the other accepts.
func negotiate(local, peer Params) Params {
	local, peer = local.withDefaults(), peer.withDefaults()
	return Params{
		MaxInfoTx: min(local.MaxInfoTx, peer.MaxInfoRx),
		MaxInfoRx: min(local.MaxInfoRx, peer.MaxInfoTx),
		WindowTx:  min(local.WindowTx, peer.WindowRx),
		WindowRx:  min(local.WindowRx, peer.WindowTx),
	}.clamp()
}

// AppendParams appends the SNRM/UA information field for p: format
// identifier 81, group 80, then the four parameters. Information lengths
// take one byte below 256 and two otherwise; windows take four bytes, as
// the meters in the vectors send them.
//
//	81 80 LL  05 n v  06 n v  07 04 vvvvvvvv  08 04 vvvvvvvv
func AppendParams(b []byte, p Params) []byte {
	b = append(b, paramFormat, paramGroup, 0)
	lenAt := len(b) - 1
	for _, id := range [...]byte{paramMaxInfoTx, paramMaxInfoRx} {
		v := p.MaxInfoTx
		if id == paramMaxInfoRx {
			v = p.MaxInfoRx
		}
		if v < 256 {
			b = append(b, id, 1, byte(v))
		} else {
			b = append(b, id, 2, byte(v>>8), byte(v))
		}
	}
	for _, id := range [...]byte{paramWindowTx, paramWindowRx} {
		v := p.WindowTx
		if id == paramWindowRx {
			v = p.WindowRx
		}
		b = append(b, id, 4, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	b[lenAt] = byte(len(b) - lenAt - 1)
	return b
}

// ParseParams decodes the information field of an SNRM or UA frame. An
// empty field, or a missing parameter, means the default value. Values of
// 1, 2 or 4 bytes are accepted; unknown parameters are skipped.
func ParseParams(info []byte) (Params, error) {
	p := DefaultParams()
	if len(info) == 0 {
		return p, nil
	}
	if len(info) < 3 || info[0] != paramFormat || info[1] != paramGroup {
		return p, &FrameError{Op: "decode parameters", Offset: 0, Err: ErrBadParams}
	}
	n := int(info[2])
	if n > len(info)-3 {
		return p, &FrameError{Op: "decode parameter group length", Offset: 2, Err: ErrBadParams}
	}
	g := info[3 : 3+n]
	for i := 0; i < len(g); {
		if i+2 > len(g) {
			return p, &FrameError{Op: "decode parameter", Offset: 3 + i, Err: ErrBadParams}
		}
		id, l := g[i], int(g[i+1])
		if i+2+l > len(g) {
			return p, &FrameError{Op: "decode parameter length", Offset: 4 + i, Err: ErrBadParams}
		}
		v := 0
		for _, x := range g[i+2 : i+2+l] {
			v = v<<8 | int(x)
		}
		known := id >= paramMaxInfoTx && id <= paramWindowRx
		if known && (l == 0 || l == 3 || l > 4) {
			return p, &FrameError{Op: "decode parameter value", Offset: 4 + i, Err: ErrBadParams}
		}
		switch id {
		case paramMaxInfoTx:
			p.MaxInfoTx = v
		case paramMaxInfoRx:
			p.MaxInfoRx = v
		case paramWindowTx:
			p.WindowTx = v
		case paramWindowRx:
			p.WindowRx = v
		}
		i += 2 + l
	}
	return p, nil
}

// Swapped returns p as the peer states it: its Tx is p's Rx.
func (p Params) Swapped() Params { return p.swap() }

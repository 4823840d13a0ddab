package axdr

// MaxLength is the largest length or count ReadLength accepts. Real values
// are far smaller; the cap keeps arithmetic on int safe on 32-bit hosts.
const MaxLength = 1<<31 - 1

// AppendLength appends the A-XDR length (PROTOCOLS.md §6.2) of n: one byte
// when n < 0x80, otherwise 0x80|k followed by k big-endian bytes, with k as
// small as possible. n must not be negative.
//
//	5    → 05
//	128  → 81 80
//	256  → 82 01 00
func AppendLength(dst []byte, n int) []byte {
	if n < 0 {
		panic("axdr: AppendLength of negative length")
	}
	if n < 0x80 {
		return append(dst, byte(n))
	}
	k := 0
	for v := n; v > 0; v >>= 8 {
		k++
	}
	dst = append(dst, 0x80|byte(k))
	for i := k - 1; i >= 0; i-- {
		dst = append(dst, byte(n>>(8*i)))
	}
	return dst
}

// LengthSize returns how many bytes AppendLength writes for n.
func LengthSize(n int) int {
	if n < 0x80 {
		return 1
	}
	k := 1
	for v := n; v > 0; v >>= 8 {
		k++
	}
	return k
}

// ReadLength reads an A-XDR length at the start of b and returns it with the
// number of bytes it took. Long forms of 1 to 4 bytes are accepted, also
// when not minimal; 0x80 (indefinite) and longer forms are rejected. The
// length is not checked against the rest of b: that is the caller's job.
func ReadLength(b []byte) (n, size int, err error) {
	n, size, err = readLength(b)
	if err != nil {
		return 0, 0, newError("read length", 0, err)
	}
	return n, size, nil
}

func readLength(b []byte) (int, int, error) {
	if len(b) == 0 {
		return 0, 0, ErrTruncated
	}
	c := b[0]
	if c < 0x80 {
		return int(c), 1, nil
	}
	k := int(c & 0x7F)
	if k == 0 || k > 4 {
		return 0, 0, ErrBadLength
	}
	if len(b) < 1+k {
		return 0, 0, ErrTruncated
	}
	var v uint64
	for _, x := range b[1 : 1+k] {
		v = v<<8 | uint64(x)
	}
	if v > MaxLength {
		return 0, 0, ErrBadLength
	}
	return int(v), 1 + k, nil
}

// longForm returns what a Value records about a length of n read in size
// bytes: 0 when the form was minimal, else the number of bytes after 0x8k.
func longForm(n, size int) uint8 {
	if size == LengthSize(n) {
		return 0
	}
	return uint8(size - 1)
}

// appendLengthForm appends n in the form recorded by longForm, falling
// back to the minimal form when the recorded one cannot hold n.
func appendLengthForm(dst []byte, n int, lform uint8) []byte {
	k := int(lform)
	if k == 0 || k > 4 || LengthSize(n) > 1+k {
		return AppendLength(dst, n)
	}
	dst = append(dst, 0x80|byte(k))
	for i := k - 1; i >= 0; i-- {
		dst = append(dst, byte(n>>(8*i)))
	}
	return dst
}

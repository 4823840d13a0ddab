package axdr

import "fmt"

// Type is an A-XDR Data type tag (IEC 62056-6-2 §4.1.5, PROTOCOLS.md §6.1).
type Type uint8

// The Data type tags.
const (
	TypeNull               Type = 0x00 // null-data
	TypeArray              Type = 0x01 // array
	TypeStructure          Type = 0x02 // structure
	TypeBoolean            Type = 0x03 // boolean
	TypeBitString          Type = 0x04 // bit-string
	TypeDoubleLong         Type = 0x05 // double-long (int32)
	TypeDoubleLongUnsigned Type = 0x06 // double-long-unsigned (uint32)
	TypeOctetString        Type = 0x09 // octet-string
	TypeVisibleString      Type = 0x0A // visible-string
	TypeUTF8String         Type = 0x0C // utf8-string
	TypeBCD                Type = 0x0D // bcd
	TypeInteger            Type = 0x0F // integer (int8)
	TypeLong               Type = 0x10 // long (int16)
	TypeUnsigned           Type = 0x11 // unsigned (uint8)
	TypeLongUnsigned       Type = 0x12 // long-unsigned (uint16)
	TypeCompactArray       Type = 0x13 // compact-array
	TypeLong64             Type = 0x14 // long64 (int64)
	TypeLong64Unsigned     Type = 0x15 // long64-unsigned (uint64)
	TypeEnum               Type = 0x16 // enum
	TypeFloat32            Type = 0x17 // float32
	TypeFloat64            Type = 0x18 // float64
	TypeDateTime           Type = 0x19 // date-time, 12 bytes
	TypeDate               Type = 0x1A // date, 5 bytes
	TypeTime               Type = 0x1B // time, 4 bytes
	TypeDeltaInteger       Type = 0x1C // delta-integer (compact arrays only)
	TypeDeltaLong          Type = 0x1D // delta-long
	TypeDeltaDoubleLong    Type = 0x1E // delta-double-long
	TypeDeltaUnsigned      Type = 0x1F // delta-unsigned
	TypeDeltaLongUnsigned  Type = 0x20 // delta-long-unsigned
	TypeDeltaDoubleLongU   Type = 0x21 // delta-double-long-unsigned
	TypeDontCare           Type = 0xFF // dont-care
)

var typeNames = [...]string{
	TypeNull:               "null-data",
	TypeArray:              "array",
	TypeStructure:          "structure",
	TypeBoolean:            "boolean",
	TypeBitString:          "bit-string",
	TypeDoubleLong:         "double-long",
	TypeDoubleLongUnsigned: "double-long-unsigned",
	TypeOctetString:        "octet-string",
	TypeVisibleString:      "visible-string",
	TypeUTF8String:         "utf8-string",
	TypeBCD:                "bcd",
	TypeInteger:            "integer",
	TypeLong:               "long",
	TypeUnsigned:           "unsigned",
	TypeLongUnsigned:       "long-unsigned",
	TypeCompactArray:       "compact-array",
	TypeLong64:             "long64",
	TypeLong64Unsigned:     "long64-unsigned",
	TypeEnum:               "enum",
	TypeFloat32:            "float32",
	TypeFloat64:            "float64",
	TypeDateTime:           "date-time",
	TypeDate:               "date",
	TypeTime:               "time",
	TypeDeltaInteger:       "delta-integer",
	TypeDeltaLong:          "delta-long",
	TypeDeltaDoubleLong:    "delta-double-long",
	TypeDeltaUnsigned:      "delta-unsigned",
	TypeDeltaLongUnsigned:  "delta-long-unsigned",
	TypeDeltaDoubleLongU:   "delta-double-long-unsigned",
}

// String returns the Blue Book name of the type ("double-long-unsigned"),
// or "type(0x07)" for an unknown tag.
func (t Type) String() string {
	if t == TypeDontCare {
		return "dont-care"
	}
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("type(0x%02x)", uint8(t))
}

// Valid reports whether t is a Data type that may appear as a tag of a
// tagged value (the delta types appear only inside compact-array type
// descriptions).
func (t Type) Valid() bool {
	if t == TypeDontCare {
		return true
	}
	return int(t) < len(typeNames) && typeNames[t] != "" && t < TypeDeltaInteger
}

// ParseType returns the Type named name (as String prints it).
func ParseType(name string) (Type, bool) {
	if name == "dont-care" {
		return TypeDontCare, true
	}
	for i, n := range typeNames {
		if n == name && n != "" {
			return Type(i), true
		}
	}
	return 0, false
}

// fixedSize returns the body size of a fixed-size simple type, or -1.
func (t Type) fixedSize() int {
	switch t {
	case TypeNull, TypeDontCare:
		return 0
	case TypeBoolean, TypeBCD, TypeInteger, TypeUnsigned, TypeEnum:
		return 1
	case TypeLong, TypeLongUnsigned:
		return 2
	case TypeDoubleLong, TypeDoubleLongUnsigned, TypeFloat32, TypeTime:
		return 4
	case TypeDate:
		return 5
	case TypeLong64, TypeLong64Unsigned, TypeFloat64:
		return 8
	case TypeDateTime:
		return 12
	}
	return -1
}

// signed reports whether an integer type is signed.
func (t Type) signed() bool {
	switch t {
	case TypeInteger, TypeLong, TypeDoubleLong, TypeLong64, TypeBCD:
		return true
	}
	return false
}

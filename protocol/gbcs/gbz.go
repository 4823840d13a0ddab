package gbcs

import (
	"encoding/binary"
	"fmt"
	"time"
)

// GBZ control-field bits (GBZ component header).
const (
	GBZLastComponent    = 0x01 // this is the last component
	GBZEncrypted        = 0x02 // ZCL payload is AES-GCM encrypted
	GBZFromDateTimeFlag = 0x10 // a 4-byte "from date-time" precedes the ZCL header
)

// maxGBZComponents caps the component count before allocating.
const maxGBZComponents = 64

// zigbeeEpoch is the ZigBee UTCTime origin.
var zigbeeEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// GBZPayload is a GBZ payload: the ZigBee Smart Energy profile ID, the
// component count and the components (GBCS "GBZ" payload format). Alerts (CRA 3) carry a
// GBZ alert code and timestamp before the components.
//
//	01 09                     profile ID
//	<n>                       component count
//	[<alert:2> <time:4>]      alerts only
//	per component:
//	  <control> <cluster:2> <len:2>
//	  [<additional header control> <frame counter>]  when encrypted
//	  [<from date-time:4>]                           when flagged
//	  <ZCL frame control> [<manufacturer:2>] <seq> <command> <ZCL payload>
type GBZPayload struct {
	ProfileID      uint16         `json:"profileId"`
	ComponentCount int            `json:"componentCount"`
	Alert          *GBZAlert      `json:"alert,omitempty"`
	Components     []GBZComponent `json:"components"`
	// AlertData holds the bytes after a GBZ alert header when they are not
	// GBZ components (future-dated and firmware-distribution alerts carry
	// use-case specific fields there).
	AlertData Hex `json:"alertData,omitempty"`
}

// GBZAlert is the header of a GBZ alert payload.
type GBZAlert struct {
	Code      AlertCode `json:"alertCode"`
	AlertName string    `json:"alertName,omitempty"`
	Timestamp time.Time `json:"timestamp"`
	raw       uint32
}

// GBZComponent is one GBZ use-case component: a ZCL command on a cluster.
type GBZComponent struct {
	Control      byte       `json:"control"`
	Cluster      uint16     `json:"cluster"`
	ClusterName  string     `json:"clusterName,omitempty"`
	Encrypted    bool       `json:"encrypted,omitempty"`
	FromDateTime *time.Time `json:"fromDateTime,omitempty"`
	fromRaw      uint32

	// AdditionalHeader holds the two additional-header bytes (control and
	// frame counter) of an encrypted component.
	AdditionalHeader Hex `json:"additionalHeader,omitempty"`

	FrameControl     byte    `json:"frameControl"`
	ManufacturerCode *uint16 `json:"manufacturerCode,omitempty"`
	Sequence         byte    `json:"sequence"`
	CommandID        byte    `json:"commandId"`
	Command          string  `json:"command"`
	// Payload is the ZCL payload after the command ID: plaintext, or for
	// encrypted components the ciphered-information length, security
	// header, ciphertext and 12-byte tag.
	Payload Hex `json:"payload,omitempty"`

	// Attributes lists the attribute records of Read Attributes and Read
	// Attributes Response commands.
	Attributes []ZCLAttribute `json:"attributes,omitempty"`
	// Default is the body of a Default Response.
	Default *ZCLDefaultResponse `json:"defaultResponse,omitempty"`
}

// ClusterSpecific reports whether the ZCL frame is cluster-specific (frame
// type 1) rather than profile-wide.
func (c *GBZComponent) ClusterSpecific() bool { return c.FrameControl&0x03 == 1 }

// ServerToClient reports the ZCL direction bit.
func (c *GBZComponent) ServerToClient() bool { return c.FrameControl&0x08 != 0 }

// ParseGBZ decodes a GBZ payload. alert selects the alert form (the
// message's CRA flag is Alert).
func ParseGBZ(b []byte, alert bool) (*GBZPayload, error) {
	const op = "GBZ"
	if len(b) < 3 {
		return nil, decodeErr(op, len(b), ErrShort)
	}
	g := &GBZPayload{ProfileID: binary.BigEndian.Uint16(b), ComponentCount: int(b[2])}
	if g.ProfileID != GBZProfileID {
		return nil, decodeErr(op, 0, fmt.Errorf("%w: profile %#04x, want 0x0109", ErrTag, g.ProfileID))
	}
	if g.ComponentCount > maxGBZComponents {
		return nil, decodeErr(op, 2, fmt.Errorf("%w: %d components", ErrLength, g.ComponentCount))
	}
	p := 3
	if alert {
		if len(b) < p+6 {
			return nil, decodeErr(op, p, ErrShort)
		}
		a := &GBZAlert{Code: AlertCode(binary.BigEndian.Uint16(b[p:])), raw: binary.BigEndian.Uint32(b[p+2:])}
		a.AlertName = a.Code.Name()
		a.Timestamp = zigbeeEpoch.Add(time.Duration(a.raw) * time.Second)
		g.Alert = a
		p += 6
	}
	comps, err := parseGBZComponents(b, p, g.ComponentCount)
	if err != nil {
		if !alert {
			return nil, err
		}
		g.AlertData = b[p:]
		return g, nil
	}
	g.Components = comps
	return g, nil
}

func parseGBZComponents(b []byte, p, count int) ([]GBZComponent, error) {
	out := make([]GBZComponent, 0, min(count, (len(b)-p)/6+1))
	for i := 0; i < count; i++ {
		c, n, err := parseGBZComponent(b, p)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		p = n
	}
	if p != len(b) {
		return nil, decodeErr("GBZ", p, ErrTrailing)
	}
	return out, nil
}

func parseGBZComponent(b []byte, off int) (GBZComponent, int, error) {
	const op = "GBZ component"
	var c GBZComponent
	if len(b) < off+5 {
		return c, 0, decodeErr(op, off, ErrShort)
	}
	c.Control = b[off]
	c.Encrypted = c.Control&GBZEncrypted != 0
	c.Cluster = binary.BigEndian.Uint16(b[off+1:])
	c.ClusterName = zclClusters[c.Cluster].name
	l := int(binary.BigEndian.Uint16(b[off+3:]))
	p := off + 5
	end := p + l
	if end > len(b) {
		return c, 0, decodeErr(op, off+3, fmt.Errorf("%w: %d bytes announced, %d left", ErrShort, l, len(b)-p))
	}
	need := func(k int) error {
		if p+k > end {
			return decodeErr(op, p, ErrShort)
		}
		return nil
	}
	if c.Encrypted {
		if err := need(2); err != nil {
			return c, 0, err
		}
		c.AdditionalHeader = b[p : p+2]
		p += 2
	}
	if c.Control&GBZFromDateTimeFlag != 0 {
		if err := need(4); err != nil {
			return c, 0, err
		}
		c.fromRaw = binary.BigEndian.Uint32(b[p:])
		t := zigbeeEpoch.Add(time.Duration(c.fromRaw) * time.Second)
		c.FromDateTime = &t
		p += 4
	}
	if err := need(3); err != nil {
		return c, 0, err
	}
	c.FrameControl = b[p]
	p++
	if c.FrameControl&0x04 != 0 {
		if err := need(4); err != nil {
			return c, 0, err
		}
		mc := binary.LittleEndian.Uint16(b[p:])
		c.ManufacturerCode = &mc
		p += 2
	}
	c.Sequence = b[p]
	c.CommandID = b[p+1]
	p += 2
	c.Payload = b[p:end]
	c.Command = zclCommandName(c.Cluster, c.FrameControl, c.CommandID)
	if !c.Encrypted {
		c.decodeBody()
	}
	return c, end, nil
}

// decodeBody fills Attributes or Default for the profile-wide commands
// whose layout is generic. A body that does not parse is left raw.
func (c *GBZComponent) decodeBody() {
	if c.FrameControl&0x03 != 0 {
		return
	}
	switch c.CommandID {
	case zclReadAttributes:
		if len(c.Payload)%2 != 0 {
			return
		}
		for i := 0; i+1 < len(c.Payload); i += 2 {
			id := binary.LittleEndian.Uint16(c.Payload[i:])
			c.Attributes = append(c.Attributes, ZCLAttribute{ID: id, Name: zclAttributeName(c.Cluster, id)})
		}
	case zclReadAttributesResponse:
		attrs, err := parseReadAttributesResponse(c.Cluster, c.Payload)
		if err == nil {
			c.Attributes = attrs
		}
	case zclDefaultResponse:
		if len(c.Payload) == 2 {
			c.Default = &ZCLDefaultResponse{CommandID: c.Payload[0], Status: ZCLStatus(c.Payload[1])}
		}
	}
}

// AppendBinary appends the wire form of g. Components are written from
// their header fields and Payload (Attributes and Default are views).
func (g *GBZPayload) AppendBinary(b []byte) ([]byte, error) {
	if len(g.Components) > 255 {
		return nil, fmt.Errorf("encode GBZ: %w: %d components", ErrLength, len(g.Components))
	}
	b = binary.BigEndian.AppendUint16(b, GBZProfileID)
	if g.AlertData != nil {
		if g.Alert == nil || len(g.Components) != 0 || g.ComponentCount > 255 {
			return nil, fmt.Errorf("encode GBZ: %w: alert data needs an alert header and no components", ErrLength)
		}
		b = append(b, byte(g.ComponentCount))
	} else {
		b = append(b, byte(len(g.Components)))
	}
	if g.Alert != nil {
		b = binary.BigEndian.AppendUint16(b, uint16(g.Alert.Code))
		b = binary.BigEndian.AppendUint32(b, zigbeeSeconds(g.Alert.Timestamp, g.Alert.raw))
	}
	if g.AlertData != nil {
		return append(b, g.AlertData...), nil
	}
	for i := range g.Components {
		c := &g.Components[i]
		l := 3 + len(c.Payload)
		if c.Encrypted {
			l += 2
		}
		if c.FromDateTime != nil {
			l += 4
		}
		if c.ManufacturerCode != nil {
			l += 2
		}
		if l > 0xFFFF {
			return nil, fmt.Errorf("encode GBZ component %d: %w: %d bytes", i, ErrLength, l)
		}
		ctl := c.Control &^ (GBZEncrypted | GBZFromDateTimeFlag)
		if c.Encrypted {
			ctl |= GBZEncrypted
		}
		if c.FromDateTime != nil {
			ctl |= GBZFromDateTimeFlag
		}
		b = append(b, ctl)
		b = binary.BigEndian.AppendUint16(b, c.Cluster)
		b = binary.BigEndian.AppendUint16(b, uint16(l))
		if c.Encrypted {
			if len(c.AdditionalHeader) != 2 {
				return nil, fmt.Errorf("encode GBZ component %d: %w: additional header of %d bytes", i, ErrLength, len(c.AdditionalHeader))
			}
			b = append(b, c.AdditionalHeader...)
		}
		if c.FromDateTime != nil {
			b = binary.BigEndian.AppendUint32(b, zigbeeSeconds(*c.FromDateTime, c.fromRaw))
		}
		fc := c.FrameControl &^ 0x04
		if c.ManufacturerCode != nil {
			fc |= 0x04
		}
		b = append(b, fc)
		if c.ManufacturerCode != nil {
			b = binary.LittleEndian.AppendUint16(b, *c.ManufacturerCode)
		}
		b = append(b, c.Sequence, c.CommandID)
		b = append(b, c.Payload...)
	}
	return b, nil
}

// zigbeeSeconds converts t to ZigBee UTCTime; raw is used when t is the
// zero value (a decoded value keeps its raw seconds).
func zigbeeSeconds(t time.Time, raw uint32) uint32 {
	if t.IsZero() {
		return raw
	}
	d := t.Sub(zigbeeEpoch) / time.Second
	if d < 0 || d > 0xFFFFFFFF {
		return raw
	}
	return uint32(d)
}

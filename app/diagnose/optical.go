package diagnose

import (
	"context"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/smetskit/smetskit/protocol/hdlc"
	"github.com/smetskit/smetskit/protocol/iec62056"
)

// OpticalConfig configures the optical (or direct serial) path: IEC
// 62056-21 sign-on, mode E hand-over, then HDLC.
type OpticalConfig struct {
	// Name is the port's name, for the evidence ("/dev/ttyUSB0").
	Name string
	// SignOn are the IEC 62056-21 options (MaxBaud is the probe's limit).
	SignOn iec62056.Options
	// HDLC addresses: client SAP (16 public, 17 reader, 1 management),
	// server logical and physical device (PROTOCOLS.md §2.3, §11.7).
	ClientSAP, ServerLogical, ServerPhysical int
	// ServerAddressSize is the encoded length of the server address, 1, 2
	// or 4 bytes (IEC 62056-46 §6.4.2.2): 4 reaches a meter that wants the
	// long form even for a small physical address, 2 the upper/lower form
	// with physical 0. 0 picks 1 when ServerPhysical is 0, else 2 (or 4
	// when an address does not fit 7 bits).
	ServerAddressSize int
	// DirectHDLC skips the IEC 62056-21 sign-on: the line already speaks
	// HDLC at 8N1 (a hub's serial port).
	DirectHDLC bool
	// Now stamps the recorded HDLC frames; time.Now when nil.
	Now func() time.Time
}

// Optical returns a Connector over a probe or serial port p: sign-on at
// 300 Bd 7E1, mode E (IEC 62056-21 §6.4.6, PROTOCOLS.md §9.2), then an
// HDLC link (IEC 62056-46). The caller owns p and closes it after the
// session.
func Optical(p iec62056.Port, cfg OpticalConfig) Connector {
	return ConnectorFunc(func(ctx context.Context) (Link, Params, error) {
		params := Params{"transport": "optical-hdlc", "port": cfg.Name,
			"client_sap": fmt.Sprint(cfg.ClientSAP), "server_logical": fmt.Sprint(cfg.ServerLogical),
			"server_physical": fmt.Sprint(cfg.ServerPhysical)}
		size := AddressSize(cfg.ServerLogical, cfg.ServerPhysical, cfg.ServerAddressSize)
		params["server_address_size"] = fmt.Sprint(size)
		var conn hdlc.Conn = p
		if cfg.DirectHDLC {
			params["transport"] = "serial-hdlc"
		} else {
			cl, err := iec62056.SignOn(ctx, p, cfg.SignOn)
			if err != nil {
				return nil, nil, fmt.Errorf("sign on: %w", err)
			}
			if id := cl.Identification(); id != nil {
				params["identification"] = id.Manufacturer + " " + id.Ident
			}
			l, err := cl.EnterModeE(ctx)
			if err != nil {
				return nil, nil, fmt.Errorf("enter mode E: %w", err)
			}
			params["baud"] = fmt.Sprint(l.Baud)
			conn = l
		}
		rec := &frameRecorder{now: cfg.Now}
		if rec.now == nil {
			rec.now = time.Now
		}
		link, err := hdlc.Dial(ctx, conn, hdlc.Config{ClientSAP: cfg.ClientSAP, ServerLogical: cfg.ServerLogical,
			ServerPhysical: cfg.ServerPhysical, ServerAddressSize: size, Trace: rec.record})
		if err != nil {
			return nil, nil, fmt.Errorf("open HDLC link: %w", err)
		}
		return &hdlcLink{Link: link, rec: rec}, params, nil
	})
}

// AddressSize returns the encoded size of an HDLC server address (IEC
// 62056-46 §6.4.2.2): size when it is 1, 2 or 4, otherwise 1 for a
// logical address alone, 2 when both parts fit 7 bits and 4 when one
// needs up to 14.
func AddressSize(logical, physical, size int) int {
	switch {
	case size == 1 || size == 2 || size == 4:
		return size
	case physical == 0 && logical <= 0x7F:
		return 1
	case logical <= 0x7F && physical <= 0x7F:
		return 2
	}
	return 4
}

// hdlcLink is an HDLC link that keeps its raw frames for the evidence.
type hdlcLink struct {
	*hdlc.Link
	rec *frameRecorder
}

// LinkFrames returns the HDLC frames sent and received so far.
func (l *hdlcLink) LinkFrames() []Frame { return l.rec.snapshot() }

// linkFramer is a Link that records its own link-layer frames.
type linkFramer interface{ LinkFrames() []Frame }

// frameRecorder keeps link frames up to maxTraceBytes.
type frameRecorder struct {
	now    func() time.Time
	mu     sync.Mutex
	frames []Frame
	kept   int
}

func (r *frameRecorder) record(dir hdlc.Direction, b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kept+len(b) > maxTraceBytes {
		return
	}
	r.kept += len(b)
	r.frames = append(r.frames, Frame{At: r.now().UTC(), Dir: dir.String(), Hex: hex.EncodeToString(b)})
}

func (r *frameRecorder) snapshot() []Frame {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Frame(nil), r.frames...)
}

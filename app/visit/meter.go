package visit

import (
	"context"
	"fmt"

	"github.com/smetskit/smetskit/app/diagnose"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/protocol/iec62056"
)

// PublicSAP is the client SAP of a meter's public association (no
// security): enough to read its identity, firmware and clock.
const PublicSAP = 16

// MeterTCP returns a connector to a meter's public association over TCP
// with the IEC 62056-47 wrapper.
func MeterTCP(addr string) diagnose.Connector {
	return diagnose.TCP(addr, PublicSAP, ServerLogical)
}

// MeterOptical returns a connector to a meter's public association through
// an optical probe on p (opened at 300 Bd 7E1): IEC 62056-21 sign-on, mode
// E up to baud, then HDLC.
func MeterOptical(p iec62056.Port, name string, baud int) diagnose.Connector {
	return diagnose.Optical(p, diagnose.OpticalConfig{Name: name, SignOn: iec62056.Options{MaxBaud: baud},
		ClientSAP: PublicSAP, ServerLogical: ServerLogical, ServerPhysical: ServerPhysical})
}

// ConnectMeter opens the public association with a meter through conn, for
// the post-checks to read its firmware version and clock on site
// (commission.Site). Close the session when done.
func ConnectMeter(ctx context.Context, conn diagnose.Connector) (*diagnose.Session, error) {
	s, err := diagnose.Open(ctx, conn, diagnose.Config{Client: dlms.ClientConfig{}})
	if err != nil {
		return nil, fmt.Errorf("connect to meter: %w", err)
	}
	return s, nil
}

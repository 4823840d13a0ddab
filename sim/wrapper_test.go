package sim_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
)

func TestWrapperAssociations(t *testing.T) {
	m := newMeter(t, nil)
	a, b := net.Pipe()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.ServeWrapper(ctx, b, nil) }()
	for _, tc := range []struct {
		sap int
		cfg dlms.ClientConfig
	}{
		{sim.SAPPublic, dlms.ClientConfig{}},
		{sim.SAPReader, dlms.ClientConfig{Mechanism: dlms.MechanismLLS, Password: sim.DefaultPassword}},
		{sim.SAPManagement, dlms.ClientConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
			Keys: dlms.Keys{EK: sim.DefaultEK, AK: sim.DefaultAK}, SystemTitle: []byte("SMKCLNT1"), InvocationCounter: 10}},
	} {
		c, err := dlms.Associate(ctx, dlms.NewWrapperConn(a, uint16(tc.sap), 1), tc.cfg)
		if err != nil {
			t.Fatalf("Associate SAP %d over the wrapper: %v", tc.sap, err)
		}
		if v := get(t, ctx, c, cosem.ClassData, cosem.OBIS{0, 0, 42, 0, 0, 255}, 2); len(v.Bytes()) != 16 {
			t.Errorf("SAP %d: LDN = %q", tc.sap, v.Bytes())
		}
		if err := c.Release(ctx); err != nil {
			t.Errorf("SAP %d: Release: %v", tc.sap, err)
		}
	}
	a.Close()
	if err := <-done; err != nil {
		t.Errorf("ServeWrapper: %v", err)
	}
}

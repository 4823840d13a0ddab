package demo

import (
	"context"
	"fmt"

	"github.com/smetskit/smetskit/app/commission"
	"github.com/smetskit/smetskit/protocol/dlms"
	"github.com/smetskit/smetskit/sim"
)

// Supplier is the demo's originator (the User acting, DOMAIN.md §2).
const Supplier = "90-B3-D5-1F-30-01-00-00"

// The demo site's supply points: the electricity meter's MPAN and the gas
// meter's MPRN.
const (
	MPAN = "1200023456789"
	MPRN = "7400123456"
)

// CommissionSite opens what the commissioning engine works the demo site
// through: the hub's management association (HubManagement) and a public
// association (SAP 16, no security) to each meter, as the installer's
// probe on the meter's optical port gives, so the post-checks read the
// meters' firmware versions and clocks on site. close releases them all.
func (d *Demo) CommissionSite(ctx context.Context) (site commission.Site, close func(), err error) {
	c, closeHub, err := d.HubManagement(ctx)
	if err != nil {
		return commission.Site{}, nil, err
	}
	site = commission.Site{Hub: &commission.DLMSHub{C: c}, Meters: map[string]*dlms.Client{}}
	closers := []func(){closeHub}
	close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	for _, m := range d.Site.Meters {
		client := d.dial(m.ServeWrapper)
		mc, err := dlms.Associate(ctx, dlms.NewWrapperConn(client, sim.SAPPublic, 1), dlms.ClientConfig{})
		if err != nil {
			client.Close()
			close()
			return commission.Site{}, nil, fmt.Errorf("open meter %s association: %w", m.Identity().DeviceID, err)
		}
		closers = append(closers, func() {
			_ = mc.Release(context.Background())
			client.Close()
		})
		site.Meters[m.Identity().DeviceID] = mc
	}
	return site, close, nil
}

// HubManagement opens the hub's management association (SAP 1, HLS-GMAC
// with the simulator's test keys) through the IEC 62056-47 wrapper over an
// in-process pipe: what the commissioning engine drives the hub through.
// close releases the association and hangs up.
func (d *Demo) HubManagement(ctx context.Context) (c *dlms.Client, close func(), err error) {
	if d.Site.Hub == nil {
		return nil, nil, fmt.Errorf("open hub management association: %w", ErrNoDevice)
	}
	if d.ctx.Err() != nil {
		return nil, nil, fmt.Errorf("open hub management association: %w", ErrClosed)
	}
	client := d.dial(d.Site.Hub.ServeWrapper)
	// The hub refuses a ciphered APDU whose invocation counter is not
	// above the last it saw from this system title, so every association
	// continues from where the previous one ended (a paused and resumed
	// install opens a second one).
	d.icMu.Lock()
	ic := max(d.hubIC, 1)
	d.icMu.Unlock()
	c, err = dlms.Associate(ctx, dlms.NewWrapperConn(client, sim.SAPManagement, 1), dlms.ClientConfig{Mechanism: dlms.MechanismGMAC, Ciphered: true,
		Keys: dlms.Keys{EK: sim.DefaultEK, AK: sim.DefaultAK}, SystemTitle: []byte("SMKDEMO1"), InvocationCounter: ic})
	if err != nil {
		client.Close()
		d.noteHubIC(ic + 1)
		return nil, nil, fmt.Errorf("open hub management association: %w", err)
	}
	d.noteHubIC(c.InvocationCounter())
	return c, func() {
		_ = c.Release(context.Background())
		d.noteHubIC(c.InvocationCounter())
		client.Close()
	}, nil
}

// noteHubIC records next as the hub association's next invocation
// counter, if it is ahead of the one recorded.
func (d *Demo) noteHubIC(next uint32) {
	d.icMu.Lock()
	defer d.icMu.Unlock()
	d.hubIC = max(d.hubIC, next)
}

// InstallPlan is the commissioning plan for the demo job: the hub, the
// electricity and gas meters of the site (dual fuel), Pending and Active on the CPL, with the engineer's
// answers a newcomer would give.
func (d *Demo) InstallPlan() commission.Plan {
	j := d.Jobs[0]
	p := commission.Plan{JobID: j.ID, Flow: "install", Originator: Supplier, MPxN: MPAN, Postcode: j.Postcode, Coverage: "yes",
		Answers: map[string]string{"CHFConnectionMethod": "Hot-shoe", "CHFLocation": "Indoors on external wall", "AerialInstall": "false",
			"PremiseType": "Terraced", "MetalObstructionCheck": "false", "ConnectivityObstructionCheck": "true", "SharedObstructionCheck": "false"}}
	if h := d.Site.Hub; h != nil {
		p.CHF = h.Identity().DeviceID
		p.Devices = append(p.Devices, commission.Device{ID: p.CHF, Type: "CHF", Status: "Pending", CPLStatus: "Active"})
	}
	for _, m := range d.Site.Meters {
		id := m.Identity()
		p.Devices = append(p.Devices, commission.Device{ID: id.DeviceID, Type: "ESME", Status: "Pending", CPLStatus: "Active",
			InstallCode: id.InstallCode, MPxN: p.MPxN})
	}
	for _, g := range d.Site.GasMeters {
		id := g.Identity()
		p.Devices = append(p.Devices, commission.Device{ID: id.DeviceID, Type: "GSME", Status: "Pending", CPLStatus: "Active",
			InstallCode: id.InstallCode, MPxN: MPRN})
	}
	return p
}

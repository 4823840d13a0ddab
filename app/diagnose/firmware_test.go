package diagnose

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/smetskit/smetskit/protocol/axdr"
	"github.com/smetskit/smetskit/protocol/cosem"
	"github.com/smetskit/smetskit/protocol/dlms"
)

// imageModel is a device with only an Image transfer object (class 18,
// 0-0:44.0.0*255) whose image_activate works unless broken.
type imageModel struct {
	status uint8 // attribute 6 image_transfer_status
	broken bool
	noList bool // no Association LN: the session must probe
}

var obisImage = cosem.MustOBIS("0-0:44.0.0*255")

func (m *imageModel) GetAttribute(_ context.Context, a dlms.AttributeDescriptor, _ *dlms.SelectiveAccess) (dlms.Data, dlms.DataAccessResult) {
	var v axdr.Value
	switch {
	case a == dlms.ObjectListAttr && m.noList:
		return nil, dlms.ObjectUndefined
	case a.Class == cosem.ClassImageTransfer && a.Instance == obisImage && a.Attribute == 1:
		v = axdr.OctetString(obisImage[:])
	case a == dlms.ObjectListAttr:
		v = cosem.ObjectListValue([]cosem.ObjectListElement{
			{Class: cosem.ClassImageTransfer, LogicalName: obisImage},
			{Class: cosem.ClassAssociationLN, Version: 1, LogicalName: cosem.OBIS(dlms.AssociationLN)}})
	case a.Class == cosem.ClassImageTransfer && a.Instance == obisImage && a.Attribute == 6:
		v = axdr.Enum(m.status)
	default:
		return nil, dlms.ObjectUndefined
	}
	b, err := axdr.Encode(v)
	if err != nil {
		return nil, dlms.HardwareFault
	}
	return b, dlms.Success
}

func (m *imageModel) SetAttribute(context.Context, dlms.AttributeDescriptor, *dlms.SelectiveAccess, dlms.Data) dlms.DataAccessResult {
	return dlms.ReadWriteDenied
}

func (m *imageModel) Invoke(_ context.Context, md dlms.MethodDescriptor, _ dlms.Data) (dlms.Data, dlms.ActionResult) {
	if md.Class != cosem.ClassImageTransfer || md.Method != 4 {
		return nil, dlms.ActionResult(dlms.ObjectUndefined)
	}
	if m.broken {
		m.status = 8 // image activation failed
	} else {
		m.status = 7 // image activation successful
	}
	return nil, 0
}

func TestFirmwareActivate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		broken bool
	}{{"activates", false}, {"activation fails", true}} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m := &imageModel{status: 6, broken: tt.broken} // 6: image ready for activation
				ctx, s := open(t, pipeConnector(t, dlms.NewServer(m, dlms.ServerConfig{})), Config{})
				p, err := s.PlanFirmwareActivate(ctx)
				if err != nil {
					t.Fatalf("PlanFirmwareActivate: %v", err)
				}
				if _, err := s.Execute(ctx, RoleInstaller, nil, p); !errors.Is(err, ErrNotPermitted) {
					t.Errorf("installer activation = %v, want ErrNotPermitted", err)
				}
				o, err := s.Execute(ctx, RoleSenior, nil, p)
				if tt.broken {
					if !errors.Is(err, ErrNotVerified) || o == nil || o.Verified {
						t.Errorf("failed activation = %+v, %v; want ErrNotVerified", o, err)
					}
					return
				}
				if err != nil || !o.Verified {
					t.Errorf("activation = %+v, %v", o, err)
				}
			})
		})
	}
}

func TestProbeWithoutObjectList(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := &imageModel{status: 6, noList: true}
		ctx, s := open(t, pipeConnector(t, dlms.NewServer(m, dlms.ServerConfig{})), Config{})
		probed, err := s.Probed()
		if !probed || !errors.Is(err, dlms.ObjectUndefined) {
			t.Errorf("Probed = %v, %v", probed, err)
		}
		if objs := s.Objects(); len(objs) != 1 || objs[0].OBIS != obisImage {
			t.Errorf("Objects = %+v, want the image transfer object only", objs)
		}
		if _, err := s.PlanFirmwareActivate(ctx); err != nil {
			t.Errorf("PlanFirmwareActivate: %v", err)
		}
	})
}

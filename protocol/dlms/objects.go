package dlms

import "github.com/smetskit/smetskit/protocol/cosem"

// Objects the Client and Server use themselves: the current Association LN,
// its reply_to_HLS_authentication method and object_list (IEC 62056-6-2
// class 15; PROTOCOLS.md §8.3), and the Clock time.
var (
	AssociationLN  = cosem.OBIS{0, 0, 40, 0, 0, 255}
	ReplyToHLSAuth = MethodDescriptor{Class: cosem.ClassAssociationLN, Instance: AssociationLN, Method: 1}
	ObjectListAttr = AttributeDescriptor{Class: cosem.ClassAssociationLN, Instance: AssociationLN, Attribute: 2}
	ClockTimeAttr  = AttributeDescriptor{Class: cosem.ClassClock, Instance: cosem.OBIS{0, 0, 1, 0, 0, 255}, Attribute: 2}
)

package duis

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Build errors.
var (
	ErrUnknownVariant = errors.New("duis: unknown service reference variant")
	ErrNoTypedBody    = errors.New("duis: no typed body for this variant")
	ErrUnknownField   = errors.New("duis: unknown field")
	ErrMissingField   = errors.New("duis: required field missing")
)

// Header field names Build understands, for every variant.
//
//	originator          business originator EUI-64 (required unless requestID)
//	target              business target EUI-64; defaults to the DCC
//	                    (90-B3-D5-1F-30-00-00-02) for non-device variants
//	counter             request counter, 0..2^64-1 (required unless requestID)
//	requestID           the whole originator:target:counter instead
//	commandVariant      1..8; defaults to 8 for non-device, 4 for critical and
//	                    1 for other device variants. 5, 6 or 7 on a critical
//	                    variant builds a SignedPreCommand body.
//	firstInSequence     true/false (optional)
//	precedingRequestID  a Request ID (optional)
//	schemaVersion       defaults to 5.4
var headerFields = []string{"originator", "target", "counter", "requestID", "commandVariant",
	"firstInSequence", "precedingRequestID", "schemaVersion"}

type leafField struct {
	path     string // "AddDeviceToCHFWhitelist/JoinTimePeriod"
	name     string // "JoinTimePeriod"
	index    []int
	required bool // required whenever its enclosing element is present
}

func collectLeaves(t reflect.Type, prefix string, index []int, out *[]leafField) {
	for _, fi := range structFields(t) {
		f := t.Field(fi.index)
		ft := f.Type
		idx := append(slices.Clone(index), fi.index)
		path := prefix + fi.name
		optional := ft.Kind() == reflect.Pointer
		if optional {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != emptyType && !isLeaf(ft) {
			collectLeaves(ft, path+"/", idx, out)
			continue
		}
		if ft.Kind() == reflect.Slice && !isLeaf(ft) || ft == nodePtrType {
			continue // repeated or wildcard elements: not settable by name
		}
		*out = append(*out, leafField{path: path, name: fi.name, index: idx, required: !optional})
	}
}

// BuildFields returns the body field names Build accepts for a variant, as
// element paths ("AddDeviceToCHFWhitelist/JoinTimePeriod"); the last path
// element alone is accepted too when it is unique within the body. The
// header fields (originator, target, counter, requestID, commandVariant,
// firstInSequence, precedingRequestID, schemaVersion) apply to every
// variant. Empty elements such as DeleteDevice take "true".
func BuildFields(variant string) ([]string, error) {
	t, err := buildBodyType(variant, 0)
	if err != nil {
		return nil, err
	}
	var leaves []leafField
	collectLeaves(t, "", nil, &leaves)
	out := make([]string, len(leaves))
	for i, l := range leaves {
		out[i] = l.path
	}
	return out, nil
}

func buildBodyType(variant string, cv int) (reflect.Type, error) {
	v, ok := LookupVariant(variant)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownVariant, variant)
	}
	if v.Critical && cv >= 5 && cv <= 7 {
		return typedBodies["SignedPreCommand"], nil
	}
	t, ok := typedBodies[v.BodyElement]
	if !ok {
		return nil, fmt.Errorf("%w: %s (%s)", ErrNoTypedBody, v.ID, v.Name)
	}
	return t, nil
}

// Build makes a request for a variant from flat text fields, the form a
// command line gives (`smetsctl duis build 8.11 --field DeviceID=...`).
// Header fields, for every variant: originator, target (defaults to the DCC
// for non-device variants), counter, or requestID instead of those three;
// commandVariant (defaults to 8 non-device, 4 critical, 1 otherwise; 5-7 on
// a critical variant builds a SignedPreCommand); firstInSequence;
// precedingRequestID; schemaVersion (defaults to 5.4). Body fields are
// element names as BuildFields lists them, with values in their XML text form (EUI-64s
// as 00-DB-..., booleans true/false, hexBinary and base64Binary as text).
// Build checks that every required element is given; call Validate for
// the XSD and header rules.
//
// Body fields per typed variant (optional ones marked ?):
//
//	12.1   UPRN | PartialAddress/PostCode + PartialAddress/AddressIdentifier
//	12.2   DeviceID DeviceManufacturer DeviceModel DeviceType SMETSCHTSVersion?
//	       FirmwareVersion? ESMEVariant? AssociatedGPFDeviceID?
//	8.2    UPRN | DeviceID | MPxN | PropertyFilter/PostCode + PropertyFilter/AddressIdentifier
//	8.3    DeviceID
//	8.4    DeviceID + UpdateDeviceStatusExceptCH | UpdateDeviceStatusCH |
//	       UpdateDeviceDetails/... | DeleteDevice=true | UpdateMPxN/...
//	8.6    DeviceID DeviceType MPxNs/ImportMPxN MPxNs/SecondaryImportMPAN? MPxNs/ExportMPAN? OptInDate
//	8.11   ExecutionDateTime? DeviceID RequestType (Add|Remove) and for Add:
//	       JoinTimePeriod InstallCode ImportMPxN? SecondaryImportMPAN? ExportMPAN?
//	8.12.1 OldCHFID            8.12.2 OldGPFID
//	8.13   OriginalRequestID? DeviceGBCSResponse
//	8.14.1 DeviceID CHFInstallType InstallDateTime? UserRefID? MPxN GISData?
//	       AerialInstall CHFLocation AdditionalInformation?
//	8.14.2 as 8.14.1 plus PremiseType MetalObstructionCheck
//	       ConnectivityObstructionCheck SharedObstructionCheck
//	8.14.3 DeviceID CHFFaultReturnType UserRefDateTime? UserRefID? OtherDeviceID
//	       IncidentReference? CHFConnectionMethod CHFFaultReason AdditionalInformation?
//	8.14.4 DeviceID CHFNoFaultReturnType UserRefDateTime? UserRefID?
//	       IncidentReference? AdditionalInformation?
//	8.1.1, 6.11  CurrentDateTime TolerancePeriod
//	8.7.1, 8.7.2, 8.8.1, 8.8.2  OtherDeviceID
//	8.9    ExecutionDateTime? ReadSecurityDetails=true?
//	6.20.1 ExecutionDateTime? ImportMPANs/ImportMPAN + ImportMPANs/SecondaryImportMPAN? | ImportMPRN
//	11.2   ExecutionDateTime?
//	critical variants with commandVariant 5, 6 or 7: ExecutionDateTime? GBCSPayload
func Build(variant string, fields map[string]string) (*Request, error) {
	v, ok := LookupVariant(variant)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownVariant, variant)
	}
	r := &Request{SchemaVersion: SchemaVersion}
	h := &r.Header
	h.ServiceReference, h.ServiceReferenceVariant = v.ServiceReference(), v.ID
	switch {
	case v.NonDevice:
		h.CommandVariant = 8
	case v.Critical:
		h.CommandVariant = 4
	default:
		h.CommandVariant = 1
	}
	if s, ok := fields["commandVariant"]; ok {
		cv, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("build %s: commandVariant %q: not a number", v.ID, s)
		}
		h.CommandVariant = cv
	}
	if s, ok := fields["schemaVersion"]; ok {
		r.SchemaVersion = s
	}
	if err := buildRequestID(v, fields, &h.RequestID); err != nil {
		return nil, fmt.Errorf("build %s: %w", v.ID, err)
	}
	if s, ok := fields["firstInSequence"]; ok {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("build %s: firstInSequence %q: not a boolean", v.ID, s)
		}
		h.FirstInSequence = &b
	}
	if s, ok := fields["precedingRequestID"]; ok {
		id, err := ParseRequestID(s)
		if err != nil {
			return nil, fmt.Errorf("build %s: precedingRequestID: %w", v.ID, err)
		}
		h.PrecedingServiceRequestID = &id
	}

	t, err := buildBodyType(v.ID, h.CommandVariant)
	if err != nil {
		return nil, err
	}
	var leaves []leafField
	collectLeaves(t, "", nil, &leaves)
	body := reflect.New(t)
	set := map[string]bool{}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if !slices.Contains(headerFields, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		l, err := findLeaf(leaves, k)
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", v.ID, err)
		}
		if err := setLeaf(body.Elem(), l, fields[k]); err != nil {
			return nil, fmt.Errorf("build %s: %w", v.ID, err)
		}
		set[l.path] = true
	}
	var missing []string
	for _, l := range leaves {
		if l.required && !set[l.path] && enclosingPresent(body.Elem(), l.index) {
			missing = append(missing, l.path)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("build %s: %w: %s", v.ID, ErrMissingField, strings.Join(missing, ", "))
	}
	r.Body = body.Interface().(Body)
	return r, nil
}

func buildRequestID(v Variant, fields map[string]string, id *RequestID) error {
	if s, ok := fields["requestID"]; ok {
		r, err := ParseRequestID(s)
		if err != nil {
			return err
		}
		*id = r
		return nil
	}
	o, ok := fields["originator"]
	if !ok {
		return fmt.Errorf("%w: originator", ErrMissingField)
	}
	var err error
	if id.Originator, err = ParseEUI64(o); err != nil {
		return fmt.Errorf("originator: %w", err)
	}
	if tg, ok := fields["target"]; ok {
		if id.Target, err = ParseEUI64(tg); err != nil {
			return fmt.Errorf("target: %w", err)
		}
	} else if v.NonDevice {
		id.Target = DCCAccessControlBroker
	} else {
		return fmt.Errorf("%w: target (the device the request is for)", ErrMissingField)
	}
	c, ok := fields["counter"]
	if !ok {
		return fmt.Errorf("%w: counter", ErrMissingField)
	}
	full, err := ParseRequestID(id.Originator.String() + ":" + id.Target.String() + ":" + strings.TrimSpace(c))
	if err != nil {
		return err
	}
	*id = full
	return nil
}

func findLeaf(leaves []leafField, key string) (leafField, error) {
	var byName []leafField
	for _, l := range leaves {
		if l.path == key {
			return l, nil
		}
		if l.name == key {
			byName = append(byName, l)
		}
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		names := make([]string, len(leaves))
		for i, l := range leaves {
			names[i] = l.path
		}
		return leafField{}, fmt.Errorf("%w %q (fields: %s)", ErrUnknownField, key, strings.Join(names, ", "))
	}
	return leafField{}, fmt.Errorf("%w %q is ambiguous: give the path (%s or %s)", ErrUnknownField, key, byName[0].path, byName[1].path)
}

// setLeaf allocates the elements on the way to a leaf and sets its value
// from text, parsing it as the XML reader would.
func setLeaf(v reflect.Value, l leafField, text string) error {
	for i, idx := range l.index {
		f := v.Field(idx)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				f.Set(reflect.New(f.Type().Elem()))
			}
			f = f.Elem()
		}
		if i == len(l.index)-1 {
			if f.Type() == emptyType {
				if b, err := strconv.ParseBool(text); err != nil || !b {
					return fmt.Errorf("%s: give true to include the element", l.path)
				}
				return nil
			}
			if err := decodeValue(newLeaf(l.name, text), f, l.path); err != nil {
				var fe *FieldError
				if errors.As(err, &fe) {
					return fmt.Errorf("%s: %w", l.path, fe.Err)
				}
				return err
			}
			return nil
		}
		v = f
	}
	return nil
}

// enclosingPresent reports whether every element enclosing the leaf at
// index is present in v.
func enclosingPresent(v reflect.Value, index []int) bool {
	for _, idx := range index[:len(index)-1] {
		f := v.Field(idx)
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				return false
			}
			f = f.Elem()
		}
		v = f
	}
	return true
}

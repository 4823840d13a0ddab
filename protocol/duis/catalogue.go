package duis

import (
	"slices"
	"strings"
)

// Role is a DUIS User Role, as a bit so a Variant can list several.
type Role uint8

// User roles (DOMAIN.md §1.2).
const (
	RoleIS  Role = 1 << iota // Import Supplier
	RoleES                   // Export Supplier
	RoleGS                   // Gas Supplier
	RoleRSA                  // Registered Supplier Agent
	RoleED                   // Electricity Distributor
	RoleGT                   // Gas Transporter
	RoleOU                   // Other User
)

var roleNames = []string{"IS", "ES", "GS", "RSA", "ED", "GT", "OU"}

// Names returns the role codes set in r, in catalogue order.
func (r Role) Names() []string {
	var out []string
	for i, n := range roleNames {
		if r&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func (r Role) String() string { return strings.Join(r.Names(), " ") }

// ParseRole returns the role for a code such as "IS".
func ParseRole(s string) (Role, bool) {
	i := slices.Index(roleNames, s)
	if i < 0 {
		return 0, false
	}
	return 1 << i, true
}

// FutureDatedPattern says how a future-dated request is answered.
type FutureDatedPattern uint8

// Future-dated response patterns.
const (
	FutureDatedNo           FutureDatedPattern = iota // not future-dateable
	FutureDatedDevice                                 // the device holds the future-dated command
	FutureDatedDSP                                    // the DCC (DSP) holds it
	FutureDatedDSPAndDevice                           // either
)

var fdNames = []string{"No", "Device", "DSP", "DSP & Device"}

func (p FutureDatedPattern) String() string {
	if int(p) < len(fdNames) {
		return fdNames[p]
	}
	return "?"
}

// Variant is one Service Reference Variant of the catalogue.
type Variant struct {
	ID          string // e.g. "8.14.2"
	Name        string // e.g. "Communications Hub Status Update - Install No SM WAN"
	Critical    bool   // needs a signed pre-command (CV 4 then 5, 6 or 7)
	OnDemand    bool
	FutureDated FutureDatedPattern
	Scheduled   bool // may be DCC scheduled
	NonDevice   bool // answered by the DCC itself (CV 8)
	Roles       Role // eligible User Roles
	// BodyElement is the sr:Body element of a request for the variant
	// (with command variants 5-7 a critical variant carries a
	// SignedPreCommand instead).
	BodyElement string
	// UseCases are the GBCS use cases the variant maps to (DOMAIN.md §6.1).
	UseCases []string
}

// ServiceReference returns the family a variant belongs to: the first two
// dotted numbers ("8.14" for "8.14.2", "6.20" for "6.20.1").
func (v Variant) ServiceReference() string { return ServiceReferenceOf(v.ID) }

// FutureDateable reports whether the variant may carry an ExecutionDateTime.
func (v Variant) FutureDateable() bool { return v.FutureDated != FutureDatedNo }

// Typed reports whether the package has a typed body for the variant (and
// so whether Build can make it); other variants parse into a GenericBody.
func (v Variant) Typed() bool {
	_, ok := typedBodies[v.BodyElement]
	return ok
}

// ServiceReferenceOf returns the Service Reference for a variant ID.
func ServiceReferenceOf(variant string) string {
	parts := strings.SplitN(variant, ".", 3)
	if len(parts) < 2 {
		return variant
	}
	return parts[0] + "." + parts[1]
}

// Catalogue returns all 129 variants in catalogue order. The slice is a
// copy; callers may keep it.
func Catalogue() []Variant { return slices.Clone(catalogue) }

var variantIndex = func() map[string]int {
	m := make(map[string]int, len(catalogue))
	for i, v := range catalogue {
		m[v.ID] = i
	}
	return m
}()

// LookupVariant returns the catalogue entry for a variant ID such as "8.11".
func LookupVariant(id string) (Variant, bool) {
	i, ok := variantIndex[id]
	if !ok {
		return Variant{}, false
	}
	return catalogue[i], true
}

// AllowedCommandVariants returns the command variants a request for v may
// use (DUIS CommandVariant; DOMAIN.md §13): 8 for non-device SRs; 4 (with
// the SR body) or 5, 6, 7 (with a SignedPreCommand) for critical SRs; 1, 2
// or 3 for other device SRs.
func (v Variant) AllowedCommandVariants() []int {
	switch {
	case v.NonDevice:
		return []int{8}
	case v.Critical:
		return []int{4, 5, 6, 7}
	default:
		return []int{1, 2, 3}
	}
}

// MessageCode returns the GBCS message code of a use case (GBCS Message
// Code table; the install-relevant subset of DOMAIN.md §16.4), or false
// where the package does not know it.
func MessageCode(useCase string) (uint16, bool) {
	c, ok := messageCodes[useCase]
	return c, ok
}

var messageCodes = map[string]uint16{
	"CCS01": 0x0001, "CCS02": 0x0002, "CCS03": 0x0003, "CS02a": 0x0008, "CS03A1": 0x000D,
	"CS03B": 0x000E, "CS04AC": 0x000F, "CS04B": 0x0010, "CS06": 0x0012, "CS07": 0x0013,
	"CS10a": 0x0014, "CS14": 0x0018, "ECS26e": 0x003F, "ECS39a": 0x004C, "ECS40": 0x004E,
	"ECS52": 0x0059, "ECS70": 0x0062, "GCS28": 0x007F, "GCS38": 0x0084, "GCS41": 0x0087,
	"GCS46": 0x0089, "GCS59": 0x008C, "ECS26i": 0x0092, "ECS35c": 0x0093, "ECS35d": 0x0094,
	"GCS21e": 0x009E, "CS03A2": 0x00AB, "CS03C": 0x00AF, "GCS62": 0x00B2, "ECS26m": 0x00F9,
	"ECS26n": 0x00FA, "GCS21m": 0x00FB, "CCS07": 0x00FE, "CCS06": 0x010F, "CCS08": 0x0128,
	"CS08": 0x0129,
}

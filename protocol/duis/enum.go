package duis

import "slices"

// Enumerations of the DUIS XSD 5.4 that the install flows use. Each is a
// string type: a value outside the enumeration parses and re-serialises
// unchanged, and Validate reports it. Known reports membership; Values
// lists the enumeration in XSD order.

// enumValue is implemented by every enumeration type; Validate uses it.
type enumValue interface {
	Known() bool
	Values() []string
}

// DeviceType is XSD DeviceType (DOMAIN.md §1.1).
type DeviceType string

// Device types.
const (
	DeviceESME   DeviceType = "ESME"
	DeviceGSME   DeviceType = "GSME"
	DeviceGPF    DeviceType = "GPF"
	DeviceCHF    DeviceType = "CHF"
	DeviceHCALCS DeviceType = "HCALCS"
	DevicePPMID  DeviceType = "PPMID"
	DeviceIHD    DeviceType = "IHD"
	DeviceCAD    DeviceType = "CAD"
)

var deviceTypes = []string{"ESME", "GSME", "GPF", "CHF", "HCALCS", "PPMID", "IHD", "CAD"}

func (v DeviceType) Known() bool      { return slices.Contains(deviceTypes, string(v)) }
func (v DeviceType) Values() []string { return deviceTypes }

// HasStatus reports whether the SMI keeps a status for this device type
// (Type 2 devices, IHD and CAD, have none; DOMAIN.md §1.1).
func (v DeviceType) HasStatus() bool { return v.Known() && v != DeviceIHD && v != DeviceCAD }

// DeviceStatus is XSD DeviceStatus, the nine SMI statuses (DOMAIN.md §4).
type DeviceStatus string

// SMI statuses.
const (
	StatusPending                  DeviceStatus = "Pending"
	StatusWhitelisted              DeviceStatus = "Whitelisted"
	StatusInstalledNotCommissioned DeviceStatus = "InstalledNotCommissioned"
	StatusCommissioned             DeviceStatus = "Commissioned"
	StatusDecommissioned           DeviceStatus = "Decommissioned"
	StatusWithdrawn                DeviceStatus = "Withdrawn"
	StatusSuspended                DeviceStatus = "Suspended"
	StatusRecovery                 DeviceStatus = "Recovery"
	StatusRecovered                DeviceStatus = "Recovered"
)

var deviceStatuses = []string{"Pending", "Whitelisted", "InstalledNotCommissioned", "Commissioned",
	"Decommissioned", "Withdrawn", "Suspended", "Recovery", "Recovered"}

func (v DeviceStatus) Known() bool      { return slices.Contains(deviceStatuses, string(v)) }
func (v DeviceStatus) Values() []string { return deviceStatuses }

// StatusExceptCH is XSD UpdateDeviceStatusExceptCH (8.4).
type StatusExceptCH string

var statusExceptCH = []string{"Pending", "InstalledNotCommissioned"}

func (v StatusExceptCH) Known() bool      { return slices.Contains(statusExceptCH, string(v)) }
func (v StatusExceptCH) Values() []string { return statusExceptCH }

// StatusCH is XSD UpdateDeviceStatusCH (8.4).
type StatusCH string

var statusCH = []string{"Commissioned", "Withdrawn", "InstalledNotCommissioned"}

func (v StatusCH) Known() bool      { return slices.Contains(statusCH, string(v)) }
func (v StatusCH) Values() []string { return statusCH }

// CHFInstallType is XSD CHFInstallType (8.14.1, 8.14.2).
type CHFInstallType string

// CHF install types.
const (
	InstallNewCHF         CHFInstallType = "New CHF Install"
	InstallReplacementCHF CHFInstallType = "Replacement CHF Install"
	InstallNoSMWAN        CHFInstallType = "CHF Install - no SM WAN"
)

var chfInstallTypes = []string{"New CHF Install", "Replacement CHF Install", "CHF Install - no SM WAN"}

func (v CHFInstallType) Known() bool      { return slices.Contains(chfInstallTypes, string(v)) }
func (v CHFInstallType) Values() []string { return chfInstallTypes }

// CHFLocation is XSD CHFLocation.
type CHFLocation string

var chfLocations = []string{"Outside Premises", "Indoors on external wall", "Deep indoors", "Basement or Cellar"}

func (v CHFLocation) Known() bool      { return slices.Contains(chfLocations, string(v)) }
func (v CHFLocation) Values() []string { return chfLocations }

// PremiseType is XSD PremiseType (8.14.2).
type PremiseType string

var premiseTypes = []string{"Detached / Semi Detached", "Terraced",
	"Low Rise Apartment (MDU <= 5 floors)", "High Rise Apartment (MDU > 5 floors)"}

func (v PremiseType) Known() bool      { return slices.Contains(premiseTypes, string(v)) }
func (v PremiseType) Values() []string { return premiseTypes }

// CHFFaultReturnType is XSD CHFFaultReturnType (8.14.3).
type CHFFaultReturnType string

var chfFaultReturnTypes = []string{"Fault identified prior to installation", "Fault identified post installation"}

func (v CHFFaultReturnType) Known() bool      { return slices.Contains(chfFaultReturnTypes, string(v)) }
func (v CHFFaultReturnType) Values() []string { return chfFaultReturnTypes }

// CHFFaultReason is XSD CHFFaultReason (8.14.3).
type CHFFaultReason string

var chfFaultReasons = []string{"Damaged case", "Damaged Connector", "Illegal interference or missing seals",
	"Environmental conditions exceeded", "SM WAN Fault", "SMHAN Interface Fault", "LED Fault", "Aerial fault",
	"Manufacturing defect"}

func (v CHFFaultReason) Known() bool      { return slices.Contains(chfFaultReasons, string(v)) }
func (v CHFFaultReason) Values() []string { return chfFaultReasons }

// CHFNoFaultReturnType is XSD CHFNoFaultReturnType (8.14.4).
type CHFNoFaultReturnType string

var chfNoFaultReturnTypes = []string{"No Fault Return (general)", "No Fault Return (non-dom opt out)",
	"No Fault Return (dual supplier HAN variant replacement)",
	"No Fault Return (SM WAN variant replacement requested by DCC)", "Lost or Stolen Hub"}

func (v CHFNoFaultReturnType) Known() bool      { return slices.Contains(chfNoFaultReturnTypes, string(v)) }
func (v CHFNoFaultReturnType) Values() []string { return chfNoFaultReturnTypes }

// CHFConnectionMethod is XSD CHFConnectionMethod (8.14.3).
type CHFConnectionMethod string

var chfConnectionMethods = []string{"Hot-shoe", "Cradle", "ESME"}

func (v CHFConnectionMethod) Known() bool      { return slices.Contains(chfConnectionMethods, string(v)) }
func (v CHFConnectionMethod) Values() []string { return chfConnectionMethods }

// CSPRegion is XSD CSPRegion.
type CSPRegion string

var cspRegions = []string{"North", "Central", "South", "4G North", "4G Central", "4G South", "Unknown", "SMETS1"}

func (v CSPRegion) Known() bool      { return slices.Contains(cspRegions, string(v)) }
func (v CSPRegion) Values() []string { return cspRegions }

// ESMEVariant is XSD ESMEVariant.
type ESMEVariant string

var esmeVariants = []string{"A", "B", "C", "AD", "BD", "CD", "ADE", "BDE", "CDE", "ADF", "BDF", "CDF",
	"ADEF", "BDEF", "CDEF", "ADG", "ADEG", "AF", "BF", "CF", "AEF", "BEF", "CEF", "AG", "AEG"}

func (v ESMEVariant) Known() bool      { return slices.Contains(esmeVariants, string(v)) }
func (v ESMEVariant) Values() []string { return esmeVariants }

// CPLStatus is XSD CPLStatus, also used for DeviceFirmwareVersionStatus.
type CPLStatus string

var cplStatuses = []string{"Active", "Cancelled", "Expired", "Withdrawn"}

func (v CPLStatus) Known() bool      { return slices.Contains(cplStatuses, string(v)) }
func (v CPLStatus) Values() []string { return cplStatuses }

// Connectivity is XSD Connectivity.
type Connectivity string

var connectivities = []string{"Cellular", "Virtual"}

func (v Connectivity) Known() bool      { return slices.Contains(connectivities, string(v)) }
func (v Connectivity) Values() []string { return connectivities }

// ConnectivityLikelihood is the DSPWANMatrixResponse enumeration.
type ConnectivityLikelihood string

var likelihoods = []string{"High", "Medium", "Low"}

func (v ConnectivityLikelihood) Known() bool      { return slices.Contains(likelihoods, string(v)) }
func (v ConnectivityLikelihood) Values() []string { return likelihoods }

// HANRequestType is the 8.11 RequestType enumeration.
type HANRequestType string

// 8.11 request types.
const (
	HANAdd    HANRequestType = "Add"
	HANRemove HANRequestType = "Remove"
)

var hanRequestTypes = []string{"Add", "Remove"}

func (v HANRequestType) Known() bool      { return slices.Contains(hanRequestTypes, string(v)) }
func (v HANRequestType) Values() []string { return hanRequestTypes }

// DCCAlertCode is the DCCAlertMessage/DCCAlertCode enumeration: AD1,
// N1..N65 (no N32) and N999.
type DCCAlertCode string

var dccAlertCodes = func() []string {
	out := []string{"AD1"}
	for i := 1; i <= 65; i++ {
		if i != 32 {
			out = append(out, "N"+itoa(i))
		}
	}
	return append(out, "N999")
}()

func (v DCCAlertCode) Known() bool      { return slices.Contains(dccAlertCodes, string(v)) }
func (v DCCAlertCode) Values() []string { return dccAlertCodes }

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

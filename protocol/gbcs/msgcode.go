package gbcs

import (
	"fmt"
	"strconv"
	"strings"
)

// MessageCode identifies the GBCS use case (and variant) of a message; it
// is the first two bytes of the other-information field (DOMAIN.md §16.3
// and the GBCS message-code table).
type MessageCode uint16

// UseCase is one row of the message-code table.
type UseCase struct {
	// ID is the GBCS use-case identifier (e.g. "CCS01", "ECS26e"), or empty
	// for alert message codes that carry no use-case identifier.
	ID string
	// Title is the use-case title.
	Title string
}

// Lookup returns the table row for c.
func (c MessageCode) Lookup() (UseCase, bool) {
	u, ok := messageCodes[c]
	return u, ok
}

// UseCaseID returns the GBCS use-case identifier, or "" when c is not in
// the table or has none.
func (c MessageCode) UseCaseID() string { return messageCodes[c].ID }

// Title returns the use-case title, or "" when c is not in the table.
func (c MessageCode) Title() string { return messageCodes[c].Title }

// Known reports whether c is in the message-code table.
func (c MessageCode) Known() bool { _, ok := messageCodes[c]; return ok }

// String returns "0x0001 CCS01 Add Device to CHF device log", or
// "0x0004 unknown" when the code is not in the table.
func (c MessageCode) String() string {
	u, ok := messageCodes[c]
	switch {
	case !ok:
		return fmt.Sprintf("0x%04X unknown", uint16(c))
	case u.ID == "":
		return fmt.Sprintf("0x%04X %s", uint16(c), u.Title)
	}
	return fmt.Sprintf("0x%04X %s %s", uint16(c), u.ID, u.Title)
}

// MarshalText encodes the code as "0x0001".
func (c MessageCode) MarshalText() ([]byte, error) {
	return []byte(fmt.Sprintf("0x%04X", uint16(c))), nil
}

// UnmarshalText accepts "0x0001" or a decimal number.
func (c *MessageCode) UnmarshalText(t []byte) error {
	v, err := strconv.ParseUint(strings.TrimSpace(string(t)), 0, 16)
	if err != nil {
		return fmt.Errorf("gbcs: message code %q: %w", t, err)
	}
	*c = MessageCode(v)
	return nil
}

// MessageCodes returns every code in the table, in ascending order.
func MessageCodes() []MessageCode {
	out := make([]MessageCode, 0, len(messageCodes))
	for c := range messageCodes {
		out = append(out, c)
	}
	for i := 1; i < len(out); i++ { // insertion sort: small, once per call
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Message codes used by name in this package.
const (
	CodeCCS01                         MessageCode = 0x0001 // Add Device to CHF device log
	CodeCCS02                         MessageCode = 0x0002 // Remove device from CHF device log
	CodeCCS03                         MessageCode = 0x0003 // Restore CHF Device Log
	CodeCS02a                         MessageCode = 0x0008 // Provide Security Credentials Details
	CodeCS03A1                        MessageCode = 0x000D
	CodeCS03B                         MessageCode = 0x000E
	CodeCS04AC                        MessageCode = 0x000F
	CodeCS04B                         MessageCode = 0x0010
	CodeCS06                          MessageCode = 0x0012 // Activate Firmware
	CodeCS07                          MessageCode = 0x0013 // Read Device Join Details
	CodeCS14                          MessageCode = 0x0018 // CHF device log changed alert
	CodeECS52                         MessageCode = 0x0059 // Read firmware version
	CodeECS70                         MessageCode = 0x0062 // Set Clock on ESME
	CodeGCS28                         MessageCode = 0x007F // Set Clock on GSME
	CodeGCS38                         MessageCode = 0x0084 // Read GSME firmware version
	CodeGCS53                         MessageCode = 0x008B
	CodeGCS59                         MessageCode = 0x008C // Restore GPF Device Log
	CodeCS03A2                        MessageCode = 0x00AB
	CodeCS03C                         MessageCode = 0x00AF
	CodeGCS62                         MessageCode = 0x00B2 // Backup GPF Device Log (alert)
	CodeFutureDatedFirmwareActivation MessageCode = 0x00CA
	CodeFutureDatedCredentials        MessageCode = 0x00CB
	CodeFutureDatedDLMS               MessageCode = 0x00CC
	CodeFutureDatedGBZ                MessageCode = 0x00CD
	CodeMeterIntegrityESME            MessageCode = 0x00F0
	CodeMeterIntegrityGSME            MessageCode = 0x00F2
	CodeCCS07                         MessageCode = 0x00FE // Read CHF Device Logs
	CodeCCS06                         MessageCode = 0x010F // Read CHF device log and check HAN communications
	CodeCCS08                         MessageCode = 0x0128 // Firmware Transfer Alert
	CodeCS08                          MessageCode = 0x0129 // Read PPMID/HCALCS Firmware Version
)

// messageCodes is the GBCS message-code table (facts from GBCS; the
// conformance test cross-checks the identifiers against the DUIS use-case
// mapping table). 0x0100–0x0109 are the CS02b variants by trust-anchor
// replacement.
var messageCodes = map[MessageCode]UseCase{
	0x0001: {"CCS01", "Add Device to CHF device log"},
	0x0002: {"CCS02", "Remove device from CHF device log"},
	0x0003: {"CCS03", "Restore CHF Device Log"},
	0x0007: {"CS01a", "Apply Prepayment Top Up to an ESME"},
	0x0008: {"CS02a", "Provide Security Credentials Details"},
	0x000A: {"CS02c", "Issue Security Credentials"},
	0x000B: {"CS02d", "Update Device Certificates on Device"},
	0x000C: {"CS02e", "Provide Device Certificates from Device"},
	0x000D: {"CS03A1", "Method A Join (Meter)"},
	0x000E: {"CS03B", "Method B Join"},
	0x000F: {"CS04AC", "Method A or C Unjoin"},
	0x0010: {"CS04B", "Method B Unjoin"},
	0x0012: {"CS06", "Activate Firmware"},
	0x0013: {"CS07", "Read Device Join Details"},
	0x0014: {"CS10a", "Read ZigBee Device Event Log"},
	0x0015: {"CS11", "Clear ZigBee Device Event Log"},
	0x0018: {"CS14", "Device Addition To / Removal From HAN Whitelist Alerts"},
	0x0019: {"ECS01a", "Set Tariff and Price on ESME"},
	0x001A: {"ECS02", "Set ESME Payment Mode to Credit"},
	0x001B: {"ECS03", "Set ESME Payment Mode to Prepayment"},
	0x001C: {"ECS04a", "Adjust Meter Balance on the ESME"},
	0x001D: {"ECS05", "Reset Tariff Block Counter Matrix"},
	0x001E: {"ECS07", "Manage Debt on the ESME"},
	0x001F: {"ECS08", "Update Prepayment Configuration on ESME"},
	0x0020: {"ECS09", "Activate Emergency Credit Remotely on ESME"},
	0x0021: {"ECS10", "Send Message to ESME"},
	0x0022: {"ECS12", "Set Change of Tenancy date on ESME"},
	0x0023: {"ECS14", "Disable Privacy PIN Protection on ESME"},
	0x0024: {"ECS15a", "Clear ESME Event Log"},
	0x0025: {"ECS16", "Write Supplier Contact Details on ESME"},
	0x0026: {"ECS17a", "Read ESME Energy Registers (Export Energy)"},
	0x0027: {"ECS17b", "Read ESME Energy Registers (Import Energy)"},
	0x0028: {"ECS17c", "Read ESME Energy Registers (Power)"},
	0x0029: {"ECS17d", "Read ESME Energy Register (TOU)"},
	0x002A: {"ECS17e", "Read ESME Energy Register (TOU with Blocks)"},
	0x002B: {"ECS18a", "Read Maximum Demand Registers (export)"},
	0x002C: {"ECS18b", "Read Maximum Demand Registers (import)"},
	0x002D: {"ECS19", "Read ESME Prepayment Registers"},
	0x002E: {"ECS20a", "Read ESME Billing Data Log (payment based debt payments)"},
	0x002F: {"ECS20b", "Read ESME Billing Data Log (change of mode / tariff triggered exc export)"},
	0x0030: {"ECS20c", "Read ESME Billing Data Log (billing calendar triggered exc export)"},
	0x0033: {"ECS21a", "Read Electricity Daily Read Log (exc export)"},
	0x0034: {"ECS21b", "Read Electricity (Prepayment) Daily Read Log"},
	0x0035: {"ECS21c", "Read Electricity Daily Read Log (export only)"},
	0x0036: {"ECS22a", "Read Electricity Half Hour Profile Data (export)"},
	0x0037: {"ECS22b", "Read Electricity Half Hour Profile Data (active import)"},
	0x0038: {"ECS22c", "Read Electricity Half Hour Profile Data (reactive import)"},
	0x0039: {"ECS23", "Read Voltage Operational Data"},
	0x003A: {"ECS24", "Read ESME Tariff Data"},
	0x003B: {"ECS26a", "Read ESME Configuration Data Prepayment"},
	0x003C: {"ECS26b", "Read ESME Configuration Voltage Data"},
	0x003D: {"ECS26c", "Read ESME Configuration Data Device Information (randomisation)"},
	0x003E: {"ECS26d", "Read ESME Configuration Data Device Information (Billing Calendar)"},
	0x003F: {"ECS26e", "Read ESME Configuration Data Device Information (device identity exc MPAN)"},
	0x0040: {"ECS26f", "Read ESME Configuration Data Device Information (instantaneous power thresholds)"},
	0x0042: {"ECS27", "Read ESME Load Limit Data"},
	0x0043: {"ECS28a", "Set Load Limit Configurations - General Settings"},
	0x0044: {"ECS28b", "Set Load Limit Configuration Counter Reset"},
	0x0045: {"ECS29a", "Set Voltage Configurations on ESME"},
	0x0046: {"ECS30", "Set Billing Calendar on the ESME"},
	0x0047: {"ECS34", "Set Instantaneous Power Threshold Configuration"},
	0x0048: {"ECS35a", "Read ESME Event Log"},
	0x0049: {"ECS35b", "Read ESME Security Log"},
	0x004A: {"ECS37", "Set Maximum Demand Configurable Time Period"},
	0x004B: {"ECS38", "Update Randomised Offset Limit"},
	0x004C: {"ECS39a", "Set MPAN Value on the ESME"},
	0x004D: {"ECS39b", "Set Export MPAN Value on the ESME"},
	0x004E: {"ECS40", "Read MPAN Value on the ESME"},
	0x004F: {"ECS42", "Remotely Close the Load Switch on the ESME"},
	0x0050: {"ECS43", "Remotely Open the Load Switch on the ESME"},
	0x0051: {"ECS44", "Arm Load Switch in ESME"},
	0x0052: {"ECS45", "Read Status of Load Switch in the ESME"},
	0x0053: {"ECS46a", "Set HC ALCS or ALCS Labels in ESME"},
	0x0054: {"ECS46c", "Set HC ALCS and ALCS configuration in ESME (excluding labels)"},
	0x0055: {"ECS47", "Set or Reset HC ALCS or ALCS State"},
	0x0058: {"ECS50", "Send CIN to ESME"},
	0x0059: {"ECS52", "Read ESME/Comms Hub Firmware Version"},
	0x005A: {"ECS57", "Reset ESME Maximum Demand Registers"},
	0x005E: {"ECS61c", "Read Boost Button Data from ESME"},
	0x005F: {"ECS62", "Set ALCS and Boost Button Association"},
	0x0060: {"ECS66", "Read ESME Daily Consumption Log"},
	0x0061: {"ECS68", "ESME Critical Sensitive Alert (Billing Data Log)"},
	0x0062: {"ECS70", "Set Clock on ESME"},
	0x0067: {"ECS80", "Supply Outage Restore Alert from ESME"},
	0x0068: {"ECS81", "Set Supply Tamper State on ESME"},
	0x0069: {"ECS82", "Read Meter Balance for ESME"},
	0x006B: {"GCS01a", "Set Tariff and Price on GSME"},
	0x006C: {"GCS02", "Set GSME Payment Mode to Credit"},
	0x006D: {"GCS03", "Set GSME Payment Mode to Prepayment"},
	0x006E: {"GCS04", "Manage Debt on the GSME"},
	0x006F: {"GCS05", "Update Prepayment Configurations on GSME"},
	0x0070: {"GCS06", "Activate Emergency Credit Remotely on GSME"},
	0x0071: {"GCS07", "Send Message to GSME"},
	0x0072: {"GCS09", "Set Change of Tenancy date on GPF"},
	0x0073: {"GCS11", "Disable Privacy PIN Protection on GSME"},
	0x0074: {"GCS13a", "Read GSME Consumption Register"},
	0x0075: {"GCS14", "Read GSME Prepayment Registers"},
	0x0076: {"GCS15c", "Read GSME Billing Data Log (billing calendar triggered)"},
	0x0077: {"GCS16a", "Read GSME Daily Read Log"},
	0x0078: {"GCS17", "Read GSME Profile Data Log"},
	0x0079: {"GCS18", "Read Gas Network Data Log"},
	0x007B: {"GCS21a", "Read Gas Configuration Data Device Information"},
	0x007C: {"GCS23", "Set CV and Conversion Factor Value(s) on the GSME"},
	0x007D: {"GCS24", "Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME"},
	0x007E: {"GCS25", "Set Billing Calendar on the GSME"},
	0x007F: {"GCS28", "Set Clock on GSME"},
	0x0080: {"GCS31", "Start Network Data Log on GSME"},
	0x0081: {"GCS32", "Remotely close the valve in the GSME"},
	0x0082: {"GCS33", "Read GSME Valve Status"},
	0x0083: {"GCS36", "Send CIN to GSME"},
	0x0084: {"GCS38", "Read GSME Firmware Version"},
	0x0085: {"GCS39", "Arm Valve in GSME"},
	0x0086: {"GCS40a", "Adjust Prepayment Mode Meter Balance on the GSME"},
	0x0087: {"GCS41", "Set MPRN Value on the GSME"},
	0x0088: {"GCS44", "Write Contact Details on GSME"},
	0x0089: {"GCS46", "Read MPRN on the GSME"},
	0x008B: {"GCS53", "Push Billing Data Log as an Alert"},
	0x008C: {"GCS59", "Restore GPF Device Log"},
	0x008D: {"GCS60", "Read Meter Balance for GSME"},
	0x0090: {"PCS02", "Activate Emergency Credit on GSME from PPMID"},
	0x0092: {"ECS26i", "Read Configuration Data Device Information (CHF identity)"},
	0x0093: {"ECS35c", "Read CHF Event Log"},
	0x0094: {"ECS35d", "Read CHF Security Log"},
	0x0096: {"GCS16b", "Read GSME Daily Read log(s) (prepayment)"},
	0x0097: {"CS01b", "Apply Prepayment Top Up to a GSME"},
	0x009B: {"PCS01", "Apply Prepayment Top Up to a GSME using PPMID"},
	0x009D: {"GCS21d", "Read GSME Configuration Data Device Information (BillingCalendar)"},
	0x009E: {"GCS21e", "Read GSME/GPF Configuration Data Device Information (device identity)"},
	0x009F: {"GCS21f", "Read GSME Tariff Data"},
	0x00A0: {"GCS61", "Read Gas Daily Consumption Log"},
	0x00A1: {"CS10b", "Read ZigBee Device Security Log"},
	0x00A2: {"ECS01b", "Set Price on ESME"},
	0x00A3: {"GCS01b", "Set Price on GSME"},
	0x00AB: {"CS03A2", "Method A Join (non Meter)"},
	0x00AC: {"ECS25a", "Set Alert Behaviours - ESME - Supplier"},
	0x00AD: {"GCS20", "Set Alert Behaviours - GSME"},
	0x00AE: {"ECS29b", "Set Voltage Configurations on ESME - 3ph"},
	0x00AF: {"CS03C", "Method C Join"},
	0x00B0: {"ECS25b", "Set Alert Behaviours - ESME - Network Operator"},
	0x00B2: {"GCS62", "Backup GPF Device Log"},
	0x00B3: {"ECS04b", "Reset Meter Balance on the ESME"},
	0x00B4: {"GCS40b", "Reset Prepayment Mode Meter Balance on the GSME"},
	0x00B5: {"GCS21b", "Read GSME Configuration Data Prepayment"},
	0x00B6: {"GCS13c", "Read GSME Register (TOU)"},
	0x00B7: {"ECS01c", "Set Tariff and Price on ESME secondary"},
	0x00B8: {"GCS13b", "Read GSME Block Counters"},
	0x00B9: {"ECS35e", "Read ESME Power Event Log"},
	0x00BA: {"ECS35f", "Read ALCS Event Log"},
	0x00BB: {"ECS61a", "Read HC ALCS and ALCS Data from ESME"},
	0x00BC: {"ECS23b", "Read Voltage Operational Data - 3 Phase"},
	0x00BD: {"ECS24b", "Read ESME Tariff Data - second element"},
	0x00BE: {"ECS26j", "Read ESME Configuration Data Device Information (Payment Mode)"},
	0x00BF: {"GCS21j", "Read GSME Configuration Data Device Information (Payment Mode)"},
	0x00C0: {"GCS40c", "Adjust Credit Mode Meter Balance on the GSME"},
	0x00C1: {"ECS15c", "Clear ALCS Event Log"},
	0x00C2: {"GCS40d", "Reset Credit Mode Meter Balance on the GSME"},
	0x00C3: {"GCS15b", "Read GSME Billing Data Log (change of mode / tariff triggered)"},
	0x00C4: {"GCS15d", "Read GSME Billing Data Log (payment-based debt payments)"},
	0x00C5: {"GCS15e", "Read GSME Billing Data Log (prepayment credits)"},
	0x00C6: {"ECS26k", "Read ESME Configuration Voltage Data - 3 phase"},
	0x00C7: {"ECS01d", "Set Price on ESME secondary"},
	0x00C9: {"ECS20d", "Read ESME Billing Data Log (prepayment credits)"},
	0x00CA: {"", "Future Dated Firmware Activation Alert"},
	0x00CB: {"", "Future Dated Update Security Credentials Alert"},
	0x00CC: {"", "Future Dated Execution Of Instruction Alert (DLMS COSEM)"},
	0x00CD: {"", "Future Dated Execution Of Instruction Alert (GBZ)"},
	0x00CE: {"", "Firmware Distribution Receipt Alert (ESME)"},
	0x00CF: {"", "Firmware Distribution Receipt Alert (GSME)"},
	0x00D1: {"ECS29c", "Set Voltage Configurations on ESME without counter reset"},
	0x00D2: {"ECS29d", "Set Voltage Configurations on polyphase ESME without counter reset"},
	0x00D3: {"ECS29e", "Reset RMS Voltage Counters on ESME"},
	0x00D4: {"ECS29f", "Reset RMS Voltage Counters on polyphase ESME"},
	0x00D5: {"", "Failure to Deliver Remote Party Message to ESME Alert"},
	0x00D7: {"ECS30a", "Set Billing Calendar on the ESME - all periodicities"},
	0x00D8: {"GCS25a", "Set Billing Calendar on the GSME - all periodicities"},
	0x00D9: {"ECS26l", "Read ESME Configuration Data Device Information (Billing Calendar - all periodicities)"},
	0x00DA: {"GCS21k", "Read GSME Configuration Data Device Information (BillingCalendar - all periodicities)"},
	0x00DB: {"ECS48", "Configure daily resetting of Tariff Block Counter Matrix"},
	0x00DE: {"ECS08a", "Update Prepayment Configuration on ESME"},
	0x00EA: {"ECS25a1", "Set Event Behaviours - ESME to HAN Device - Supplier"},
	0x00EB: {"ECS25a2", "Set Event Behaviours - ESME audible alarm - Supplier"},
	0x00EC: {"ECS25a3", "Set Event Behaviours - ESME logging - Supplier"},
	0x00ED: {"ECS25b3", "Set Event Behaviours - ESME logging - Network Operator"},
	0x00EE: {"ECS25r1", "Read non-critical event and alert behaviours - ESME - Supplier"},
	0x00EF: {"ECS25r2", "Read non-critical event and alert behaviours - ESME - Network Operator"},
	0x00F0: {"", "Meter Integrity Issue Warning Alert - ESME"},
	0x00F1: {"GCS20r", "Read non-critical event and alert behaviours - GSME - Supplier"},
	0x00F2: {"", "Meter Integrity Issue Warning Alert - GSME"},
	0x00F9: {"ECS26m", "Read ESME Configuration Data Device Information (identity, type and supply tamper state)"},
	0x00FA: {"ECS26n", "Read CHF Configuration Data Device Information (CH identity and type)"},
	0x00FB: {"GCS21m", "Read GSME Configuration Data Device Information (identity, type and supply tamper / depletion state)"},
	0x00FC: {"GCS24a", "Set Uncontrolled Gas Flow Rate and Supply Tamper State on the GSME (SMETS4)"},
	0x00FD: {"ECS35g", "Read ALCS Event Log"},
	0x00FE: {"CCS07", "Read CHF Device Logs"},
	0x0100: {"CS02b", "Update Security Credentials (rootBySupplier)"},
	0x0101: {"CS02b", "Update Security Credentials (rootByWanProvider)"},
	0x0102: {"CS02b", "Update Security Credentials (supplierBySupplier)"},
	0x0103: {"CS02b", "Update Security Credentials (networkOperatorByNetworkOperator)"},
	0x0104: {"CS02b", "Update Security Credentials (accessControlBrokerByACB)"},
	0x0105: {"CS02b", "Update Security Credentials (wanProviderByWanProvider)"},
	0x0106: {"CS02b", "Update Security Credentials (transCoSByTransCoS)"},
	0x0107: {"CS02b", "Update Security Credentials (supplierByTransCoS)"},
	0x0108: {"CS02b", "Update Security Credentials (anyExceptAbnormalRootByRecovery)"},
	0x0109: {"CS02b", "Update Security Credentials (anyByContingency)"},
	0x010A: {"DBCH01", "Read CHF Sub GHz Channel"},
	0x010B: {"DBCH02", "Read CHF Sub GHz Channel Log"},
	0x010C: {"DBCH03", "Read CHF Sub GHz Configuration"},
	0x010D: {"DBCH04", "Set CHF Sub GHz Configuration"},
	0x010E: {"DBCH05", "Request CHF Sub GHz Channel Scan"},
	0x010F: {"CCS06", "Read CHF device log and check HAN communications"},
	0x0110: {"DBCH06", "Limited Duty Cycle Action Taken Sub GHz Alert"},
	0x0111: {"DBCH07", "Sub GHz Sub GHz Channel Changed Sub GHz Alert"},
	0x0112: {"DBCH08", "Sub GHz Channel Scan Request Assessment Outcome Sub GHz Alert"},
	0x0113: {"DBCH09", "Sub GHz Configuration Changed Sub GHz Alert"},
	0x0114: {"DBCH10", "Message Discarded Due to Duty Cycle Management Sub GHz Alert"},
	0x0115: {"DBCH11", "No More Sub GHz Device Capacity Sub GHz Alert"},
	0x0116: {"PECS01", "Apply Prepayment Top Up to an ESME using PPMID"},
	0x0117: {"PECS02", "Activate Emergency Credit on ESME from PPMID"},
	0x0118: {"PECS03", "Request to Enable ESME Supply from PPMID"},
	0x0119: {"HECS01", "Request Control of a HAN Connected Auxiliary Load Control Switch from HCALCS"},
	0x0128: {"CCS08", "Firmware Transfer Alert"},
	0x0129: {"CS08", "Read PPMID/HCALCS Firmware Version"},
	0x1000: {"", "Generic Critical Alert"},
	0x1001: {"", "Generic Non Critical Alert"},
}

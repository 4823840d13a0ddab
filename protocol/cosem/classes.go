package cosem

import (
	"fmt"
	"sort"
)

// ClassID is a COSEM interface class identifier (IEC 62056-6-2 §4).
type ClassID uint16

// The interface classes a field engineer meets.
const (
	ClassData                 ClassID = 1
	ClassRegister             ClassID = 3
	ClassExtendedRegister     ClassID = 4
	ClassDemandRegister       ClassID = 5
	ClassProfileGeneric       ClassID = 7
	ClassClock                ClassID = 8
	ClassScriptTable          ClassID = 9
	ClassAssociationLN        ClassID = 15
	ClassSAPAssignment        ClassID = 17
	ClassImageTransfer        ClassID = 18
	ClassIECLocalPortSetup    ClassID = 19
	ClassActivityCalendar     ClassID = 20
	ClassRegisterMonitor      ClassID = 21
	ClassSingleActionSchedule ClassID = 22
	ClassIECHDLCSetup         ClassID = 23
	ClassGSMDiagnostic        ClassID = 47
	ClassSecuritySetup        ClassID = 64
	ClassDisconnectControl    ClassID = 70
	ClassLimiter              ClassID = 71
	ClassZigBeeNetworkControl ClassID = 104
	ClassLTEMonitoring        ClassID = 151
)

// Attribute describes one attribute of an interface class: its index, the
// Blue Book name and the data type it carries (an A-XDR type name, or a
// short description for structured types).
type Attribute struct {
	Index int8
	Name  string
	Type  string
}

// Method describes one method of an interface class.
type Method struct {
	Index int8
	Name  string
	Param string // data type of the parameter, "" when none
}

// Class is the description of an interface class, as data.
type Class struct {
	ID         ClassID
	Version    uint8 // the version described here
	Name       string
	Attributes []Attribute
	Methods    []Method
}

// Attribute returns attribute i of the class.
func (c Class) Attribute(i int8) (Attribute, bool) {
	for _, a := range c.Attributes {
		if a.Index == i {
			return a, true
		}
	}
	return Attribute{}, false
}

// Method returns method i of the class.
func (c Class) Method(i int8) (Method, bool) {
	for _, m := range c.Methods {
		if m.Index == i {
			return m, true
		}
	}
	return Method{}, false
}

// AttributeName returns the name of attribute i, or "attribute i".
func (c Class) AttributeName(i int8) string {
	if a, ok := c.Attribute(i); ok {
		return a.Name
	}
	return fmt.Sprintf("attribute %d", i)
}

// MethodName returns the name of method i, or "method i".
func (c Class) MethodName(i int8) string {
	if m, ok := c.Method(i); ok {
		return m.Name
	}
	return fmt.Sprintf("method %d", i)
}

// LookupClass returns the description of class id.
func LookupClass(id ClassID) (Class, bool) {
	c, ok := classes[id]
	return c, ok
}

// Classes returns every described class, by id.
func Classes() []Class {
	out := make([]Class, 0, len(classes))
	for _, c := range classes {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// String returns the class name ("Register") or "class N".
func (id ClassID) String() string {
	if c, ok := classes[id]; ok {
		return c.Name
	}
	return fmt.Sprintf("class %d", uint16(id))
}

// AttributeName names attribute i of class id ("Clock.time"), falling back
// to numbers for unknown classes.
func AttributeName(id ClassID, i int8) string {
	c, ok := classes[id]
	if !ok {
		return fmt.Sprintf("class %d attribute %d", uint16(id), i)
	}
	return c.AttributeName(i)
}

// MethodName names method i of class id.
func MethodName(id ClassID, i int8) string {
	c, ok := classes[id]
	if !ok {
		return fmt.Sprintf("class %d method %d", uint16(id), i)
	}
	return c.MethodName(i)
}

// ln is attribute 1 of every class.
var ln = Attribute{1, "logical_name", "octet-string"}

// classes holds the tables: Blue Book (DLMS UA 1000-1) names and types as
// summarised in PROTOCOLS.md §7, plus general knowledge of the Blue Book for
// the rest. Classes 47, 104 and 151 are marked (unverified) in their names'
// doc: check the attribute lists against a meter before relying on them.
var classes = map[ClassID]Class{
	ClassData: {ClassData, 0, "Data", []Attribute{ln, {2, "value", "any"}}, nil},
	ClassRegister: {ClassRegister, 0, "Register", []Attribute{ln,
		{2, "value", "any numeric"}, {3, "scaler_unit", "structure{integer, enum}"}},
		[]Method{{1, "reset", "integer"}}},
	ClassExtendedRegister: {ClassExtendedRegister, 0, "Extended register", []Attribute{ln,
		{2, "value", "any numeric"}, {3, "scaler_unit", "structure{integer, enum}"},
		{4, "status", "any"}, {5, "capture_time", "octet-string (date-time)"}},
		[]Method{{1, "reset", "integer"}}},
	ClassDemandRegister: {ClassDemandRegister, 0, "Demand register", []Attribute{ln,
		{2, "current_average_value", "any numeric"}, {3, "last_average_value", "any numeric"},
		{4, "scaler_unit", "structure{integer, enum}"}, {5, "status", "any"},
		{6, "capture_time", "octet-string (date-time)"}, {7, "start_time_current", "octet-string (date-time)"},
		{8, "period", "double-long-unsigned"}, {9, "number_of_periods", "long-unsigned"}},
		[]Method{{1, "reset", "integer"}, {2, "next_period", "integer"}}},
	ClassProfileGeneric: {ClassProfileGeneric, 1, "Profile generic", []Attribute{ln,
		{2, "buffer", "array of structure"}, {3, "capture_objects", "array of capture_object_definition"},
		{4, "capture_period", "double-long-unsigned"}, {5, "sort_method", "enum"},
		{6, "sort_object", "capture_object_definition"}, {7, "entries_in_use", "double-long-unsigned"},
		{8, "profile_entries", "double-long-unsigned"}},
		[]Method{{1, "reset", "integer"}, {2, "capture", "integer"}}},
	ClassClock: {ClassClock, 0, "Clock", []Attribute{ln,
		{2, "time", "octet-string (date-time)"}, {3, "time_zone", "long"}, {4, "status", "unsigned"},
		{5, "daylight_savings_begin", "octet-string (date-time)"}, {6, "daylight_savings_end", "octet-string (date-time)"},
		{7, "daylight_savings_deviation", "integer"}, {8, "daylight_savings_enabled", "boolean"},
		{9, "clock_base", "enum"}},
		[]Method{{1, "adjust_to_quarter", "integer"}, {2, "adjust_to_measuring_period", "integer"},
			{3, "adjust_to_minute", "integer"}, {4, "adjust_to_preset_time", "integer"},
			{5, "preset_adjusting_time", "structure{date-time ×3}"}, {6, "shift_time", "long"}}},
	ClassScriptTable: {ClassScriptTable, 0, "Script table", []Attribute{ln,
		{2, "scripts", "array of script"}},
		[]Method{{1, "execute", "long-unsigned"}}},
	ClassAssociationLN: {ClassAssociationLN, 2, "Association LN", []Attribute{ln,
		{2, "object_list", "array of object_list_element"}, {3, "associated_partners_id", "structure{integer, long-unsigned}"},
		{4, "application_context_name", "context_name"}, {5, "xDLMS_context_info", "structure"},
		{6, "authentication_mechanism_name", "mechanism_name"}, {7, "secret", "octet-string"},
		{8, "association_status", "enum"}, {9, "security_setup_reference", "octet-string"},
		{10, "user_list", "array"}, {11, "current_user", "structure"}},
		[]Method{{1, "reply_to_HLS_authentication", "octet-string"}, {2, "change_HLS_secret", "octet-string"},
			{3, "add_object", "object_list_element"}, {4, "remove_object", "object_list_element"},
			{5, "add_user", "structure"}, {6, "remove_user", "structure"}}},
	ClassSAPAssignment: {ClassSAPAssignment, 0, "SAP assignment", []Attribute{ln,
		{2, "SAP_assignment_list", "array of structure{long-unsigned, octet-string}"}},
		[]Method{{1, "connect_logical_device", "structure"}}},
	ClassImageTransfer: {ClassImageTransfer, 0, "Image transfer", []Attribute{ln,
		{2, "image_block_size", "double-long-unsigned"}, {3, "image_transferred_blocks_status", "bit-string"},
		{4, "image_first_not_transferred_block_number", "double-long-unsigned"},
		{5, "image_transfer_enabled", "boolean"}, {6, "image_transfer_status", "enum"},
		{7, "image_to_activate_info", "array of structure{double-long-unsigned, octet-string, octet-string}"}},
		[]Method{{1, "image_transfer_initiate", "structure{octet-string, double-long-unsigned}"},
			{2, "image_block_transfer", "structure{double-long-unsigned, octet-string}"},
			{3, "image_verify", "integer"}, {4, "image_activate", "integer"}}},
	ClassIECLocalPortSetup: {ClassIECLocalPortSetup, 1, "IEC local port setup", []Attribute{ln,
		{2, "default_mode", "enum"}, {3, "default_baud", "enum"}, {4, "prop_baud", "enum"},
		{5, "response_time", "enum"}, {6, "device_addr", "octet-string"}, {7, "pass_p1", "octet-string"},
		{8, "pass_p2", "octet-string"}, {9, "pass_w5", "octet-string"}}, nil},
	ClassActivityCalendar: {ClassActivityCalendar, 0, "Activity calendar", []Attribute{ln,
		{2, "calendar_name_active", "octet-string"}, {3, "season_profile_active", "array"},
		{4, "week_profile_table_active", "array"}, {5, "day_profile_table_active", "array"},
		{6, "calendar_name_passive", "octet-string"}, {7, "season_profile_passive", "array"},
		{8, "week_profile_table_passive", "array"}, {9, "day_profile_table_passive", "array"},
		{10, "activate_passive_calendar_time", "octet-string (date-time)"}},
		[]Method{{1, "activate_passive_calendar", "integer"}}},
	ClassRegisterMonitor: {ClassRegisterMonitor, 0, "Register monitor", []Attribute{ln,
		{2, "thresholds", "array"}, {3, "monitored_value", "value_definition"}, {4, "actions", "array of action_set"}}, nil},
	ClassSingleActionSchedule: {ClassSingleActionSchedule, 0, "Single action schedule", []Attribute{ln,
		{2, "executed_script", "structure{octet-string, long-unsigned}"}, {3, "type", "enum"},
		{4, "execution_time", "array of structure{time, date}"}}, nil},
	ClassIECHDLCSetup: {ClassIECHDLCSetup, 1, "IEC HDLC setup", []Attribute{ln,
		{2, "comm_speed", "enum"}, {3, "window_size_transmit", "unsigned"}, {4, "window_size_receive", "unsigned"},
		{5, "max_info_field_length_transmit", "long-unsigned"}, {6, "max_info_field_length_receive", "long-unsigned"},
		{7, "inter_octet_time_out", "long-unsigned"}, {8, "inactivity_time_out", "long-unsigned"},
		{9, "device_address", "long-unsigned"}}, nil},
	ClassGSMDiagnostic: {ClassGSMDiagnostic, 2, "GSM diagnostic", []Attribute{ln,
		{2, "operator", "visible-string"}, {3, "status", "enum"}, {4, "cs_attachment", "enum"},
		{5, "ps_status", "enum"}, {6, "cell_info", "structure"}, {7, "adjacent_cells", "array of structure"},
		{8, "capture_time", "date-time"}}, nil},
	ClassSecuritySetup: {ClassSecuritySetup, 1, "Security setup", []Attribute{ln,
		{2, "security_policy", "enum"}, {3, "security_suite", "enum"}, {4, "client_system_title", "octet-string"},
		{5, "server_system_title", "octet-string"}, {6, "certificates", "array of certificate_info"}},
		[]Method{{1, "security_activate", "enum"}, {2, "key_transfer", "array of key_data"},
			{3, "key_agreement", "array of key_agreement_data"}, {4, "generate_key_pair", "enum"},
			{5, "generate_certificate_request", "enum"}, {6, "import_certificate", "octet-string"},
			{7, "export_certificate", "structure"}, {8, "remove_certificate", "structure"}}},
	ClassDisconnectControl: {ClassDisconnectControl, 0, "Disconnect control", []Attribute{ln,
		{2, "output_state", "boolean"}, {3, "control_state", "enum"}, {4, "control_mode", "enum"}},
		[]Method{{1, "remote_disconnect", "integer"}, {2, "remote_reconnect", "integer"}}},
	ClassLimiter: {ClassLimiter, 0, "Limiter", []Attribute{ln,
		{2, "monitored_value", "value_definition"}, {3, "threshold_active", "any"}, {4, "threshold_normal", "any"},
		{5, "threshold_emergency", "any"}, {6, "min_over_threshold_duration", "double-long-unsigned"},
		{7, "min_under_threshold_duration", "double-long-unsigned"}, {8, "emergency_profile", "structure"},
		{9, "emergency_profile_group_id_list", "array of long-unsigned"}, {10, "emergency_profile_active", "boolean"},
		{11, "actions", "structure{action_item, action_item}"}}, nil},
	ClassZigBeeNetworkControl: {ClassZigBeeNetworkControl, 0, "ZigBee network control", []Attribute{ln,
		{2, "enable_disable_joining", "boolean"}, {3, "join_timeout", "long-unsigned"},
		{4, "active_devices", "array of active_device"}},
		[]Method{{1, "register_device", "octet-string"}, {2, "unregister_device", "octet-string"},
			{3, "unregister_all_devices", "integer"}, {4, "backup_PAN", "integer"},
			{5, "restore_PAN", "integer"}, {6, "identify_device", "octet-string"},
			{7, "remove_mirror", "octet-string"}, {8, "update_network_key", "structure"},
			{9, "update_link_key", "octet-string"}, {10, "create_PAN", "integer"}, {11, "remove_PAN", "integer"}}},
	ClassLTEMonitoring: {ClassLTEMonitoring, 0, "LTE monitoring", []Attribute{ln,
		{2, "LTE_network_parameters", "structure"}, {3, "LTE_quality_of_service", "structure"}}, nil},
}

package diagnose

import "fmt"

// eventNames holds the event codes a field engineer meets, as data:
// the standard event codes of IEC 62056-6-1 / DLMS UA Blue Book event logs
// (as profiled by DSMR and most European and GB meters), and the GBCS alert
// codes of DOMAIN.md §16.6. Codes not listed read "unknown (code N)".
var eventNames = map[uint16]string{
	1:  "power down",
	2:  "power up",
	3:  "daylight saving time changed",
	4:  "clock adjusted (old time)",
	5:  "clock adjusted (new time)",
	6:  "clock invalid",
	7:  "replace battery",
	8:  "battery voltage low",
	9:  "tariff (TOU) activated",
	10: "error register cleared",
	11: "alarm register cleared",
	12: "program memory error",
	13: "RAM error",
	14: "non-volatile memory error",
	15: "watchdog error",
	16: "measurement system error",
	17: "firmware ready for activation",
	18: "firmware activated",
	40: "terminal cover removed",
	41: "terminal cover closed",
	42: "strong DC field detected",
	43: "strong DC field gone",
	44: "meter cover removed",
	45: "meter cover closed",
	46: "association authentication failure",
	47: "decryption or authentication failure",
	48: "replay attack",
	59: "disconnector ready for manual reconnection",
	60: "manual disconnection",
	61: "manual connection",
	62: "remote disconnection",
	63: "remote connection",
	64: "local disconnection",
	65: "limiter threshold exceeded",
	66: "limiter threshold ok",
	67: "limiter threshold changed",
	68: "disconnect/reconnect failure",
	69: "local reconnection",
	76: "under voltage",
	79: "over voltage",
	90: "missing neutral",
	91: "phase sequence reversal",

	0x8071: "GPF device log changed",
	0x8145: "clock adjusted within tolerance",
	0x8183: "device joined SMHAN",
	0x81A0: "meter integrity warning",
	0x81A2: "CH connected to ESME",
	0x81A3: "CH disconnected from ESME",
	0x81A5: "communication from local port",
	0x81C6: "clock not adjusted (outside tolerance)",
	0x8F0C: "clock not adjusted (more than 10 s)",
	0x8F12: "CHF device log changed",
	0x8F20: "limited duty cycle action taken",
	0x8F29: "lost GSME still not found after three attempts",
	0x8F30: "source lacks authority",
	0x8F3D: "trusted source authentication failure",
	0x8F48: "device joining failed",
	0x8F49: "device joining succeeded",
	0x8F4A: "device unjoining failed",
	0x8F4B: "device unjoining succeeded",
	0x8F66: "future-dated command succeeded",
	0x8F67: "future-dated command failed",
	0x8F69: "device commissioned",
	0x8F84: "failure to deliver remote party message to ESME",
	0x8F89: "firmware transfer failed",
	0x8F8A: "firmware transfer succeeded",

	0xFFFF: "invalid (erased or corrupted entry)",
}

// EventName returns the name of an event code, or "unknown (code N)".
func EventName(code uint16) string {
	if n, ok := eventNames[code]; ok {
		return n
	}
	return fmt.Sprintf("unknown (code %d)", code)
}

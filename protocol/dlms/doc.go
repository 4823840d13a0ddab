// Package dlms implements the DLMS/COSEM application layer: the ACSE
// association APDUs (AARQ, AARE, RLRQ, RLRE), the xDLMS services (GET, SET,
// ACTION, ACCESS, notifications, block transfer), security suites 0 and 1
// (AES-GCM, HLS-GMAC, HLS-ECDSA), the IEC 62056-47 wrapper, and a Client and
// Server that run an association over any Transport (IEC 62056-5-3,
// IEC 62056-47, DLMS UA Green Book).
package dlms

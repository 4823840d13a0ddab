// Package cosem holds the COSEM object model a field engineer meets
// (IEC 62056-6-1 OBIS, IEC 62056-6-2 interface classes; summary in
// PROTOCOLS.md §7): OBIS codes with names, the interface classes with their
// attribute and method tables as data, the unit enumeration, attribute and
// method descriptors, and typed views over attribute values read with
// package axdr.
//
// OBIS codes parse from every form tools print and render in two:
//
//	o, err := cosem.ParseOBIS("1-0:1.8.0*255") // also "1.0.1.8.0.255", "1-0:1.8.0"
//	o.String()  // "1-0:1.8.0*255"
//	o.Dotted()  // "1.0.1.8.0.255"
//	o.Name()    // "Active energy import (+A), total"
//
// Class tables answer "what is attribute 4 of class 8":
//
//	cosem.AttributeName(cosem.ClassClock, 4)  // "status"
//
// Typed views take decoded attribute values, one attribute at a time:
//
//	var reg cosem.ExtendedRegister
//	reg.SetAttribute(2, value)       // 06 00 00 30 39
//	reg.SetAttribute(3, scalerUnit)  // 02 02 0F FD 16 1E
//	reg.String()                     // "12.345 Wh"
//
//	var pg cosem.ProfileGeneric
//	pg.SetAttribute(3, captureObjects)
//	pg.SetScalerUnit(importOBIS, su)
//	rows, n, err := pg.Rows(bufferBytes) // or pg.Scan for typed rows, no allocation
//
// The Association LN decodes with AssociationLN.SetAttribute (object_list
// also alone with ParseObjectList; ObjectListValue encodes one for a
// simulated meter), the Clock with Clock.SetAttribute (Clock.UTC applies
// the meter's deviation sign setting), GSM cell_info with
// ParseGSMCellInfo, selective access parameters with RangeDescriptor and
// EntryDescriptor. Errors about a value's shape are *ShapeError wrapping
// ErrShape.
package cosem

// Package duis reads, writes, builds, validates and signs DCC User
// Interface Specification (DUIS 5.4) messages: service requests,
// responses and alerts exchanged with the DCC in GB smart metering.
//
// It holds the identifiers (EUI64, RequestID, MPAN, MPRN), the XSD
// enumerations the install flows use, the catalogue of all 129 Service
// Reference Variants, typed bodies for the install-and-commission service
// requests (12.1, 12.2, 8.1.1, 8.2, 8.3, 8.4, 8.6, 8.7.x, 8.8.x, 8.9, 8.11,
// 8.12.x, 8.13, 8.14.x, 6.11, 6.20.1, 11.2) and a generic body that keeps
// any other request intact. Responses (ResponseMessage, DeviceAlertMessage,
// DCCAlertMessage) parse into Response. XML signatures follow DUIS §2:
// enveloped, exclusive canonicalisation, ECDSA P-256 with SHA-256, key
// named by X509IssuerSerial.
//
// The package imports only the standard library.
//
// Reading and checking a request:
//
//	req, err := duis.Parse(data)
//	if err != nil {
//		return err
//	}
//	for _, p := range req.Validate() {
//		fmt.Println(p) // "error: Request/Body/UpdateHANDeviceLog/...: ..."
//	}
//
// Building one:
//
//	req, err := duis.Build("8.11", map[string]string{
//		"originator": "90-B3-D5-1F-30-01-00-00",
//		"target":     "00-DB-12-34-56-78-90-A2",
//		"counter":    "1002",
//		"DeviceID":   "00-DB-12-34-56-78-90-A0",
//		"RequestType": "Add",
//		"JoinTimePeriod": "90",
//		"InstallCode": "30313233343536373839414243444546",
//	})
//	xml, err := req.Marshal()
//
// Signing and checking (the certificate is found by the X509IssuerSerial
// the signature names):
//
//	signed, err := duis.Sign(req, key, cert)
//	signer, err := duis.Verify(signed, certs...)
//
// The inventory service answers with NewResponse and SignResponse;
// responses and alerts from the DCC are read with ParseResponse, or either
// kind of document with ParseDocument.
package duis

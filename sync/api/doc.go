// Package api holds the wire types of the sync protocol between the app and
// the inventory service: JSON over HTTPS, described for other clients by the
// OpenAPI 3.1 document openapi.json beside this file (embedded as OpenAPI).
//
// The endpoints:
//
//	POST /v1/push                PushRequest → PushResponse  (a batch of outbox messages)
//	GET  /v1/changes?cursor=...  →             PullResponse  (what changed since the cursor)
//	GET  /v1/jobs/{jobId}/status →             JobStatus     ("all applied"?)
//	PUT  /v1/blobs/{sha256}      bytes        (a photo a message names; HEAD: does the service have it?)
//
// A JobStatus lists each DUIS request of the job with its variant; a
// post-check read (8.9, 11.2) the service accepted with I99 and relays
// toward the DCC is applied with Note NoteReadRequested and counted in
// ReadsRequested; an 8.12.1 Restore HAN Device Log of a CH exchange,
// relayed the same way, has Note NoteRestoreRequested and is counted in
// RestoresRequested.
//
// Errors are RFC 9457 problem details (Problem). Every type validates its
// required fields and sizes; the Decode functions cap the bytes they read
// before parsing, so nothing from the network can make them allocate without
// bound or panic. A validation failure is a *FieldError naming the field as
// a JSON path (errors.Is(err, ErrInvalid)); an oversize body is ErrTooLarge.
//
// On the server:
//
//	req, err := api.DecodePushRequest(r.Body)
//	var fe *api.FieldError
//	switch {
//	case errors.Is(err, api.ErrTooLarge):
//		// 413 with a Problem
//	case errors.As(err, &fe):
//		// 400 with Problem{Field: fe.Field}
//	}
//	for _, m := range req.Messages { ... } // in order; apply each key at most once
//
// On the client, after POSTing req:
//
//	resp, err := api.DecodePushResponse(httpResp.Body, req)
//	for i, res := range resp.Results { // res answers req.Messages[i]
//		switch res.Status {
//		case api.StatusApplied:  // outbox Ack with the result as outcome
//		case api.StatusRejected: // outbox Reject
//		case api.StatusRetry:    // outbox Nack, retryable
//		}
//	}
//
// Sealing a secret to the service (install codes in install-and-leave
// evidence): every pull carries the service's public X25519 key
// (PullResponse.SealKey); the tablet keeps it and seals with SealFor, binding
// the device ID as associated data. Only the service opens it (OpenSealed).
//
//	pub, err := key.Public() // key: the stored api.SealKey
//	sealed, err := api.SealFor(pub, deviceID, installCode)
//	// evidence body: {"devices": [{"id": deviceID, "sealedInstallCode": sealed}, ...]}
//
// The service opens devices[].sealedInstallCode of an evidence message with
// context devices[].id (the same string the tablet sealed with), records
// the code in the SMI sealed at rest, and refuses the message if it does
// not open. The scheme (X25519, HKDF-SHA256, AES-256-GCM) is described
// on SealFor's file and in openapi.json's SealKey.
package api

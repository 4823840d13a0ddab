package api_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/sync/api"
)

// A server reading a push batch: a message without its key is refused with
// the field at fault, ready for a 400 Problem.
func ExampleDecodePushRequest() {
	body := `{"installerId": "E1234", "messages": [
	  {"jobId": "job-7", "kind": "job-update", "createdAt": "2026-03-01T09:05:00Z", "body": {"step": "arrived"}}]}`
	_, err := api.DecodePushRequest(strings.NewReader(body))
	var fe *api.FieldError
	if errors.As(err, &fe) {
		p := api.Problem{Title: "batch does not validate", Status: 400, Detail: fe.Reason, Field: fe.Field}
		fmt.Println(p.Status, p.Field, p.Detail)
	}
	// Output: 400 messages[0].idempotencyKey required
}

// The tablet seals an install code to the service's key from the last
// pull; only the service, with its private key, opens it, and only under
// the same device ID.
func ExampleSealFor() {
	service, _ := ecdh.X25519().GenerateKey(rand.Reader) // the service's key pair
	key := api.NewSealKey(service.PublicKey().Bytes())   // what a pull carries

	pub, err := key.Public() // checks algorithm, size and key ID
	if err != nil {
		panic(err)
	}
	device := "00-DB-12-34-56-78-90-A0"
	sealed, _ := api.SealFor(pub, device, []byte{0x30, 0x31, 0x32, 0x33, 0x34, 0x35})
	// evidence body: {"devices": [{"id": device, "sealedInstallCode": sealed}]}

	code, _ := api.OpenSealed(service, device, sealed)
	fmt.Printf("%X\n", code)
	_, err = api.OpenSealed(service, "00-DB-12-34-56-78-90-A1", sealed)
	fmt.Println(errors.Is(err, api.ErrSealed))
	// Output:
	// 303132333435
	// true
}

package api_test

import (
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

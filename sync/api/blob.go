package api

import (
	"encoding/json"
	"strings"
)

// Blobs are the bytes a message refers to by SHA-256 (photos): the client
// uploads each with PUT PathBlob before pushing the message, after asking
// with HEAD whether the service has it already. The service verifies the
// hash on receipt, keeps each hash once and answers a repeated PUT as
// done, so an upload interrupted by a crash is simply made again.
const (
	PathBlob      = "/v1/blobs/{sha256}" // PUT (upload), HEAD (have it?), GET (back office)
	MaxBlobBytes  = 16 << 20             // one blob: the app's photo cap
	MaxBlobRefs   = 256                  // blob references BlobRefs reads from one message
	HeaderBlobJob = "X-Smetskit-Job"     // the job a blob is uploaded for (required for installers)
)

// BlobPath is PathBlob for one hash.
func BlobPath(sha256 string) string {
	return strings.Replace(PathBlob, "{sha256}", sha256, 1)
}

// ValidBlobHash reports whether s is a SHA-256 in the form blobs are
// named by: 64 lower-case hex digits.
func ValidBlobHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// BlobRefs returns the blobs a JSON message body refers to: the strings
// of its top-level "photos" and "blobs" arrays that are valid hashes, in
// order, each once, at most MaxBlobRefs. A body of another shape refers to
// none.
func BlobRefs(body []byte) []string {
	var top struct {
		Photos []json.RawMessage `json:"photos"`
		Blobs  []json.RawMessage `json:"blobs"`
	}
	if json.Unmarshal(body, &top) != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, raw := range append(top.Photos, top.Blobs...) {
		var h string
		if json.Unmarshal(raw, &h) != nil || !ValidBlobHash(h) || seen[h] {
			continue
		}
		if len(out) == MaxBlobRefs {
			break
		}
		seen[h] = true
		out = append(out, h)
	}
	return out
}

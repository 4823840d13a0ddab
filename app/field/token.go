package field

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/smetskit/smetskit/app/inventory"
)

// sealedPrefix marks a token sealed with the data folder's key (SealToken),
// as Settings saves it.
const sealedPrefix = "sealed:v1:"

// tokenAD binds a sealed token to its use, so no other sealed secret of
// the folder opens as a token.
var tokenAD = []byte("smetskit installer token")

// ErrTokenSealed means Config.Token was sealed with another data folder's
// key (or altered): the engineer must paste the token again.
var ErrTokenSealed = errors.New("field: saved token cannot be opened with this data folder's key")

// SealedToken reports whether s is a token in SealToken's form.
func SealedToken(s string) bool { return strings.HasPrefix(s, sealedPrefix) }

// SealToken seals the installer's token with the data folder's key
// (AES-256-GCM, KeyFile), so the token is never kept in clear (ARCHITECTURE.md,
// "Where data lives"); Open takes the sealed form as Config.Token. It does
// no I/O.
func (f *Field) SealToken(token string) (string, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > inventory.MaxSecretBytes {
		return "", fmt.Errorf("seal token: %d bytes", len(token))
	}
	b, err := f.sealer.SealBytes(tokenAD, []byte(token))
	if err != nil {
		return "", fmt.Errorf("seal token: %w", err)
	}
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(b), nil
}

// openToken returns tok itself, or its clear form when sealed.
func openToken(s *inventory.Sealer, tok string) (string, error) {
	rest, ok := strings.CutPrefix(tok, sealedPrefix)
	if !ok {
		return tok, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("open saved token: %w", ErrTokenSealed)
	}
	clear, err := s.OpenBytes(tokenAD, b)
	if err != nil {
		return "", fmt.Errorf("open saved token: %v: %w", err, ErrTokenSealed)
	}
	return string(clear), nil
}

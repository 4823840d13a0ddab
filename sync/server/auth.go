package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Role is what a token may do.
type Role string

// Roles.
const (
	// RoleInstaller sends install SRs for their own jobs and sees only
	// their jobs' sites and devices.
	RoleInstaller Role = "installer"
	// RoleBackOffice manages jobs, sends any served SR, reads consumption
	// data and reports.
	RoleBackOffice Role = "backoffice"
	// RoleAdmin manages tokens and reads the audit log, reports and
	// metrics; it has no reason to see consumption data.
	RoleAdmin Role = "admin"
)

// Known reports whether r is one of the three roles.
func (r Role) Known() bool { return r == RoleInstaller || r == RoleBackOffice || r == RoleAdmin }

// Principal is who a request comes from.
type Principal struct {
	Name string
	Role Role
}

// tokenPrefix marks smetskit tokens so a leaked one is easy to scan for.
const tokenPrefix = "smk_"

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a token for name with role and stores only its
// SHA-256. The token itself is returned once and never stored or logged.
func (s *Server) CreateToken(ctx context.Context, actor, name string, role Role) (string, error) {
	if !role.Known() || name == "" || len(name) > 64 {
		return "", fmt.Errorf("create token for %q: %w", name, ErrMalformed)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	tok := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	now := s.now()
	err := s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, "INSERT INTO tokens (token_hash, name, role, created_at) VALUES (?, ?, ?, ?)", hashToken(tok), name, string(role), ms(now)); err != nil {
			return fmt.Errorf("store token: %w", err)
		}
		return tx.audit(ctx, now, actor, "token.create", name, "role "+string(role))
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}

// RevokeToken revokes every token of name.
func (s *Server) RevokeToken(ctx context.Context, actor, name string) error {
	now := s.now()
	return s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, "UPDATE tokens SET revoked = 1 WHERE name = ?", name); err != nil {
			return fmt.Errorf("revoke tokens of %s: %w", name, err)
		}
		return tx.audit(ctx, now, actor, "token.revoke", name, "")
	})
}

// authenticate returns the principal of a bearer token.
func (s *Server) authenticate(ctx context.Context, r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || !strings.HasPrefix(tok, tokenPrefix) || len(tok) > 128 {
		return Principal{}, ErrUnauthorized
	}
	var p Principal
	var role string
	err := s.db.row(ctx, "SELECT name, role FROM tokens WHERE token_hash = ? AND revoked = 0", hashToken(tok)).Scan(&p.Name, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, ErrUnauthorized
	}
	if err != nil {
		return Principal{}, fmt.Errorf("check token: %w", err)
	}
	p.Role = Role(role)
	return p, nil
}

package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/batonhq/baton/kb"
)

// Staff accounts as `baton users` and the admin API both make them: the
// same checks on the name, role and password, the same hashing, the same
// keys.

// NoPassword is the password hash of a key-only account: no bcrypt hash
// looks like it, so no password matches.
const NoPassword = "!"

// NewUser checks a new account's name and role and gives it an id. hash
// is its password's (HashPassword), or NoPassword.
func NewUser(name, role, hash string) (*kb.User, error) {
	u := &kb.User{ID: NewID(), Name: name, Role: role, PasswordHash: hash}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return u, nil
}

// IssueAPIKey makes a new API key for u and stores its hash. The key is
// returned once, to be shown once; only its hash is kept.
func IssueAPIKey(ctx context.Context, store kb.Store, u *kb.User) (string, *kb.APIKey, error) {
	key, hash := NewAPIKey()
	k := &kb.APIKey{ID: NewID(), UserID: u.ID, KeyHash: hash}
	if err := store.CreateAPIKey(ctx, k); err != nil {
		return "", nil, fmt.Errorf("api key for %s: %w", u.Name, err)
	}
	k.KeyHash = ""
	return key, k, nil
}

// NewID is a random id for a staff account or an API key.
func NewID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

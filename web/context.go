package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton/kb"
)

// Customer context tokens are PAYLOAD.SIG: PAYLOAD is the base64url
// (unpadded) JSON of a kb.CustomerContext, SIG the base64url HMAC-SHA256 of
// PAYLOAD under the secret shared with the host site. The host's server
// makes one per page view (see SignContext); the widget passes it on.

// maxContextField bounds each context field.
const maxContextField = 200

// SignContext makes a customer context token; host sites written in Go
// can call it, others follow the format above.
func SignContext(secret string, cc kb.CustomerContext) (string, error) {
	b, err := json.Marshal(cc)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + contextMAC(secret, payload), nil
}

func contextMAC(secret, payload string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// VerifyContext checks a customer context token's signature and expiry.
func VerifyContext(secret, token string, now time.Time) (*kb.CustomerContext, error) {
	if secret == "" {
		return nil, fmt.Errorf("customer context is not accepted here (no BATON_CONTEXT_SECRET): %w", kb.ErrInvalid)
	}
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(contextMAC(secret, payload))) {
		return nil, fmt.Errorf("customer context: signature does not verify: %w", kb.ErrForbidden)
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, fmt.Errorf("customer context: payload is not base64url: %w", kb.ErrInvalid)
	}
	var cc kb.CustomerContext
	if err := json.Unmarshal(b, &cc); err != nil {
		return nil, fmt.Errorf("customer context: payload is not a context object: %w", kb.ErrInvalid)
	}
	if cc.Exp == 0 || now.Unix() > cc.Exp {
		return nil, fmt.Errorf("customer context: expired or without exp; sign a fresh one per page view: %w", kb.ErrForbidden)
	}
	for _, f := range []string{cc.Name, cc.CustomerID, cc.OrderID, cc.Locale, cc.Stage} {
		if utf8.RuneCountInString(f) > maxContextField {
			return nil, fmt.Errorf("customer context: a field is longer than %d characters: %w", maxContextField, kb.ErrInvalid)
		}
	}
	return &cc, nil
}

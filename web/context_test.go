package web

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

func TestCustomerContext(t *testing.T) {
	const secret = "host-site-shared-secret"
	now := time.Unix(1_800_000_000, 0)
	good := kb.CustomerContext{Name: "李雷", CustomerID: "c-42", OrderID: "o-7", Locale: "zh-CN", Stage: "after_sales", Exp: now.Add(time.Hour).Unix()}
	token, err := SignContext(secret, good)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyContext(secret, token, now)
	if err != nil || *got != good {
		t.Fatalf("VerifyContext = %+v, %v; want %+v", got, err, good)
	}
	// A customer who edits the payload to become someone else.
	forged := good
	forged.CustomerID = "c-1"
	forgedToken, _ := SignContext("attacker-guess", forged)
	payload, _, _ := strings.Cut(forgedToken, ".")
	_, sig, _ := strings.Cut(token, ".")
	expired := good
	expired.Exp = now.Add(-time.Second).Unix()
	expiredToken, _ := SignContext(secret, expired)
	noExp := good
	noExp.Exp = 0
	noExpToken, _ := SignContext(secret, noExp)
	long := good
	long.Name = strings.Repeat("x", maxContextField+1)
	longToken, _ := SignContext(secret, long)
	tests := []struct {
		name, secret, token string
		want                error
	}{
		{"payload swapped under the old signature", secret, payload + "." + sig, kb.ErrForbidden},
		{"signed with another secret", secret, forgedToken, kb.ErrForbidden},
		{"no signature", secret, payload, kb.ErrForbidden},
		{"expired", secret, expiredToken, kb.ErrForbidden},
		{"no expiry", secret, noExpToken, kb.ErrForbidden},
		{"field too long", secret, longToken, kb.ErrInvalid},
		{"context not enabled", "", token, kb.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if cc, err := VerifyContext(tt.secret, tt.token, now); !errors.Is(err, tt.want) {
				t.Errorf("VerifyContext = %+v, %v; want %v", cc, err, tt.want)
			}
		})
	}
}

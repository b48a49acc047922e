package web

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/batonhq/baton/kb"
)

// Staff passwords are hashed at bcrypt's default cost (the tests' users
// use the least cost to stay fast; this is what real accounts get), and
// the unknown-user compare costs the same as a real one.
func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct-horse-battery")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := bcrypt.Cost([]byte(h)); err != nil || c != bcrypt.DefaultCost {
		t.Errorf("hash cost = %d (%v), want %d", c, err, bcrypt.DefaultCost)
	}
	if c, _ := bcrypt.Cost(dummyHash); c != bcrypt.DefaultCost {
		t.Errorf("dummy hash cost = %d, want %d", c, bcrypt.DefaultCost)
	}
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("correct-horse-battery")) != nil {
		t.Errorf("hash does not match its password")
	}
	if _, err := HashPassword("short"); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("short password: err = %v, want invalid", err)
	}
}

// The login limits refill by their clock, one token per interval after
// the burst, per key.
func TestLimiter(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := newLimiter(6*time.Second, 3, func() time.Time { return now })
	for i := range 3 {
		if !l.allow("a") {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	if l.allow("a") {
		t.Errorf("4th attempt allowed, want refused")
	}
	if !l.allow("b") {
		t.Errorf("another key shares a's bucket")
	}
	now = now.Add(5 * time.Second)
	if l.allow("a") {
		t.Errorf("allowed after 5 s, want the bucket still empty")
	}
	now = now.Add(time.Second)
	if !l.allow("a") || l.allow("a") {
		t.Errorf("after 6 s want exactly one more attempt")
	}
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]Limit{"30/1m": {30, time.Minute}, "5/10s": {5, 10 * time.Second}, "off": {}, "0": {}} {
		if got, err := ParseLimit(in); err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "30", "30/", "/1m", "-1/1m", "0/1m", "3/0s", "x/1m", "3/soon"} {
		if _, err := ParseLimit(in); err == nil {
			t.Errorf("ParseLimit(%q) = nil error, want refused", in)
		}
	}
}

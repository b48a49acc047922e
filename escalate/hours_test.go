package escalate

import (
	"errors"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

func TestHoursOpen(t *testing.T) {
	shop := Hours{Timezone: "Asia/Shanghai", Week: map[string]string{"mon": "09:00-18:00", "sat": "10:00-24:00"}}
	tests := []struct {
		name string
		h    Hours
		at   string // RFC 3339
		want bool
	}{
		{"no week is always open", Hours{}, "2026-11-29T03:00:00Z", true},
		{"monday 10:00 in Shanghai", shop, "2026-11-30T02:00:00Z", true},
		{"monday 08:59 in Shanghai", shop, "2026-11-30T00:59:00Z", false},
		{"monday 18:00 is closed", shop, "2026-11-30T10:00:00Z", false},
		{"sunday is not named", shop, "2026-11-29T04:00:00Z", false},
		{"saturday 23:30 until midnight", shop, "2026-11-28T15:30:00Z", true},
		{"UTC monday is Shanghai tuesday", shop, "2026-11-30T17:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.h.Open(at); got != tt.want {
				t.Errorf("Open(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestHoursValidate(t *testing.T) {
	for _, h := range []Hours{
		{Timezone: "Mars/Olympus"},
		{Week: map[string]string{"monday": "09:00-17:00"}},
		{Week: map[string]string{"mon": "17:00-09:00"}},
		{Week: map[string]string{"mon": "9am-5pm"}},
		{Week: map[string]string{"mon": "09:00-24:30"}},
	} {
		if err := h.Validate(); !errors.Is(err, kb.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalid", h, err)
		}
	}
	if err := (Hours{Timezone: "Europe/Berlin", Week: map[string]string{"fri": "08:30-16:00"}}).Validate(); err != nil {
		t.Errorf("valid hours rejected: %v", err)
	}
	if _, err := ParseConfig([]byte("default:\n  hours: {week: {mon: '18:00-09:00'}}\n")); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("policy file with bad hours accepted: %v", err)
	}
}

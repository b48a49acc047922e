package answer

import (
	"strings"
	"testing"
)

func TestSameTitle(t *testing.T) {
	set := func(s string) map[string]bool { return termSet(strings.Fields(s)) }
	tests := []struct {
		a, b string
		want bool
	}{
		{"reset password", "reset password", true},
		{"reset password", "can reset password", true},
		{"reset password", "reset pin", false},
		{"微 粒 贷 邀 请 微粒 粒贷 邀请", "微 粒 贷 会 邀 请 微粒 粒贷 邀请", true},
		{"card", "card delivery", false}, // one word is too little to call a duplicate
		{"", "", false},
	}
	for _, tt := range tests {
		if got := sameTitle(set(tt.a), set(tt.b)); got != tt.want {
			t.Errorf("sameTitle(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

package ingest

import "testing"

func TestDetectLang(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{"empty", "", "en"},
		{"digits and punctuation only", "12345 ?!", "en"},
		{"english", "How do I return an item?", "en"},
		{"chinese", "怎么申请退货？", "zh"},
		{"chinese with product name", "我的 iPhone 15 订单在哪里", "zh"},
		{"english with a chinese place name", "Please ship my order to 北京", "en"},
		{"exactly one han letter in five", "abcd字", "zh"},
		{"just under one in five", "abcde字", "en"},
		{"japanese kana is not han", "こんにちは", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectLang(tt.text); got != tt.want {
				t.Errorf("DetectLang(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

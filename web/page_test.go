package web

import "testing"

// The page after sign-in stays on this site whatever next says; the
// known ways out of a naive "starts with /" check are refused.
func TestLocalPath(t *testing.T) {
	for _, tt := range []struct{ next, want string }{
		{"/console", "/console"},
		{"/editor?tab=misses", "/editor?tab=misses"},
		{"/articles/default%2Freturns", "/articles/default%2Freturns"},
		{"", "/console"},
		{"console", "/console"},
		{"//evil.example", "/console"},
		{"/\t/evil.example", "/console"},
		{"/\n/evil.example", "/console"},
		{"/\r/evil.example", "/console"},
		{"\t//evil.example", "/console"},
		{"/\\evil.example", "/console"},
		{"/\\/evil.example", "/console"},
		{"\\\\evil.example", "/console"},
		{"https://evil.example/console", "/console"},
		{"HTTPS:evil.example", "/console"},
		{"javascript:alert(1)", "/console"},
		{"//user@evil.example/", "/console"},
		{"/%2F/evil.example", "/console"}, // decodes to //evil.example: refused to be safe
		{"/\x7f/evil.example", "/console"},
		{"/ok\u2028/", "/ok%E2%80%A8/"},
	} {
		if got := localPath(tt.next, "/console"); got != tt.want {
			t.Errorf("localPath(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}

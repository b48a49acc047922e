package main

import (
	"net/http"
	"strings"
	"testing"
)

// Every answer says nosniff and a referrer policy; every page carries a
// Content-Security-Policy without inline script or style (the browser
// tests fail on any refusal); only the customer's pages may be framed,
// and only by the configured hosts.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	srv := launch(t, "", func(cfg *Config) { cfg.FrameAncestors = "https://shop.example, https://m.shop.example" })
	base := "http://" + srv.Addr()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range []struct {
		path      string
		ancestors string // "" when the answer is not a page
	}{
		{"/chat", "https://shop.example https://m.shop.example"},
		{"/articles/default/returns", "https://shop.example https://m.shop.example"},
		{"/login", "'none'"},
		{"/console", "'none'"},
		{"/editor", "'none'"},
		{"/insights", "'none'"},
		{"/static/chat.js", ""},
		{"/api/v1/collections/default/welcome", ""},
	} {
		res, err := noRedirect.Get(base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
			t.Errorf("%s: nosniff %q, referrer %q", tt.path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
		}
		if tt.ancestors == "" {
			continue
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "style-src 'self';") || strings.Contains(csp, "unsafe-inline") ||
			!strings.HasSuffix(csp, "frame-ancestors "+tt.ancestors) {
			t.Errorf("%s: CSP %q, want self-only scripts and styles, frame-ancestors %s", tt.path, csp, tt.ancestors)
		}
		if framable := tt.ancestors != "'none'"; framable == (h.Get("X-Frame-Options") == "DENY") {
			t.Errorf("%s: X-Frame-Options %q with frame-ancestors %s", tt.path, h.Get("X-Frame-Options"), tt.ancestors)
		}
	}
}

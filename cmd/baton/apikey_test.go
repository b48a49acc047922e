package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestStaffAPIKeys: `baton users add --api-key` prints a key once; the key
// calls the staff API with the user's role and no CSRF token, a revoked
// key stops working, and a key-only user has no password to sign in with.
func TestStaffAPIKeys(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	keyRE := regexp.MustCompile(`(?m)^bk_[A-Za-z0-9_-]{43}$`)
	agentKey, editorKey := addKey(t, data, "agent", "bot-agent"), addKey(t, data, "editor", "uploader")
	base := "http://" + launch(t, data, nil).Addr()
	call := func(method, path, key, body string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	tests := []struct {
		name, method, path, key, body string
		want                          int
	}{
		{"agent key reads the queue", "GET", "/api/v1/handoffs", agentKey, "", 200},
		{"agent key changes presence without CSRF", "PUT", "/api/v1/presence", agentKey, `{"status":"away"}`, 200},
		{"editor key cannot work the queue", "GET", "/api/v1/handoffs", editorKey, "", 403},
		{"made-up key", "GET", "/api/v1/handoffs", "bk_" + strings.Repeat("A", 43), "", 401},
		{"key-only user has no password", "POST", "/api/v1/session", "", `{"name":"bot-agent","password":"!"}`, 401},
	}
	for _, tt := range tests {
		if got := call(tt.method, tt.path, tt.key, tt.body); got != tt.want {
			t.Errorf("%s: %s %s = %d, want %d", tt.name, tt.method, tt.path, got, tt.want)
		}
	}
	var out bytes.Buffer
	if err := runUsers(ctx, []string{"revoke", "--data", data, "bot-agent"}, nil, &out, io.Discard); err != nil || !strings.Contains(out.String(), "revoked 1") {
		t.Fatalf("users revoke: %v %q", err, out.String())
	}
	if got := call("GET", "/api/v1/handoffs", agentKey, ""); got != 401 {
		t.Errorf("revoked key: %d, want 401", got)
	}
	out.Reset()
	if err := runUsers(ctx, []string{"key", "--data", data, "bot-agent"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := call("GET", "/api/v1/handoffs", keyRE.FindString(out.String()), ""); got != 200 {
		t.Errorf("new key after revoking: %d, want 200", got)
	}
}

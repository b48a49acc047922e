package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

// TestAdminPoliciesByRole: without the bootstrap token, staff with the
// admin role use the admin API with their key; others are refused.
func TestAdminPoliciesByRole(t *testing.T) {
	t.Setenv("BATON_ADMIN_TOKEN", "")
	data := t.TempDir()
	adminKey, agentKey := addKey(t, data, "admin", "root"), addKey(t, data, "agent", "ann")
	srv := launch(t, data, nil)
	c := client{t, "http://" + srv.Addr()}
	for _, tt := range []struct {
		who, key string
		want     int
	}{{"an admin's key", adminKey, 200}, {"an agent's key", agentKey, 403}, {"a made-up token", "anything-at-all-here", 401}, {"nobody", "", 401}} {
		for _, path := range []string{"/api/v1/admin/policies", "/api/v1/admin/recalibration"} {
			if code, m := c.do("GET", path, tt.key, ""); code != tt.want {
				t.Errorf("GET %s with %s = %d %v, want %d", path, tt.who, code, m, tt.want)
			}
		}
	}
	// A change is audited under the admin's name, with the policies
	// before and after it.
	if code, m := c.do("PUT", "/api/v1/admin/policies", adminKey, `{"collections":{"default":{"answer_threshold":0.91,"handoff_threshold":0.2}}}`); code != http.StatusOK {
		t.Fatalf("PUT with an admin's key = %d %v", code, m)
	}
	log, err := srv.App.Store.Audit(context.Background(), kb.AuditFilter{Limit: 5})
	if err != nil || len(log) == 0 {
		t.Fatalf("audit log %v, %v", log, err)
	}
	e := log[0]
	var detail struct {
		Before, After escalate.Config
	}
	if err := json.Unmarshal([]byte(e.Detail), &detail); err != nil {
		t.Fatalf("policy.update detail %q: %v", e.Detail, err)
	}
	if e.Action != "policy.update" || e.Actor != "root" || detail.After.Collections["default"].AnswerThreshold != 0.91 ||
		detail.Before.Default.AnswerThreshold != escalate.DefaultPolicy.AnswerThreshold || len(detail.Before.Collections) != 0 {
		t.Errorf("audit entry %s by %s, before %+v, after %+v; want policy.update by root, from the defaults to 0.91", e.Action, e.Actor, detail.Before, detail.After)
	}
	// The audit API filters: by action prefix, by actor, and refuses a
	// limit that is not a number.
	if code, m := c.do("GET", "/api/v1/audit?action=policy.&actor=root", adminKey, ""); code != http.StatusOK || len(m["audit"].([]any)) != 1 {
		t.Errorf("audit of root's policy changes = %d %v, want the one", code, m)
	}
	if code, m := c.do("GET", "/api/v1/audit?actor=nobody-here", adminKey, ""); code != http.StatusOK || len(m["audit"].([]any)) != 0 {
		t.Errorf("audit of an unknown actor = %d %v, want none", code, m)
	}
	if code, m := c.do("GET", "/api/v1/audit?limit=lots", adminKey, ""); code != http.StatusBadRequest {
		t.Errorf("audit?limit=lots = %d %v, want 400", code, m)
	}
}

func TestAdminPolicies(t *testing.T) {
	const admin = "test-admin-token-0123456789"
	t.Setenv("BATON_ADMIN_TOKEN", admin)
	c := client{t, startBaton(t)}
	id, customer := c.start()

	auth := []struct {
		name, token string
		want        int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"a customer's token", customer, http.StatusUnauthorized},
		{"wrong token", admin + "x", http.StatusUnauthorized},
		{"admin", admin, http.StatusOK},
	}
	for _, tt := range auth {
		t.Run(tt.name, func(t *testing.T) {
			if code, m := c.do("GET", "/api/v1/admin/policies", tt.token, ""); code != tt.want {
				t.Errorf("GET policies = %d %v, want %d", code, m, tt.want)
			}
		})
	}
	_, m := c.do("GET", "/api/v1/admin/policies", admin, "")
	if d := m["default"].(map[string]any); d["answer_threshold"] != 0.7 || d["repeated_miss"] != float64(2) {
		t.Errorf("default policy = %v", d)
	}

	bad := []struct{ name, body string }{
		{"empty", ""},
		{"not a document", "{"},
		{"threshold above 1", `{"default":{"answer_threshold":1.2,"handoff_threshold":0.6}}`},
		{"unknown topic", `{"collections":{"default":{"sensitive_topics":["weather"]}}}`},
	}
	for _, tt := range bad {
		t.Run("reject "+tt.name, func(t *testing.T) {
			if code, m := c.do("PUT", "/api/v1/admin/policies", admin, tt.body); code != http.StatusBadRequest {
				t.Errorf("PUT %q = %d %v, want 400", tt.body, code, m)
			}
		})
	}
	if code, _ := c.do("PUT", "/api/v1/admin/policies", customer, `{}`); code != http.StatusUnauthorized {
		t.Errorf("customer PUT = %d, want 401", code)
	}

	// A policy that demands near-certainty hands off what was answered.
	say := func() string {
		_, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", customer, `{"text":"what is your return policy"}`)
		return m["reply"].(map[string]any)["band"].(string)
	}
	if got := say(); got != "answer" {
		t.Fatalf("before: band %s, want answer", got)
	}
	code, m := c.do("PUT", "/api/v1/admin/policies", admin, `{"collections":{"default":{"answer_threshold":0.999,"handoff_threshold":0.998}}}`)
	if code != http.StatusOK {
		t.Fatalf("PUT = %d %v", code, m)
	}
	id, customer = c.start()
	if got := say(); got != "handoff" {
		t.Errorf("after: band %s, want handoff", got)
	}
	_, m = c.do("GET", "/api/v1/admin/policies", admin, "")
	if !strings.Contains(toJSON(m["collections"]), "0.999") {
		t.Errorf("GET after PUT = %v, want the new policy", m)
	}
}

func TestSavedPoliciesLoadAtStart(t *testing.T) {
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "policy.json"), []byte(`{"default":{"answer_threshold":0.7}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Data: data}
	if err := cfg.fromEnv(); err != nil {
		t.Fatal(err)
	}
	app, err := OpenApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if got := app.Bot.Policies().For("any").AnswerThreshold; got != 0.7 {
		t.Errorf("answer threshold after restart = %v, want 0.7 from policy.json", got)
	}
	if app.PolicyFile() != filepath.Join(data, "policy.json") {
		t.Errorf("PolicyFile = %q", app.PolicyFile())
	}
}

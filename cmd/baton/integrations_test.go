package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/web"
)

// TestAdminIntegrations: an admin sees the webhook's URL without its
// secrets and sends a test event, signed like every delivery, and sees
// the receiver's status and the start of its body; an unreachable
// receiver is reported as the test's result; with no webhook the test is
// refused with 409; agents are refused; each test is audited.
func TestAdminIntegrations(t *testing.T) {
	t.Setenv("BATON_ADMIN_TOKEN", "")
	const secret = "whsec-integrations"
	var (
		mu       sync.Mutex
		verified []error
		events   []string
		bodies   []map[string]any
	)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var payload map[string]any
		json.Unmarshal(b, &payload)
		mu.Lock()
		verified = append(verified, web.VerifyWebhook(secret, r.Header, b, 5*time.Minute))
		events = append(events, r.Header.Get("X-Baton-Event"))
		bodies = append(bodies, payload)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "queued "+strings.Repeat("x", 600))
	}))
	t.Cleanup(rc.Close)
	hookURL := strings.Replace(rc.URL, "http://", "http://hook:userinfo-pw@", 1) + "/hooks/baton?token=query-token"
	wantTarget := rc.URL + "/hooks/baton"
	secrets := []string{secret, "userinfo-pw", "query-token"}

	data := t.TempDir()
	rootKey, agentKey := addKey(t, data, "admin", "root"), addKey(t, data, "agent", "ann-bot")
	srv := serveData(t, data, func(cfg *Config) { cfg.WebhookURL, cfg.WebhookSecret = hookURL, secret })
	a := staffAPI{t, "http://" + srv.Addr()}

	for _, rt := range []struct{ method, path string }{
		{"GET", "/api/v1/admin/integrations"},
		{"POST", "/api/v1/admin/integrations/webhook/test"},
	} {
		if r := a.call(rt.method, rt.path, agentKey, ""); r.code != http.StatusForbidden {
			t.Errorf("%s %s by an agent = %d %s, want 403", rt.method, rt.path, r.code, r.raw)
		}
		if r := a.call(rt.method, rt.path, "", ""); r.code != http.StatusUnauthorized {
			t.Errorf("%s %s by nobody = %d %s, want 401", rt.method, rt.path, r.code, r.raw)
		}
	}
	mu.Lock()
	if len(events) != 0 {
		t.Errorf("refused requests sent %d test events", len(events))
	}
	mu.Unlock()

	r := a.want(http.StatusOK, "GET", "/api/v1/admin/integrations", rootKey, "")
	hook := jm(r.body["webhook"])
	if hook["configured"] != true || hook["url"] != wantTarget {
		t.Errorf("integrations = %s, want configured at %s", r.raw, wantTarget)
	}
	for _, s := range secrets {
		if strings.Contains(r.raw, s) {
			t.Errorf("integrations show %q: %s", s, r.raw)
		}
	}

	r = a.want(http.StatusOK, "POST", "/api/v1/admin/integrations/webhook/test", rootKey, "")
	wantBody := ("queued " + strings.Repeat("x", 600))[:500]
	if r.body["status"] != float64(http.StatusAccepted) || r.body["body"] != wantBody || r.body["error"] != nil {
		t.Errorf("test = %s, want status 202 and the first 500 bytes of the body", r.raw)
	}
	if ms, ok := r.body["ms"].(float64); !ok || ms < 0 {
		t.Errorf("test took %v ms, want a duration", r.body["ms"])
	}
	mu.Lock()
	if len(events) != 1 || events[0] != "webhook.test" || verified[0] != nil || bodies[0]["event"] != "webhook.test" {
		t.Errorf("receiver got events %q (verified: %v), want one webhook.test with a good signature", events, verified)
	}
	mu.Unlock()

	r = a.want(http.StatusOK, "GET", "/api/v1/audit?action=integration.test", rootKey, "")
	log, _ := r.body["audit"].([]any)
	if len(log) != 1 {
		t.Fatalf("audit = %s, want one integration.test", r.raw)
	}
	e := jm(log[0])
	if e["actor"] != "root" || e["target"] != wantTarget || !strings.Contains(js(e["detail"]), "202") {
		t.Errorf("audit entry %v, want root testing %s with its status", e, wantTarget)
	}
	for _, s := range secrets {
		if strings.Contains(r.raw, s) {
			t.Errorf("the audit log shows %q: %s", s, r.raw)
		}
	}

	t.Run("unreachable", func(t *testing.T) {
		gone := httptest.NewServer(http.NotFoundHandler())
		gone.Close()
		data := t.TempDir()
		key := addKey(t, data, "admin", "root")
		srv := serveData(t, data, func(cfg *Config) { cfg.WebhookURL, cfg.WebhookSecret = gone.URL+"/hook?token=query-token", secret })
		a := staffAPI{t, "http://" + srv.Addr()}
		r := a.want(http.StatusOK, "POST", "/api/v1/admin/integrations/webhook/test", key, "")
		if js(r.body["error"]) == "" || r.body["status"] != nil {
			t.Errorf("test against a closed port = %s, want an error", r.raw)
		}
		if strings.Contains(r.raw, "query-token") {
			t.Errorf("the error shows the URL's token: %s", r.raw)
		}
	})

	t.Run("not configured", func(t *testing.T) {
		t.Setenv("BATON_WEBHOOK_URL", "")
		t.Setenv("BATON_WEBHOOK_SECRET", "")
		data := t.TempDir()
		key := addKey(t, data, "admin", "root")
		srv := serveData(t, data, nil)
		a := staffAPI{t, "http://" + srv.Addr()}
		r := a.want(http.StatusOK, "GET", "/api/v1/admin/integrations", key, "")
		if hook := jm(r.body["webhook"]); hook["configured"] != false || hook["url"] != nil {
			t.Errorf("integrations = %s, want not configured", r.raw)
		}
		r = a.want(http.StatusConflict, "POST", "/api/v1/admin/integrations/webhook/test", key, "")
		if !strings.Contains(r.errMsg(), "--webhook-url") {
			t.Errorf("409 says %q, want how to configure the webhook", r.errMsg())
		}
	})
}

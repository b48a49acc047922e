package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
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

// TestAdminSetWebhook: an admin changes the webhook's receiver through
// the API, without a restart. The configured one is the start; a new URL
// and secret are read back without the secret and take the next
// hand-off, signed with the new secret; a new URL alone keeps the secret;
// the outbox's waiting and failing deliveries are counted; clearing turns
// the webhook off (nothing more is sent or stored). Each change is
// audited without the secret, and what was saved outlives a restart over
// the configured receiver. Bad receivers get 400, agents 403.
func TestAdminSetWebhook(t *testing.T) {
	t.Setenv("BATON_ADMIN_TOKEN", "")
	const secret, configuredSecret = "whsec-set-at-runtime", "whsec-configured"
	type delivery struct {
		path, event string
		err         error
	}
	var (
		mu       sync.Mutex
		got      []delivery
		failing  bool
		received = func() []delivery { mu.Lock(); defer mu.Unlock(); return slices.Clone(got) }
	)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, delivery{r.URL.Path, r.Header.Get("X-Baton-Event"), web.VerifyWebhook(secret, r.Header, b, time.Minute)})
		if failing {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(rc.Close)
	secrets := []string{secret, configuredSecret, "query-token"}
	noSecrets := func(what, raw string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(raw, s) {
				t.Errorf("%s shows %q: %s", what, s, raw)
			}
		}
	}
	data := t.TempDir()
	rootKey, agentKey := addKey(t, data, "admin", "root"), addKey(t, data, "agent", "ann-bot")
	configured := func(cfg *Config) { cfg.WebhookURL, cfg.WebhookSecret = rc.URL+"/configured", configuredSecret }

	t.Run("at runtime", func(t *testing.T) {
		srv := launch(t, data, configured)
		a := staffAPI{t, "http://" + srv.Addr()}
		cust := client{t, "http://" + srv.Addr()}
		handoff := func() {
			t.Helper()
			id, token := cust.start()
			if code, m := cust.do("POST", "/api/v1/conversations/"+id+"/handoff", token, ""); code != http.StatusOK {
				t.Fatalf("hand-off = %d %v", code, m)
			}
		}
		hook := func(r deskResp) map[string]any { return jm(r.body["webhook"]) }
		outbox := func() map[string]any {
			return jm(a.want(http.StatusOK, "GET", "/api/v1/admin/integrations", rootKey, "").body["outbox"])
		}
		const path = "/api/v1/admin/integrations/webhook"

		r := a.want(http.StatusOK, "GET", "/api/v1/admin/integrations", rootKey, "")
		if h := hook(r); h["configured"] != true || h["url"] != rc.URL+"/configured" || h["secret_set"] != true || r.body["editable"] != true {
			t.Errorf("at the start = %s, want the configured receiver, editable", r.raw)
		}
		if o := jm(r.body["outbox"]); o["pending"] != 0.0 || o["failed"] != 0.0 {
			t.Errorf("outbox at the start = %v, want empty", o)
		}
		noSecrets("integrations", r.raw)

		body := `{"url":` + quote(rc.URL+"/saved?token=query-token") + `,"secret":` + quote(secret) + `}`
		if r := a.call("PUT", path, agentKey, body); r.code != http.StatusForbidden {
			t.Errorf("PUT by an agent = %d %s, want 403", r.code, r.raw)
		}
		if r := a.call("PUT", path, "", body); r.code != http.StatusUnauthorized {
			t.Errorf("PUT by nobody = %d %s, want 401", r.code, r.raw)
		}
		for _, bad := range []string{
			`{}`,
			`{"url":"ftp://example.com/hook","secret":"s"}`,
			`{"url":"example.com/hook","secret":"s"}`,
			`{"url":"/hook","secret":"s"}`,
			`{"url":"http://example.com/hook","secret":""}`,
			`{"url":"http://example.com/hook","secret":"s","token":"x"}`,
		} {
			if r := a.call("PUT", path, rootKey, bad); r.code != http.StatusBadRequest {
				t.Errorf("PUT %s = %d %s, want 400", bad, r.code, r.raw)
			}
		}
		if h := hook(a.want(http.StatusOK, "GET", "/api/v1/admin/integrations", rootKey, "")); h["url"] != rc.URL+"/configured" {
			t.Errorf("after refused changes the receiver is %v, want the configured one", h["url"])
		}

		// Set: read back without the secret; the next hand-off goes there.
		r = a.want(http.StatusOK, "PUT", path, rootKey, body)
		if h := hook(r); h["configured"] != true || h["url"] != rc.URL+"/saved" || h["secret_set"] != true {
			t.Errorf("PUT = %s, want configured at %s/saved with a secret", r.raw, rc.URL)
		}
		noSecrets("the PUT's answer", r.raw)
		noSecrets("GET after the PUT", a.want(http.StatusOK, "GET", "/api/v1/admin/integrations", rootKey, "").raw)
		handoff()
		waitUntil(t, "the delivery to the new receiver", func() bool { return len(received()) == 1 })
		if d := received()[0]; d.path != "/saved" || d.err != nil || !strings.HasPrefix(d.event, "handoff.") {
			t.Errorf("delivery %+v, want a hand-off event at /saved signed with the new secret", d)
		}
		if fi, err := os.Stat(filepath.Join(data, "webhook.json")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("saved receiver: %v, %v; want a file only its owner reads", fi, err)
		}

		// A new URL alone keeps the secret.
		a.want(http.StatusOK, "PUT", path, rootKey, `{"url":`+quote(rc.URL+"/moved")+`}`)
		handoff()
		waitUntil(t, "the delivery to the moved receiver", func() bool { return len(received()) == 2 })
		if d := received()[1]; d.path != "/moved" || d.err != nil {
			t.Errorf("delivery %+v, want /moved signed with the secret set before", d)
		}

		// A failing receiver: the delivery waits in the outbox for a retry.
		mu.Lock()
		failing = true
		mu.Unlock()
		handoff()
		waitUntil(t, "a failed delivery counted", func() bool { o := outbox(); return o["pending"] == 1.0 && o["failed"] == 1.0 })

		// Cleared: off, what waits stays, nothing more is stored or sent.
		r = a.want(http.StatusOK, "PUT", path, rootKey, `{"url":""}`)
		if h := hook(r); h["configured"] != false || h["url"] != nil || h["secret_set"] != false {
			t.Errorf("cleared = %s, want not configured and no secret", r.raw)
		}
		if r := a.call("POST", path+"/test", rootKey, ""); r.code != http.StatusConflict {
			t.Errorf("test event with the webhook cleared = %d %s, want 409", r.code, r.raw)
		}
		sent := len(received())
		handoff()
		time.Sleep(2 * time.Second) // the failed one's retry was due in one
		if n := len(received()); n != sent {
			t.Errorf("the receiver got %d deliveries after the webhook was cleared, want none", n-sent)
		}
		if o := outbox(); o["pending"] != 1.0 {
			t.Errorf("outbox after clearing = %v, want the failed delivery alone", o)
		}

		r = a.want(http.StatusOK, "GET", "/api/v1/audit?action=integration.webhook", rootKey, "")
		noSecrets("the audit log", r.raw)
		log := ja(r.body["audit"])
		if len(log) != 3 {
			t.Fatalf("audit = %s, want three integration.webhook entries", r.raw)
		}
		for i, want := range []struct {
			before, after         string
			beforeSecret, changed bool
		}{
			{rc.URL + "/moved", "", true, true}, // newest first
			{rc.URL + "/saved", rc.URL + "/moved", true, false},
			{rc.URL + "/configured", rc.URL + "/saved", true, true},
		} {
			e := jm(log[i])
			var d struct {
				Before, After struct {
					URL       string `json:"url"`
					SecretSet bool   `json:"secret_set"`
				}
				SecretChanged bool `json:"secret_changed"`
			}
			if err := json.Unmarshal([]byte(js(e["detail"])), &d); err != nil {
				t.Fatalf("audit detail %v: %v", e["detail"], err)
			}
			if e["actor"] != "root" || e["target"] != "webhook" || d.Before.URL != want.before || d.After.URL != want.after ||
				d.Before.SecretSet != want.beforeSecret || d.After.SecretSet != (want.after != "") || d.SecretChanged != want.changed {
				t.Errorf("audit entry %d = %v, want root changing %q to %q (secret changed: %v)", i, e, want.before, want.after, want.changed)
			}
		}
	})

	t.Run("after a restart", func(t *testing.T) {
		srv := launch(t, data, configured)
		a := staffAPI{t, "http://" + srv.Addr()}
		r := a.want(http.StatusOK, "GET", "/api/v1/admin/integrations", rootKey, "")
		if h := jm(r.body["webhook"]); h["configured"] != false {
			t.Errorf("after a restart = %s, want the webhook still cleared, not the configured one", r.raw)
		}
	})
}

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/web"
)

// TestCustomerContextStage: the host page's signed context reaches the
// conversation, and a service-stage rule on it hands off a question the
// bot would otherwise answer; a forged context is refused.
func TestCustomerContextStage(t *testing.T) {
	const secret = "shop-site-context-secret"
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("default:\n  service_stages:\n    - {name: after-sales needs a person, stages: [after_sales]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BATON_CONTEXT_SECRET", secret)
	t.Setenv("BATON_POLICY", policy)
	c := client{t, startBaton(t)}
	sign := func(key string, cc kb.CustomerContext) string {
		tok, err := web.SignContext(key, cc)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	exp := time.Now().Add(time.Hour).Unix()
	start := func(token string) (int, map[string]any) {
		return c.do("POST", "/api/v1/conversations", "", `{"collection":"default","context":`+quote(token)+`}`)
	}
	ask := func(id, tok string) map[string]any {
		code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", tok, `{"text":"how do I send something back"}`)
		if code != http.StatusOK {
			t.Fatalf("ask: %d %v", code, m)
		}
		return m["reply"].(map[string]any)
	}

	code, m := start(sign(secret, kb.CustomerContext{Name: "Li Lei", CustomerID: "c-42", OrderID: "o-7", Stage: "after_sales", Exp: exp}))
	if code != http.StatusCreated {
		t.Fatalf("start with context: %d %v", code, m)
	}
	id, tok := m["id"].(string), m["token"].(string)
	if r := ask(id, tok); r["band"] != "handoff" || !strings.Contains(toJSON(r["reasons"]), "service_stage") {
		t.Errorf("after-sales customer: band %v reasons %v, want a service_stage hand-off", r["band"], r["reasons"])
	}
	_, tr := c.do("GET", "/api/v1/conversations/"+id+"/messages", tok, "")
	if cc, _ := tr["conversation"].(map[string]any)["context"].(map[string]any); cc["order_id"] != "o-7" || cc["name"] != "Li Lei" {
		t.Errorf("stored context = %v, want the signed one", cc)
	}

	code, m = start(sign(secret, kb.CustomerContext{Stage: "browsing", Exp: exp}))
	if code != http.StatusCreated {
		t.Fatalf("start: %d %v", code, m)
	}
	if r := ask(m["id"].(string), m["token"].(string)); r["band"] != "answer" {
		t.Errorf("browsing customer: band %v reasons %v, want an answer", r["band"], r["reasons"])
	}

	for name, tok := range map[string]string{
		"signed with another key": sign("a-key-the-customer-made", kb.CustomerContext{CustomerID: "c-1", Exp: exp}),
		"expired":                 sign(secret, kb.CustomerContext{CustomerID: "c-1", Exp: time.Now().Add(-time.Minute).Unix()}),
	} {
		if code, m := start(tok); code != http.StatusForbidden {
			t.Errorf("%s: %d %v, want 403", name, code, m)
		}
	}
}

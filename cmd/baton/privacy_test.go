package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/web"
)

const privacySecret = "shop-site-context-secret"

// addKey creates a member of staff with an API key and returns the key.
func addKey(t *testing.T, data, role, name string) string {
	t.Helper()
	var out bytes.Buffer
	if err := runUsers(context.Background(), []string{"add", "--data", data, "--role", role, "--api-key", name}, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatalf("users add %s: %v", name, err)
	}
	key := regexp.MustCompile(`(?m)^bk_[A-Za-z0-9_-]{43}$`).FindString(out.String())
	if key == "" {
		t.Fatalf("users add --api-key printed no key:\n%s", out.String())
	}
	return key
}

// chatAs starts a conversation signed for customerID (anonymous when
// empty) and sends text in it.
func chatAs(t *testing.T, c client, customerID, text string) (id, token string) {
	t.Helper()
	body := `{"collection":"default"}`
	if customerID != "" {
		tok, err := web.SignContext(privacySecret, kb.CustomerContext{Name: "Name of " + customerID, CustomerID: customerID, Exp: time.Now().Add(time.Hour).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		body = `{"collection":"default","context":` + quote(tok) + `}`
	}
	code, m := c.do("POST", "/api/v1/conversations", "", body)
	if code != http.StatusCreated {
		t.Fatalf("start: %d %v", code, m)
	}
	id, token = m["id"].(string), m["token"].(string)
	if code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(text)+`}`); code != http.StatusOK {
		t.Fatalf("ask: %d %v", code, m)
	}
	return id, token
}

// TestPrivacyExportAndErase: an admin exports a customer's conversations
// (transcript, signed context, contact details left) and erases them, open
// ones too: the customer's token stops working, their live stream ends,
// nothing of them is listed any more, another customer keeps theirs, and
// the audit log records each export and erasure without the customer id.
func TestPrivacyExportAndErase(t *testing.T) {
	t.Setenv("BATON_CONTEXT_SECRET", privacySecret)
	data := t.TempDir()
	adminKey, agentKey := addKey(t, data, kb.UserAdmin, "dpo"), addKey(t, data, kb.UserAgent, "desk-agent")
	c := client{t, "http://" + launch(t, data, nil).Addr()}
	call := func(method, path, key string) (int, map[string]any) {
		t.Helper()
		return c.do(method, path, key, "")
	}

	first, firstTok := chatAs(t, c, "cust-77", "where is my parcel, marker-first-77")
	second, secondTok := chatAs(t, c, "cust-77", "I want a person, marker-second-77")
	if code, m := c.do("POST", "/api/v1/conversations/"+second+"/handoff", secondTok, ""); code != http.StatusOK {
		t.Fatalf("handoff: %d %v", code, m)
	}
	if code, m := c.do("POST", "/api/v1/conversations/"+second+"/contact", secondTok, `{"contact":"li.lei@example.com"}`); code != http.StatusOK {
		t.Fatalf("contact: %d %v", code, m)
	}
	if code, m := c.do("POST", "/api/v1/conversations/"+first+"/rating", firstTok, `{"score":5,"comment":"marker-rating-77"}`); code != http.StatusOK {
		t.Fatalf("rating: %d %v", code, m)
	}
	other, otherTok := chatAs(t, c, "cust-88", "a question of someone else")

	for _, tt := range []struct {
		name, method, path, key string
		want                    int
	}{
		{"no key", "GET", "/api/v1/admin/customers/cust-77/export", "", http.StatusUnauthorized},
		{"an agent", "GET", "/api/v1/admin/customers/cust-77/export", agentKey, http.StatusForbidden},
		{"an agent erasing", "DELETE", "/api/v1/admin/conversations/" + first, agentKey, http.StatusForbidden},
		{"unknown customer", "GET", "/api/v1/admin/customers/nobody/export", adminKey, http.StatusNotFound},
		{"unknown conversation", "DELETE", "/api/v1/admin/conversations/nope", adminKey, http.StatusNotFound},
	} {
		if code, m := call(tt.method, tt.path, tt.key); code != tt.want {
			t.Errorf("%s: %s %s = %d %v, want %d", tt.name, tt.method, tt.path, code, m, tt.want)
		}
	}

	code, exp := call("GET", "/api/v1/admin/customers/cust-77/export", adminKey)
	if code != http.StatusOK {
		t.Fatalf("export: %d %v", code, exp)
	}
	doc := toJSON(exp)
	convs, _ := exp["conversations"].([]any)
	if len(convs) != 2 || exp["customer_id"] != "cust-77" {
		t.Fatalf("export has %d conversations of %v, want cust-77's 2: %s", len(convs), exp["customer_id"], doc)
	}
	for _, want := range []string{first, second, "marker-first-77", "marker-second-77", "li.lei@example.com", "Name of cust-77", "marker-rating-77"} {
		if !strings.Contains(doc, want) {
			t.Errorf("export lacks %q: %s", want, doc)
		}
	}
	if strings.Contains(doc, "someone else") || strings.Contains(doc, "token") {
		t.Errorf("export holds another customer's text or a token: %s", doc)
	}

	// The customer's open stream ends when they are erased.
	req, _ := http.NewRequest("GET", c.base+"/api/v1/conversations/"+second+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+secondTok)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("stream: %v %v", res, err)
	}
	defer res.Body.Close()
	ended := make(chan string, 1)
	go func() {
		var seen []string
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if ev, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				seen = append(seen, ev)
			}
		}
		ended <- strings.Join(seen, " ")
	}()

	code, er := call("DELETE", "/api/v1/admin/customers/cust-77", adminKey)
	if code != http.StatusOK || len(er["conversations"].([]any)) != 2 {
		t.Fatalf("erase: %d %v", code, er)
	}
	select {
	case seen := <-ended:
		if !strings.HasSuffix(seen, escalate.EventErased) {
			t.Errorf("stream events %q, want it to end with %s", seen, escalate.EventErased)
		}
	case <-time.After(5 * time.Second):
		t.Error("the erased customer's stream is still open")
	}
	for id, tok := range map[string]string{first: firstTok, second: secondTok} {
		if code, m := c.do("GET", "/api/v1/conversations/"+id+"/messages", tok, ""); code != http.StatusNotFound {
			t.Errorf("erased conversation's token: %d %v, want 404", code, m)
		}
	}
	if code, _ := call("GET", "/api/v1/admin/customers/cust-77/export", adminKey); code != http.StatusNotFound {
		t.Errorf("export after erasure: %d, want 404", code)
	}
	if code, q := call("GET", "/api/v1/handoffs", agentKey); code != http.StatusOK || strings.Contains(toJSON(q), second) {
		t.Errorf("queue after erasure: %d %v, want without %s", code, q, second)
	}
	if code, m := c.do("GET", "/api/v1/conversations/"+other+"/messages", otherTok, ""); code != http.StatusOK {
		t.Errorf("another customer's conversation: %d %v, want kept", code, m)
	}

	// By conversation.
	if code, m := call("GET", "/api/v1/admin/conversations/"+other+"/export", adminKey); code != http.StatusOK || !strings.Contains(toJSON(m), "someone else") {
		t.Errorf("export of one conversation: %d %v", code, m)
	}
	if code, m := call("DELETE", "/api/v1/admin/conversations/"+other, adminKey); code != http.StatusOK {
		t.Errorf("erase one conversation: %d %v", code, m)
	}
	if code, _ := call("DELETE", "/api/v1/admin/conversations/"+other, adminKey); code != http.StatusNotFound {
		t.Errorf("erasing it again: %d, want 404", code)
	}

	_, audit := call("GET", "/api/v1/audit", adminKey)
	var got []string
	for _, e := range audit["audit"].([]any) {
		e := e.(map[string]any)
		if e["actor"] != "dpo" {
			continue
		}
		got = append(got, e["action"].(string))
		if s := toJSON(e); strings.Contains(s, "cust-77") || strings.Contains(s, "marker") {
			t.Errorf("audit entry keeps the customer's id or text: %s", s)
		}
		if e["action"] == "customer.erase" && (e["target"] != escalate.CustomerRef("cust-77") || !strings.Contains(e["detail"].(string), first)) {
			t.Errorf("customer.erase entry = %v, want target %s and the conversations", e, escalate.CustomerRef("cust-77"))
		}
	}
	if want := "conversation.erase conversation.export customer.erase customer.export"; strings.Join(got, " ") != want {
		t.Errorf("audit by dpo, newest first = %q, want %q", strings.Join(got, " "), want)
	}
}

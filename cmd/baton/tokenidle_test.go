package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// backdate moves a conversation and its messages ago into the past, as if
// its customer had been silent since.
func backdate(t *testing.T, data, id string, ago time.Duration) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	then := time.Now().UTC().Add(-ago).Format(time.RFC3339Nano)
	for _, q := range []string{`UPDATE conversations SET created_at = ? WHERE id = ?`, `UPDATE messages SET created_at = ? WHERE conversation_id = ?`} {
		if _, err := db.Exec(q, then, id); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTokenIdle: a customer's token stops working once its conversation
// has been silent longer than --token-idle (401 token_expired on every
// customer route), except while the conversation is with a person; a new
// conversation cannot claim an expired one as its previous; fresh ones
// work as before.
func TestTokenIdle(t *testing.T) {
	data := t.TempDir()
	srv := launch(t, data, func(c *Config) { c.TokenIdle = time.Hour })
	c := client{t, "http://" + srv.Addr()}

	idle, idleToken := c.start()
	if code, m := c.do("POST", "/api/v1/conversations/"+idle+"/messages", idleToken, `{"text":"how do I send something back"}`); code != http.StatusOK {
		t.Fatalf("first message: %d %v", code, m)
	}
	waiting, waitingToken := c.start()
	if code, m := c.do("POST", "/api/v1/conversations/"+waiting+"/handoff", waitingToken, ``); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("hand-off: %d %v", code, m)
	}
	recent, recentToken := c.start()
	backdate(t, data, idle, 2*time.Hour)
	backdate(t, data, waiting, 2*time.Hour)
	backdate(t, data, recent, 30*time.Minute)

	for _, r := range []struct{ method, path, body string }{
		{"GET", "/api/v1/conversations/" + idle + "/messages", ""},
		{"GET", "/api/v1/conversations/" + idle + "/handoff", ""},
		{"POST", "/api/v1/conversations/" + idle + "/messages", `{"text":"are you there?"}`},
		{"POST", "/api/v1/conversations/" + idle + "/handoff", ""},
	} {
		code, m := c.do(r.method, r.path, idleToken, r.body)
		if code != http.StatusUnauthorized || errCode(m) != "token_expired" {
			t.Errorf("%s %s after two idle hours: %d %v, want 401 token_expired", r.method, r.path, code, m)
		}
	}
	// The live stream too (a stream that opened would never end: the
	// request gives up after a few seconds).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/conversations/"+idle+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+idleToken)
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Errorf("events after two idle hours: %v", err)
	} else {
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("events after two idle hours: %d, want 401", res.StatusCode)
		}
	}
	// A wrong token is still refused as before, not told it expired.
	if code, m := c.do("GET", "/api/v1/conversations/"+idle+"/messages", recentToken, ""); code != http.StatusForbidden {
		t.Errorf("another conversation's token: %d %v, want 403", code, m)
	}
	// Waiting for a person is not idleness.
	if code, m := c.do("GET", "/api/v1/conversations/"+waiting+"/messages", waitingToken, ""); code != http.StatusOK {
		t.Errorf("handed-off conversation after two hours: %d %v, want 200", code, m)
	}
	// Half an hour silent is within the hour.
	if code, m := c.do("POST", "/api/v1/conversations/"+recent+"/messages", recentToken, `{"text":"how do I send something back"}`); code != http.StatusOK {
		t.Errorf("conversation idle 30 min: %d %v, want 200", code, m)
	}

	// The chat page then starts a new conversation, naming the old one
	// as its previous: the expired token proves nothing, so it is not
	// linked.
	code, m := c.do("POST", "/api/v1/conversations", "", fmt.Sprintf(`{"collection":"default","previous":{"id":%q,"token":%q}}`, idle, idleToken))
	if code != http.StatusCreated {
		t.Fatalf("new conversation after an expired one: %d %v", code, m)
	}
	id, token := m["id"].(string), m["token"].(string)
	code, m = c.do("GET", "/api/v1/conversations/"+id+"/messages", token, "")
	if code != http.StatusOK {
		t.Fatalf("new conversation's messages: %d %v", code, m)
	}
	if conv, _ := m["conversation"].(map[string]any); conv["previous_id"] != nil {
		t.Errorf("new conversation linked to the expired one: %v", conv)
	}
}

// errCode is the error code of an API error body.
func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// TestBrowserTokenExpired: in the chat page, a message to a conversation
// whose token expired goes to a new conversation, answered as usual, and
// a page reloaded after expiry opens empty with the welcome instead of
// the old transcript.
func TestBrowserTokenExpired(t *testing.T) {
	execPath := chromiumPath(t)
	data := t.TempDir()
	srv := launch(t, data, func(c *Config) { c.TokenIdle = time.Hour })
	base := "http://" + srv.Addr()
	s := &browserSession{t: t}
	customer := s.open(execPath, "customer", artifactsDir(t), 60*time.Second)
	convID := `JSON.parse(localStorage.getItem("baton.conversation.default") || "null")?.id || ""`

	const first, second = "how do I send something back", "退款什么时候到账？"
	s.do(customer, "open chat", chromedp.Navigate(base+"/chat"), chromedp.WaitVisible(chromedp.ID("text")))
	s.do(customer, "ask", chromedp.SendKeys(chromedp.ID("text"), first), chromedp.Click(chromedp.CSS(`#ask button[type=submit]`)))
	s.waitFor(customer, "answered", 15*time.Second, `!!document.querySelector("#log li.bot .cite a")`)
	old := eval[string](s, customer, "conversation id", convID)
	backdate(t, data, old, 2*time.Hour)

	s.do(customer, "ask after two idle hours", chromedp.SendKeys(chromedp.ID("text"), second), chromedp.Click(chromedp.CSS(`#ask button[type=submit]`)))
	s.waitFor(customer, "answered in a new conversation", 15*time.Second,
		`(() => { const c = [...document.querySelectorAll("#log li.customer")].map(li => li.innerText); return c.length === 1 && c[0].includes(`+jsString(second)+`) && !!document.querySelector("#log li.bot .cite a"); })()`)
	renewed := eval[string](s, customer, "new conversation id", convID)
	if renewed == "" || renewed == old {
		t.Errorf("conversation after expiry = %q, want a new one (old %q)", renewed, old)
	}
	if !eval[bool](s, customer, "error hidden", `document.getElementById("error").hidden`) {
		t.Errorf("the page shows an error after sending to an expired conversation: %q", eval[string](s, customer, "error text", `document.getElementById("error").textContent`))
	}
	if msgs, err := srv.App.Store.Messages(context.Background(), old); err != nil || len(msgs) != 2 {
		t.Errorf("the expired conversation has %d messages (%v), want its 2, untouched", len(msgs), err)
	}

	backdate(t, data, renewed, 2*time.Hour)
	s.do(customer, "reload after two idle hours", chromedp.Reload())
	s.waitFor(customer, "empty with the welcome", 10*time.Second,
		`!!document.getElementById("welcome") && document.querySelectorAll("#log li.customer, #log li.bot:not(#welcome)").length === 0 && !localStorage.getItem("baton.conversation.default")`)
	s.shot(customer, "token-expired-reloaded")
	if ex := customer.exceptions(); len(ex) > 0 {
		t.Errorf("page exceptions: %v", ex)
	}
}

// TestBrowserConversationErased: a conversation erased on request while
// its customer has the chat page open disappears from the page too, with
// a notice, and the next message starts a new conversation.
func TestBrowserConversationErased(t *testing.T) {
	execPath := chromiumPath(t)
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	s := &browserSession{t: t}
	customer := s.open(execPath, "customer", artifactsDir(t), 60*time.Second)
	convID := `JSON.parse(localStorage.getItem("baton.conversation.default") || "null")?.id || ""`

	s.do(customer, "open chat", chromedp.Navigate(base+"/chat"), chromedp.WaitVisible(chromedp.ID("text")))
	s.do(customer, "ask", chromedp.SendKeys(chromedp.ID("text"), "how do I send something back"), chromedp.Click(chromedp.CSS(`#ask button[type=submit]`)))
	s.waitFor(customer, "answered", 15*time.Second, `!!document.querySelector("#log li.bot .cite a")`)
	old := eval[string](s, customer, "conversation id", convID)
	// The page's live stream must be open for the erasure to reach it.
	time.Sleep(500 * time.Millisecond)
	if _, err := srv.App.Bot.Desk.EraseConversation(context.Background(), "admin", old); err != nil {
		t.Fatal(err)
	}
	notice := s.waitFor(customer, "transcript gone, with a notice", 10*time.Second,
		`(() => { const e = document.getElementById("error"); return document.querySelectorAll("#log li.customer, #log li.bot:not(#welcome)").length === 0 && !e.hidden && e.textContent; })()`)
	if !strings.Contains(notice, "deleted") {
		t.Errorf("notice = %q, want it to say the conversation was deleted", notice)
	}
	s.shot(customer, "conversation-erased")
	s.do(customer, "ask again", chromedp.SendKeys(chromedp.ID("text"), "how can I pay"), chromedp.Click(chromedp.CSS(`#ask button[type=submit]`)))
	s.waitFor(customer, "answered in a new conversation", 15*time.Second, `!!document.querySelector("#log li.bot .cite a") && document.getElementById("error").hidden`)
	if id := eval[string](s, customer, "new conversation id", convID); id == "" || id == old {
		t.Errorf("conversation after erasure = %q, want a new one", id)
	}
}

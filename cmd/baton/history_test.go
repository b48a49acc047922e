package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/web"
)

// TestPacketHistory: the agent's packet lists the customer's earlier
// conversations with their outcome, found by the signed customer id or by
// the conversation the chat page started a new one from; a stranger's
// conversations never show, and going on from a conversation takes its token.
func TestPacketHistory(t *testing.T) {
	const secret = "history-context-secret"
	t.Setenv("BATON_CONTEXT_SECRET", secret)
	e := startDesk(t, deskOptions{})
	ann := e.loginAll(t, "ann")["ann"]
	start := func(body string) convo {
		t.Helper()
		r := e.send(t, http.DefaultClient, http.MethodPost, "/api/v1/conversations", body, nil)
		if r.code != http.StatusCreated {
			t.Fatalf("create conversation %s: %d %s", body, r.code, r.raw)
		}
		return convo{js(r.body["id"]), js(r.body["token"])}
	}
	signed := func(customer string) string {
		tok, err := web.SignContext(secret, kb.CustomerContext{CustomerID: customer, Exp: time.Now().Add(time.Hour).Unix()})
		if err != nil {
			t.Fatal(err)
		}
		return `{"collection":"default","context":` + quote(tok) + `}`
	}
	packet := func(c convo) map[string]any {
		t.Helper()
		hid := js(jm(e.handoff(t, c)["handoff"])["id"])
		return ann.want(t, http.StatusOK, http.MethodGet, "/api/v1/handoffs/"+hid, "").body
	}
	history := func(p map[string]any) []map[string]any {
		var out []map[string]any
		for _, h := range ja(p["history"]) {
			out = append(out, jm(h))
		}
		return out
	}

	// Signed customer id: an earlier conversation the bot answered.
	first := start(signed("cust-42"))
	e.say(t, first, answerable)
	e.say(t, first, "thanks")
	stranger := start(signed("cust-7"))
	e.say(t, stranger, "what is your return policy")
	second := start(signed("cust-42"))
	h := history(packet(second))
	if len(h) != 1 || js(h[0]["id"]) != first.id || js(h[0]["question"]) != answerable || jn(h[0]["turns"]) != 2 || js(h[0]["outcome"]) != "bot" {
		t.Fatalf("history of cust-42 = %v, want the first conversation, answered by the bot, 2 turns", h)
	}

	// No customer id: an anonymous customer whose hand-off ann resolved
	// starts a new conversation from the ended one.
	anon := start(`{"collection":"default"}`)
	hid := js(jm(e.handoff(t, anon)["handoff"])["id"])
	ann.want(t, http.StatusOK, http.MethodPost, "/api/v1/handoffs/"+hid+"/claim", "")
	ann.want(t, http.StatusOK, http.MethodPost, "/api/v1/handoffs/"+hid+"/resolve", `{"outcome":"article_missing"}`)
	if r := e.send(t, http.DefaultClient, http.MethodPost, "/api/v1/conversations", `{"collection":"default","previous":{"id":`+quote(anon.id)+`,"token":"not-the-token"}}`, nil); r.code != http.StatusForbidden {
		t.Errorf("going on from a conversation with a wrong token: %d, want 403", r.code)
	}
	next := start(`{"collection":"default","previous":{"id":` + quote(anon.id) + `,"token":` + quote(anon.token) + `}}`)
	e.say(t, next, answerable)
	h = history(packet(next))
	if len(h) != 1 || js(h[0]["id"]) != anon.id || js(h[0]["outcome"]) != "resolved" || js(h[0]["verdict"]) != "article_missing" || js(h[0]["agent"]) != "ann" || js(h[0]["question"]) != "" {
		t.Fatalf("history after New conversation = %v, want the resolved one (by ann, article_missing, no question)", h)
	}
	// A stranger with no history gets an empty list, not null.
	if p := packet(stranger); p["history"] == nil || len(history(p)) != 0 {
		t.Errorf("stranger's history = %v, want []", p["history"])
	}
}

package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestCSAT rates conversations the bot handled alone, one an agent
// resolved and one the customer ended, and reads the figures back from
// the analytics.
func TestCSAT(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	ann := e.loginAll(t, "ann")["ann"]
	setOnline(t, ann, "online")
	rate := func(c convo, token, body string) deskResp {
		t.Helper()
		return e.cust(t, c, token, http.MethodPost, "/rating", body)
	}

	bot := e.newConvo(t)
	e.say(t, bot, answerable)
	for _, tt := range []struct {
		name, body string
	}{
		{"score 0", `{"score":0}`},
		{"score 6", `{"score":6}`},
		{"no score", `{"comment":"nice"}`},
		{"comment too long", `{"score":3,"comment":"` + strings.Repeat("x", 1001) + `"}`},
		{"unknown field", `{"score":3,"stars":3}`},
	} {
		if r := rate(bot, bot.token, tt.body); r.code != http.StatusBadRequest {
			t.Errorf("rating with %s = %d %s, want 400", tt.name, r.code, r.raw)
		}
	}
	other := e.newConvo(t)
	if r := rate(bot, other.token, `{"score":1}`); r.code != http.StatusForbidden {
		t.Errorf("rating with another conversation's token = %d, want 403", r.code)
	}
	if r := rate(bot, "", `{"score":1}`); r.code != http.StatusUnauthorized && r.code != http.StatusForbidden {
		t.Errorf("rating with no token = %d, want 401 or 403", r.code)
	}
	if r := rate(convo{id: "no-such-id"}, bot.token, `{"score":1}`); r.code != http.StatusNotFound {
		t.Errorf("rating an unknown conversation = %d, want 404", r.code)
	}
	if r := rate(bot, bot.token, `{"score":1,"comment":"meh"}`); r.code != http.StatusOK {
		t.Fatalf("rating = %d %s, want 200", r.code, r.raw)
	}
	if r := rate(bot, bot.token, `{"score":3}`); r.code != http.StatusOK || jn(r.body["score"]) != 3 {
		t.Fatalf("re-rating = %d %s, want 200 with score 3", r.code, r.raw)
	}

	// An agent claims and resolves a hand-off: the rating is ann's.
	agent := e.newConvo(t)
	e.say(t, agent, answerable)
	hid := js(jm(e.handoff(t, agent)["handoff"])["id"])
	if r := e.cust(t, agent, agent.token, http.MethodPost, "/end", ""); r.code != http.StatusConflict {
		t.Errorf("ending a conversation waiting for an agent = %d %s, want 409", r.code, r.raw)
	}
	ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/claim", "")
	ann.want(t, 200, "POST", "/api/v1/handoffs/"+hid+"/resolve", "")
	if s := e.state(t, agent); js(s["status"]) != "resolved" || s["ended"] != true {
		t.Errorf("state after resolution = %v, want resolved and ended", s)
	}
	if r := rate(agent, agent.token, `{"score":4,"comment":"Ann sorted it"}`); r.code != http.StatusOK {
		t.Fatalf("rating the agent = %d %s", r.code, r.raw)
	}

	// The customer ends a bot conversation: it is ended, and rated.
	ended := e.newConvo(t)
	e.say(t, ended, answerable)
	r := e.cust(t, ended, ended.token, http.MethodPost, "/end", "")
	if st := jm(r.body["state"]); r.code != http.StatusOK || st["ended"] != true {
		t.Fatalf("end chat = %d %s, want 200 with the state ended", r.code, r.raw)
	}
	if s := e.state(t, ended); s["ended"] != true {
		t.Errorf("state after end chat = %v, want ended", s)
	}
	if r := e.cust(t, ended, ended.token, http.MethodPost, "/messages", `{"text":"hello?"}`); r.code != http.StatusConflict {
		t.Errorf("a message after end chat = %d, want 409 (new conversation or reopen)", r.code)
	}
	if r := rate(ended, ended.token, `{"score":2}`); r.code != http.StatusOK {
		t.Fatalf("rating after end chat = %d %s", r.code, r.raw)
	}

	a := ann.want(t, 200, "GET", "/api/v1/analytics?collection=default", "")
	csat := jm(a.body["csat"])
	for _, tt := range []struct {
		name        string
		got         map[string]any
		count       float64
		mean        float64
		key, person string
	}{
		{"all", jm(csat["all"]), 3, 3, "", ""},
		{"bot only", jm(csat["bot_only"]), 2, 2.5, "", ""},
		{"agent handled", jm(csat["agent_handled"]), 1, 4, "", ""},
		{"collection default", jm(first(ja(csat["collections"]))), 3, 3, "default", ""},
		{"agent ann", jm(first(ja(csat["agents"]))), 1, 4, "user-ann", "ann"},
	} {
		if jn(tt.got["count"]) != tt.count || jn(tt.got["mean"]) != tt.mean || js(tt.got["key"]) != tt.key || js(tt.got["name"]) != tt.person {
			t.Errorf("csat %s = %v, want count %v, mean %v, key %q, name %q", tt.name, tt.got, tt.count, tt.mean, tt.key, tt.person)
		}
	}
	if n := len(ja(csat["agents"])); n != 1 {
		t.Errorf("csat agents = %v, want ann alone", csat["agents"])
	}
}

func first(a []any) any {
	if len(a) == 0 {
		return nil
	}
	return a[0]
}

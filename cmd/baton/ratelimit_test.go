package main

import (
	"net/http"
	"testing"
	"time"
)

// The chat API limits how many conversations one address starts and how
// many messages one conversation takes: 429 with Retry-After, by a clock
// the test moves, whatever X-Forwarded-For claims without a trusted proxy.
func TestChatRateLimits(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{noStaff: true, config: func(cfg *Config) {
		cfg.ConversationLimit, cfg.MessageLimit = "3/1m", "5/10s"
	}})
	anon := plainClient()
	start := func() deskResp {
		t.Helper()
		return e.send(t, anon, "POST", "/api/v1/conversations", `{"collection":"default"}`, map[string]string{"X-Forwarded-For": "198.51.100.1"})
	}
	var convs []deskResp
	for i := range 3 {
		r := start()
		if r.code != http.StatusCreated {
			t.Fatalf("conversation %d = %d %s, want 201", i+1, r.code, r.raw)
		}
		convs = append(convs, r)
	}
	r := start()
	if r.code != http.StatusTooManyRequests || r.errCode() != "rate_limited" || r.header.Get("Retry-After") != "20" {
		t.Fatalf("4th conversation in a minute = %d %s (Retry-After %q), want 429 rate_limited, Retry-After 20", r.code, r.raw, r.header.Get("Retry-After"))
	}
	e.clock.advance(20 * time.Second)
	if r := start(); r.code != http.StatusCreated {
		t.Errorf("20 s later = %d %s, want one more conversation", r.code, r.raw)
	}

	say := func(c deskResp, token string) deskResp {
		t.Helper()
		return e.send(t, anon, "POST", "/api/v1/conversations/"+js(c.body["id"])+"/messages", `{"text":"how do I send something back"}`,
			map[string]string{"Authorization": "Bearer " + token})
	}
	a, b := convs[0], convs[1]
	// A wrong token is refused before it spends the conversation's messages.
	for range 5 {
		if r := say(a, "not-the-token"); r.code == http.StatusOK || r.code == http.StatusTooManyRequests {
			t.Fatalf("message with a wrong token = %d %s", r.code, r.raw)
		}
	}
	for i := range 5 {
		if r := say(a, js(a.body["token"])); r.code != http.StatusOK {
			t.Fatalf("message %d = %d %s, want 200", i+1, r.code, r.raw)
		}
	}
	r = say(a, js(a.body["token"]))
	if r.code != http.StatusTooManyRequests || r.header.Get("Retry-After") != "2" {
		t.Errorf("6th message in 10 s = %d %s (Retry-After %q), want 429, Retry-After 2", r.code, r.raw, r.header.Get("Retry-After"))
	}
	if r := say(b, js(b.body["token"])); r.code != http.StatusOK {
		t.Errorf("another conversation's message = %d %s, want 200: the limit is per conversation", r.code, r.raw)
	}
	e.clock.advance(2 * time.Second)
	if r := say(a, js(a.body["token"])); r.code != http.StatusOK {
		t.Errorf("2 s later = %d %s, want one more message", r.code, r.raw)
	}
}

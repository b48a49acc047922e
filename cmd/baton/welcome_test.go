package main

import (
	"net/http"
	"slices"
	"testing"
)

// The chat page's greeting and starters: configured ones win, else the
// articles the bot answered with most, in the page's language, never an
// article that always goes to a person.
func TestWelcome(t *testing.T) {
	t.Parallel()
	srv := launch(t, "", nil)
	c := client{t, "http://" + srv.Addr()}

	code, w := c.do("GET", "/api/v1/collections/default/welcome?lang=en", "", "")
	starters := strs(w["starters"])
	if code != http.StatusOK || w["greeting"] == "" || len(starters) == 0 {
		t.Fatalf("welcome = %d %v, want a greeting and starters", code, w)
	}
	if slices.Contains(starters, "someone logged into my account") {
		t.Errorf("starters %q offer the always-hand-off article", starters)
	}
	_, zh := c.do("GET", "/api/v1/collections/default/welcome?lang=zh", "", "")
	if got := strs(zh["starters"]); !slices.Equal(got, []string{"退款什么时候到账"}) || zh["greeting"] == w["greeting"] {
		t.Errorf("Chinese welcome = %v, want the Chinese greeting and the one Chinese article's question", zh)
	}

	// Answered questions lead: with returns answered twice, its question
	// comes first, ahead of the articles listed before it.
	if i := slices.Index(starters, "How do I send something back?"); i <= 0 {
		t.Fatalf("starters before any answer = %v, want the returns question after others", starters)
	}
	code, conv := c.do("POST", "/api/v1/conversations", "", `{"collection":"default","lang":"auto"}`)
	if code != http.StatusCreated {
		t.Fatalf("create conversation = %d %v", code, conv)
	}
	for range 2 {
		if code, r := c.do("POST", "/api/v1/conversations/"+js(conv["id"])+"/messages", js(conv["token"]), `{"text":"what is your return policy"}`); code != 200 || js(jm(r["reply"])["band"]) != "answer" {
			t.Fatalf("returns question = %d %v, want an answer", code, r)
		}
	}
	_, w = c.do("GET", "/api/v1/collections/default/welcome?lang=en", "", "")
	if got := strs(w["starters"]); len(got) != len(starters) || got[0] != "How do I send something back?" {
		t.Errorf("starters after two returns answers = %v, want the returns question first", got)
	}

	// An unknown collection is refused with the known ones, not accepted
	// and then handed off turn after turn.
	code, r := c.do("POST", "/api/v1/conversations", "", `{"collection":"walrus"}`)
	if code != http.StatusNotFound || !slices.Equal(strs(r["collections"]), []string{"default"}) {
		t.Errorf("conversation in an unknown collection = %d %v, want 404 listing default", code, r)
	}
}

func strs(v any) []string {
	var out []string
	for _, x := range ja(v) {
		out = append(out, js(x))
	}
	return out
}

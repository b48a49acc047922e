package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/escalate"
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

// An editor sets a collection's welcome through the API the editor's
// Welcome tab uses: checked, saved with the policies, shown by the chat
// page in each language; agents may not change it.
func TestWelcomeSettings(t *testing.T) {
	t.Parallel()
	e := startDesk(t, deskOptions{})
	st := e.loginAll(t, "eve", "ann")
	eve, ann := st["eve"], st["ann"]
	const path = "/api/v1/collections/default/welcome/settings"
	if r := eve.want(t, 200, "GET", path, ""); len(r.body) != 0 {
		t.Errorf("settings before any = %s, want empty", r.raw)
	}
	for _, bad := range []string{
		`{"greeting":{"fr":"Bonjour"}}`,
		`{"starters":{"en":["a","b","c","d","e","f"]}}`,
		`{"starters":{"en":["Refunds?","refunds?"]}}`,
		`{"greeting":{"en":"` + strings.Repeat("x", 501) + `"}}`,
		`{"greeting":{"en":"hi"},"colour":"red"}`,
	} {
		if r := eve.do(t, "PUT", path, bad); r.code != http.StatusBadRequest {
			t.Errorf("PUT %.60s = %d %s, want 400", bad, r.code, r.raw)
		}
	}
	if r := ann.do(t, "PUT", path, `{"greeting":{"en":"hi"}}`); r.code != http.StatusForbidden {
		t.Errorf("an agent's PUT = %d, want 403", r.code)
	}
	eve.want(t, 200, "PUT", path, `{"greeting":{"en":" Hello from the walrus shop. ","zh":"海象商店欢迎您"},"starters":{"zh":["退货运费谁出？",""]}}`)
	c := client{t, e.base}
	_, en := c.do("GET", "/api/v1/collections/default/welcome?lang=en", "", "")
	_, zh := c.do("GET", "/api/v1/collections/default/welcome?lang=zh", "", "")
	if en["greeting"] != "Hello from the walrus shop." || len(strs(en["starters"])) == 0 {
		t.Errorf("English welcome = %v, want the editor's greeting and the most answered questions", en)
	}
	if zh["greeting"] != "海象商店欢迎您" || !slices.Equal(strs(zh["starters"]), []string{"退货运费谁出？"}) {
		t.Errorf("Chinese welcome = %v, want the editor's greeting and starter", zh)
	}
	// Saved with the policies, so a restart keeps it; the rest of the
	// collection's policy is the default's.
	saved, err := escalate.LoadConfig(e.srv.App.PolicyFile())
	if err != nil {
		t.Fatal(err)
	}
	p := saved.For("default")
	if p.Welcome.Greeting["zh"] != "海象商店欢迎您" || p.AnswerThreshold != saved.Default.AnswerThreshold {
		t.Errorf("saved policy for default = %+v", p)
	}
	audit := eve.want(t, 200, "GET", "/api/v1/audit", "")
	if !strings.Contains(audit.raw, `"welcome.update"`) {
		t.Errorf("audit log has no welcome.update: %.300s", audit.raw)
	}
}

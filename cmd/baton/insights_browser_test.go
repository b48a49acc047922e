package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
)

// insightsDump is what a failure shows of the insights page.
const insightsDump = `JSON.stringify((() => {
  const text = (sel) => { const e = document.querySelector(sel); return e ? (e.hidden ? "[hidden] " : "") + e.innerText : null; };
  return {
    url: location.href, error: text("#error"), summary: text("#misses-summary"), results: text("#fix-results"),
    clusters: [...document.querySelectorAll("#misses .cluster")].map(c => c.dataset.id + ": " + c.innerText),
    kpis: text("#kpis"), bars: document.querySelectorAll("#chart svg rect.bar").length, reasons: text("#reasons"), top: text("#top-misses"),
  };
})(), null, 1)`

// TestBrowserInsights drives the insights page in headless Chromium:
// customers ask what the knowledge base lacks in three ways (one gets
// "did you mean", two a wrong answer they thumb down) and one asks
// something out of scope; an editor signs in, finds the three questions
// grouped as the first card of the misses inbox, turns them into a new
// published article, and the card goes; the same question is then
// answered from the new article; the analytics count the conversations
// and chart them. Last, an agent sees the inbox without the fixes.
func TestBrowserInsights(t *testing.T) {
	execPath := chromiumPath(t)
	began := time.Now()
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	ctx := context.Background()
	for _, u := range []struct{ id, name, role, pw string }{
		{"u-eve", "eve", kb.UserEditor, "editor-password-1"},
		{"u-ann", "ann", kb.UserAgent, "agent-password-1"},
	} {
		addStaff(t, srv, u.id, u.name, u.role, u.pw)
	}

	// Customers, through the API.
	customer := client{t, base}
	type turn struct{ band, first, reply string }
	ask := func(q string) (turn, string, string) {
		t.Helper()
		id, token := customer.start()
		code, m := customer.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":`+quote(q)+`}`)
		if code != 200 {
			t.Fatalf("ask %q: %d %v", q, code, m)
		}
		r := m["reply"].(map[string]any)
		tr := turn{band: r["band"].(string)}
		tr.reply, _ = m["reply_id"].(string)
		if cs, _ := r["citations"].([]any); len(cs) > 0 {
			tr.first = cs[0].(map[string]any)["article_id"].(string)
		}
		return tr, id, token
	}
	thumb := func(conv, token, reply string, v int) {
		t.Helper()
		if reply == "" {
			t.Fatalf("no reply id to rate in %s", conv)
		}
		path := "/api/v1/conversations/" + conv + "/messages/" + reply + "/feedback"
		if code, m := customer.do("POST", path, token, `{"value":`+strconv.Itoa(v)+`}`); code != 200 {
			t.Fatalf("feedback %d: %d %v", v, code, m)
		}
	}
	gap := []string{"can I collect my order from one of your shops?", "can I collect my order in a shop?", "can I pick up my order in one of your stores?"}
	if tr, _, _ := ask(gap[0]); tr.band == "answer" {
		t.Fatalf("%q was answered (%s) before the knowledge base had it", gap[0], tr.first)
	}
	for _, q := range gap[1:] {
		tr, id, token := ask(q)
		thumb(id, token, tr.reply, -1)
	}
	tr, id, token := ask("how do I send something back")
	if tr.band != "answer" {
		t.Fatalf("the returns question was not answered: %+v", tr)
	}
	thumb(id, token, tr.reply, 1)
	const legal = "can you give me legal advice about suing the courier"
	if tr, _, _ := ask(legal); tr.band == "answer" {
		t.Fatalf("%q was answered (%s); pick another out-of-scope question", legal, tr.first)
	}

	dir := artifactsDir(t)
	t.Logf("screenshots go to %s", dir)
	s := &browserSession{t: t}
	ed := s.open(execPath, "editor", dir, 120*time.Second)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		c, cancel := context.WithTimeout(ed.ctx, 5*time.Second)
		defer cancel()
		if dump, err := chromedp.Run(c, chromedp.Evaluate[string](insightsDump)); err == nil {
			t.Logf("--- insights page:\n%s", dump)
		}
	})
	started := time.Now()
	t.Logf("server, conversations and browser ready after %v", started.Sub(began).Round(time.Millisecond))
	lap := started
	timing := func(what string) {
		t.Logf("%s took %v", what, time.Since(lap).Round(time.Millisecond))
		lap = time.Now()
	}
	signIn := func(name, pw string) {
		t.Helper()
		s.do(ed, "open login", chromedp.Navigate(base+"/login?next=/insights"), chromedp.WaitVisible(chromedp.ID("name")))
		s.do(ed, "fill login", chromedp.SendKeys(chromedp.ID("name"), name), chromedp.SendKeys(chromedp.ID("password"), pw))
		runStep(s, ed, "sign in and load insights", 15*time.Second,
			chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
		if loc := runStep(s, ed, "location", 5*time.Second, chromedp.Location()); !strings.Contains(loc, "/insights") {
			s.fail(ed, "after sign-in", fmt.Errorf("at %s, want /insights", loc))
		}
	}

	// 1. The editor signs in; the three phrasings are the first card.
	signIn("eve", "editor-password-1")
	s.waitFor(ed, "inbox cards", 20*time.Second, `document.querySelectorAll("#misses .cluster[data-id]").length >= 2`)
	card := eval[map[string]any](s, ed, "first card", `(() => { const c = document.querySelector("#misses .cluster");
	  return { id: c.dataset.id, questions: [...c.querySelectorAll(".questions li")].map(li => li.textContent),
	    size: c.querySelector(".size strong").textContent, triggers: c.querySelector(".triggers").innerText,
	    fixes: c.querySelectorAll(".fix-add, .fix-new, .fix-wont").length,
	    selected: (c.querySelector(".fix-article-select") || {}).value || "" }; })()`)
	var shown []string
	for _, q := range card["questions"].([]any) {
		shown = append(shown, q.(string))
	}
	for _, q := range gap {
		if !slices.Contains(shown, q) {
			t.Errorf("the first card lacks %q: it shows %q", q, shown)
		}
	}
	if card["size"] != "3" || !strings.Contains(card["triggers"].(string), "thumbs down ×2") {
		t.Errorf("first card: size %v, triggers %q; want 3 questions and thumbs down ×2", card["size"], card["triggers"])
	}
	if card["fixes"] != 3.0 {
		t.Errorf("an editor sees %v fix buttons, want 3", card["fixes"])
	}
	if card["selected"] == "" {
		t.Errorf("the article select has no default, want the article the bot put first")
	}
	clusterID := card["id"].(string)
	s.shot(ed, "insights-1-inbox")
	timing("sign-in and inbox")

	// 2. A new article from the card, title and body typed in, published.
	const (
		title = "Click and collect"
		body  = "Yes: choose Click & Collect at checkout and pick the order up at any of our 12 shops two days later; bring the order number."
	)
	sel := `#misses .cluster[data-id=` + jsString(clusterID) + `]`
	s.do(ed, "open the new-article form", chromedp.Click(chromedp.CSS(sel+` .fix-new`)), chromedp.WaitVisible(chromedp.CSS(sel+` .fix-new-title`)))
	prefill := eval[map[string]any](s, ed, "prefilled form", `(() => { const c = document.querySelector(`+jsString(sel)+`);
	  return { title: c.querySelector(".fix-new-title").value, publish: c.querySelector(".fix-new-publish").checked }; })()`)
	if prefill["title"] != shown[0] || prefill["publish"] != true {
		t.Errorf("new-article form: title %q, publish %v; want the first question %q and publish checked", prefill["title"], prefill["publish"], shown[0])
	}
	s.do(ed, "type the article",
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(sel+` .fix-new-title`)+`).value = ""`),
		chromedp.SendKeys(chromedp.CSS(sel+` .fix-new-title`), title),
		chromedp.SendKeys(chromedp.CSS(sel+` .fix-new-body`), body))
	s.shot(ed, "insights-2-new-article-form")
	s.do(ed, "create the article", chromedp.Click(chromedp.CSS(sel+` .fix-new-save`)))
	result := s.waitFor(ed, "fix result, card gone", 20*time.Second,
		`!document.querySelector(`+jsString(sel)+`) && (() => { const r = document.querySelector("#fix-results .fix-result");
		   return r && JSON.stringify({ text: r.innerText, href: r.querySelector("a").getAttribute("href"), id: r.querySelector("a").dataset.id }); })()`)
	var res struct{ Text, Href, ID string }
	if err := json.Unmarshal([]byte(result), &res); err != nil {
		t.Fatalf("fix result %q: %v", result, err)
	}
	if !strings.Contains(res.Text, `New article “`+title+`” (published)`) || !strings.Contains(res.Text, res.ID) || res.Href != "/editor#article="+url.QueryEscape(res.ID) {
		t.Errorf("fix result = %+v", res)
	}
	s.shot(ed, "insights-3-fixed")
	// The link opens that article in the editor.
	s.do(ed, "open the new article", chromedp.Navigate(base+res.Href))
	if got := s.waitFor(ed, "article in the editor", 10*time.Second, `document.getElementById("edit-title") && document.getElementById("edit-title").value`); got != title {
		t.Errorf("editor opened %q, want %q", got, title)
	}
	s.do(ed, "back to insights", chromedp.Navigate(base+"/insights"))
	a, err := srv.App.Store.Article(ctx, res.ID)
	if err != nil {
		t.Fatalf("the new article %q: %v", res.ID, err)
	}
	if a.Title != title || a.Body != body || a.Version != 1 || len(a.Questions) != 3 {
		t.Errorf("stored article: title %q, body %q, version %d, questions %q", a.Title, a.Body, a.Version, a.Questions)
	}
	timing("new article")

	// 3. The question is now answered from the new article.
	if tr, _, _ := ask(gap[1]); tr.band != "answer" || tr.first != res.ID {
		t.Errorf("after the fix %q: band %s, first citation %q; want an answer from %s", gap[1], tr.band, tr.first, res.ID)
	}
	timing("asking again")

	// 4. The analytics count the conversations and chart them, and say
	// how the collection's confidence is calibrated.
	srv.App.Bot.Composer.Recalibrations.Set(map[string]answer.Recalibration{
		"default": {A: 1.2, B: -0.3, N: 120, Correct: 80, FittedAt: time.Now().UTC()}})
	s.do(ed, "open analytics", chromedp.Click(chromedp.CSS(`#tabs button[data-tab=analytics]`)), chromedp.WaitVisible(chromedp.ID("analytics")))
	conv := s.waitFor(ed, "conversations counted", 20*time.Second,
		`(() => { const n = +document.getElementById("kpi-conversations").textContent; return n >= 4 && String(n); })()`)
	chart := eval[map[string]any](s, ed, "chart", `(() => { const svg = document.querySelector("#chart svg");
	  return { bars: svg ? [...svg.querySelectorAll("rect.bar")].filter(r => +r.getAttribute("height") > 0 && !r.closest(".legend")).length : 0,
	    legend: svg ? svg.querySelector(".legend").textContent : "", rate: svg ? svg.querySelectorAll(".rates circle.rate").length : 0,
	    containment: document.getElementById("kpi-containment").textContent, handoff: document.getElementById("kpi-handoff").textContent,
	    thumbs: document.getElementById("kpi-thumbs").textContent, reasons: document.querySelectorAll("#reasons li").length }; })()`)
	if chart["bars"].(float64) < 1 || !strings.Contains(chart["legend"].(string), "handed off") || chart["rate"].(float64) < 1 {
		t.Errorf("chart: %v; want bars, a legend and a containment line", chart)
	}
	if !strings.HasSuffix(chart["containment"].(string), "%") || !strings.HasSuffix(chart["handoff"].(string), "%") || chart["thumbs"] != "33%" {
		t.Errorf("headline figures: %v; want rates, thumbs up 1 of 3", chart)
	}
	if chart["reasons"].(float64) < 1 {
		t.Errorf("no hand-off reasons listed, want the out-of-scope question's")
	}
	if r := eval[string](s, ed, "calibration", `document.getElementById("calibration").innerText`); !strings.Contains(r, "default: calibrated on 120 labelled questions (80 answered right)") {
		t.Errorf("calibration card = %q, want default's recalibration", r)
	}
	t.Logf("analytics: %s conversations, %v", conv, chart)
	s.shot(ed, "insights-4-analytics")
	timing("analytics")

	// 5. An agent, whose browser speaks Chinese, reads the inbox but gets no fixes.
	runStep(s, ed, "sign out", 15*time.Second, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.ID("logout"))))
	if loc := runStep(s, ed, "location", 5*time.Second, chromedp.Location()); !strings.Contains(loc, "/login?next=/insights") {
		s.fail(ed, "after sign-out", fmt.Errorf("at %s, want the login page", loc))
	}
	speakChinese(s, ed)
	signIn("ann", "agent-password-1")
	s.waitFor(ed, "agent inbox", 20*time.Second, `document.querySelectorAll("#misses .cluster[data-id]").length >= 1`)
	zh := eval[map[string]string](s, ed, "Chinese labels", `({ tab: document.querySelector("#tabs button[data-tab=misses]").textContent,
	  size: document.querySelector("#misses .cluster .size").textContent, text: document.body.innerText })`)
	if zh["tab"] != "未答问题" || !strings.Contains(zh["size"], "个问题") || strings.Contains(zh["text"], "undefined") {
		t.Errorf("in Chinese: tab %q, card size %q; page text:\n%s", zh["tab"], zh["size"], zh["text"])
	}
	if n := eval[int](s, ed, "fix buttons", `document.querySelectorAll("#misses .fix-add, #misses .fix-new, #misses .fix-wont, #misses .fixes").length`); n != 0 {
		t.Errorf("an agent sees %d fix controls, want none", n)
	}
	if ids := eval[[]string](s, ed, "agent cards", `[...document.querySelectorAll("#misses .cluster")].map(c => c.dataset.id)`); slices.Contains(ids, clusterID) {
		t.Errorf("the fixed cluster %s is back in the inbox: %v", clusterID, ids)
	}
	s.shot(ed, "insights-5-agent-zh")
	s.do(ed, "open analytics in Chinese", chromedp.Click(chromedp.CSS(`#tabs button[data-tab=analytics]`)))
	s.waitFor(ed, "chart in Chinese", 20*time.Second, `!!document.querySelector("#chart svg .legend") && document.querySelector("#chart svg .legend").textContent.includes("转人工")`)
	if r := eval[string](s, ed, "calibration in Chinese", `document.getElementById("calibration").innerText`); !strings.Contains(r, "default：按 120 个已标注的问题校准（80 个答对）") {
		t.Errorf("calibration card in Chinese = %q", r)
	}
	s.shot(ed, "insights-6-agent-analytics-zh")
	timing("agent view")

	if ex := ed.exceptions(); len(ex) > 0 {
		t.Errorf("insights page threw: %s", strings.Join(ex, "; "))
	}
	t.Logf("browser insights flow took %v (%v after start-up)", time.Since(began).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}

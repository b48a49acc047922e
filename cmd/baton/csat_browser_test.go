package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/kb"
)

// TestBrowserCSAT drives the rating in headless Chromium: an agent
// resolves a customer's hand-off in the console; the customer's page asks
// for a rating at once, the customer taps 4 and sends a comment, and is
// thanked; in a new conversation the customer presses "End chat" and taps
// 2; the agent's insights page shows both, bot-only apart from hers.
func TestBrowserCSAT(t *testing.T) {
	execPath := chromiumPath(t)
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	ctx := context.Background()
	addStaff(t, srv, "u-ann", "ann", kb.UserAgent, "agent-password-1")
	dir := artifactsDir(t)
	s := &browserSession{t: t}
	agent := s.open(execPath, "agent", dir, 90*time.Second)
	customer := s.open(execPath, "customer", dir, 90*time.Second)
	const comment = "Ann sorted out my refund quickly"

	s.do(agent, "open login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(agent, "fill login", chromedp.SendKeys(chromedp.ID("name"), "ann"), chromedp.SendKeys(chromedp.ID("password"), "agent-password-1"))
	runStep(s, agent, "sign in", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	s.waitFor(agent, "agent online", 10*time.Second, `document.getElementById("online").textContent.includes("Agents online: 1")`)

	// The customer asks, then asks for a person; "End chat" is not
	// offered while the team has the conversation.
	s.do(customer, "open chat", chromedp.Navigate(base+"/chat"), chromedp.WaitVisible(chromedp.ID("text")))
	s.do(customer, "ask", chromedp.SendKeys(chromedp.ID("text"), "how do I send something back"), chromedp.Click(chromedp.CSS(`#ask button[type=submit]`)))
	s.waitFor(customer, "answer", 15*time.Second, `!!document.querySelector("#log li.bot .cite a") && !document.getElementById("end").hidden`)
	if !eval[bool](s, customer, "no rating yet", `document.getElementById("rating").hidden`) {
		t.Errorf("the rating shows before the conversation ended")
	}
	s.do(customer, "talk to a person", chromedp.Click(chromedp.ID("person")))
	s.waitFor(customer, "queued", 10*time.Second, `document.getElementById("status-text").textContent.includes("in the queue") && document.getElementById("end").hidden`)

	// The agent claims and resolves it in the console.
	s.waitFor(agent, "queue item", 10*time.Second, `!!document.querySelector("#queue li.item")`)
	s.do(agent, "open packet", chromedp.Click(chromedp.CSS(`#queue li.item`)), chromedp.WaitVisible(chromedp.ID("packet")))
	s.do(agent, "claim", chromedp.Click(chromedp.ID("claim")), chromedp.WaitVisible(chromedp.ID("reply")))
	s.do(agent, "resolve", chromedp.SetValue(chromedp.ID("outcome"), "bot_right"), chromedp.Click(chromedp.ID("resolve")))

	// The resolution reaches the customer live, with the rating row.
	s.waitFor(customer, "rating asked", 10*time.Second,
		`document.getElementById("status-text").textContent === "This conversation has ended." && !document.getElementById("rating").hidden &&
		 document.querySelectorAll("#rating [data-score]").length === 5`)
	s.shot(customer, "csat-1-asked")
	s.do(customer, "tap 4", chromedp.Click(chromedp.CSS(`#rating [data-score="4"]`)))
	s.waitFor(customer, "comment box", 10*time.Second,
		`!document.getElementById("rating-more").hidden && document.querySelector("#rating [data-score='4']").classList.contains("on")`)
	if r, err := srv.App.Store.Rating(ctx, customerConv(t, s, customer)); err != nil || r.Score != 4 || r.AgentID != "u-ann" {
		t.Errorf("after one tap the rating is %+v, %v; want 4 for u-ann", r, err)
	}
	s.do(customer, "comment", chromedp.SendKeys(chromedp.ID("rating-comment"), comment), chromedp.Click(chromedp.CSS(`#rating button[type=submit]`)))
	s.waitFor(customer, "thanked", 10*time.Second,
		`!document.getElementById("rating-thanks").hidden && document.getElementById("rating-thanks").textContent === "Thank you for your feedback." && document.getElementById("rating-more").hidden`)
	s.shot(customer, "csat-2-thanked")
	if r, err := srv.App.Store.Rating(ctx, customerConv(t, s, customer)); err != nil || r.Score != 4 || r.Comment != comment {
		t.Errorf("stored rating = %+v, %v; want 4 with the comment", r, err)
	}
	// A reload does not ask again.
	s.do(customer, "reload", chromedp.Reload())
	s.waitFor(customer, "ended after reload", 10*time.Second, `document.getElementById("status-text").textContent === "This conversation has ended."`)
	if !eval[bool](s, customer, "not asked again", `document.getElementById("rating").hidden`) {
		t.Errorf("the rating is asked again after a reload")
	}

	// A new conversation the customer ends: the bot's alone.
	s.do(customer, "new conversation", chromedp.Click(chromedp.ID("new-conversation")))
	s.do(customer, "ask again", chromedp.SendKeys(chromedp.ID("text"), "can I pay with PayPal?"), chromedp.Click(chromedp.CSS(`#ask button[type=submit]`)))
	s.waitFor(customer, "answered, end offered", 15*time.Second, `document.querySelectorAll("#log li.bot:not(.welcome)").length > 0 && !document.getElementById("end").hidden`)
	s.do(customer, "end chat", chromedp.Click(chromedp.ID("end")))
	s.waitFor(customer, "ended, rating asked", 10*time.Second,
		`document.getElementById("ask").hidden && !document.getElementById("rating").hidden && document.getElementById("end").hidden`)
	s.do(customer, "tap 2", chromedp.Click(chromedp.CSS(`#rating [data-score="2"]`)))
	s.waitFor(customer, "second rating stored", 10*time.Second, `!document.getElementById("rating-more").hidden`)

	// The insights page shows both.
	s.do(agent, "open insights", chromedp.Navigate(base+"/insights#stats"))
	rows := s.waitFor(agent, "csat table", 15*time.Second,
		`(() => { const r = [...document.querySelectorAll("#csat tbody tr")]; return r.length >= 5 && !document.getElementById("csat").hidden &&
		   r.map(tr => tr.dataset.group + "=" + tr.querySelector(".mean").textContent + "/" + tr.querySelector(".count").textContent).join(" "); })()`)
	want := "all=3.00/2 bot_only=2.00/1 agent_handled=4.00/1 collection:default=3.00/2 agent:u-ann=4.00/1"
	if rows != want {
		t.Errorf("CSAT table = %q, want %q", rows, want)
	}
	if label := eval[string](s, agent, "agent row", `document.querySelector("#csat tr[data-group='agent:u-ann'] td").textContent`); label != "Agent: ann" {
		t.Errorf("agent row label = %q, want Agent: ann", label)
	}
	eval[bool](s, agent, "scroll to csat", `(() => { document.getElementById("csat-card").scrollIntoView(); return true; })()`)
	s.shot(agent, "csat-3-insights")
	for _, b := range s.tabs {
		if ex := b.exceptions(); len(ex) > 0 {
			t.Errorf("%s page threw: %s", b.name, strings.Join(ex, "; "))
		}
	}
}

// customerConv is the id of the conversation the customer's page holds.
func customerConv(t *testing.T, s *browserSession, b *tab) string {
	t.Helper()
	id := eval[string](s, b, "conversation id",
		`(() => { for (let i = 0; i < localStorage.length; i++) { const k = localStorage.key(i); if (k.startsWith("baton.conversation.")) return JSON.parse(localStorage.getItem(k)).id; } return ""; })()`)
	if id == "" {
		s.fail(b, "conversation id", fmt.Errorf("no conversation in the page's storage"))
	}
	return id
}

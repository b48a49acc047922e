package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/kb"
)

// TestBrowserTransferToTeam: ann (in no team) claims a hand-off in the
// console and transfers it to team billing, which serves its collection;
// the packet closes, the hand-off is queued for billing in the store, and
// ann's queue no longer lists it. The control reads in Chinese too.
func TestBrowserTransferToTeam(t *testing.T) {
	execPath := chromiumPath(t)
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	ctx := context.Background()
	addStaff(t, srv, "u-ann", "ann", kb.UserAgent, "agent-password-1")
	addStaff(t, srv, "u-bob", "bob", kb.UserAgent, "agent-password-2")
	st := srv.App.Store
	billing := &kb.Team{ID: "t-billing", Name: "billing"}
	addTeam(t, srv, billing.ID, billing.Name, []string{"u-bob"}, []string{"default"})
	c := client{t, base}
	conv, token := c.start()
	if code, m := c.do("POST", "/api/v1/conversations/"+conv+"/handoff", token, `{}`); code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("ask for a person: %d %v", code, m)
	}

	s := &browserSession{t: t}
	b := s.open(execPath, "transfer", artifactsDir(t), 60*time.Second)
	s.do(b, "open login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(b, "fill login", chromedp.SendKeys(chromedp.ID("name"), "ann"), chromedp.SendKeys(chromedp.ID("password"), "agent-password-1"))
	runStep(s, b, "sign in and load the console", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	s.waitFor(b, "queue item", 10*time.Second, `!!document.querySelector("#queue li.item")`)
	s.do(b, "open packet", chromedp.Click(chromedp.CSS(`#queue li.item`)), chromedp.WaitVisible(chromedp.ID("claim")))
	s.do(b, "claim", chromedp.Click(chromedp.ID("claim")), chromedp.WaitVisible(chromedp.ID("transfer-team")))
	opts := s.waitFor(b, "team choices", 10*time.Second,
		`document.querySelectorAll("#transfer-team option").length > 1 && [...document.querySelectorAll("#transfer-team option")].map(o => o.textContent).join("|")`)
	if opts != "to an agent:|to team billing" {
		t.Errorf("transfer choices = %q, want an agent or team billing", opts)
	}
	s.do(b, "choose team billing", chromedp.SetValue(chromedp.ID("transfer-team"), billing.ID),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("transfer-team").dispatchEvent(new Event("change"))`))
	if !eval[bool](s, b, "agent name hidden", `document.getElementById("transfer-to").hidden`) {
		t.Errorf("the agent name box still shows with a team chosen")
	}
	s.do(b, "transfer", chromedp.Click(chromedp.ID("transfer")))
	s.waitFor(b, "packet closed, queue empty", 10*time.Second,
		`document.getElementById("packet").hidden && !document.querySelector("#queue li.item")`)

	hs, err := st.Handoffs(ctx, kb.HandoffFilter{ConversationID: conv})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].Status != kb.HandoffQueued || hs[0].Team != billing.ID || hs[0].ClaimedBy != "" {
		t.Errorf("hand-offs after the transfer = %s, want one queued for team billing", toJSON(hs))
	}

	speakChinese(s, b)
	runStep(s, b, "reload", 15*time.Second, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Reload()))
	s.waitFor(b, "console in Chinese", 10*time.Second, `document.getElementById("claim").textContent === "接入"`)
	if got := eval[string](s, b, "agent option", `document.querySelector("#transfer-team option").textContent`); got != "转给客服：" {
		t.Errorf("first transfer choice in Chinese = %q", got)
	}
	if ex := b.exceptions(); len(ex) > 0 {
		t.Errorf("console threw: %s", strings.Join(ex, "; "))
	}
}

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

// TestBrowserAdminRouting: in the admin console's policy form an admin
// sets collection default's routing to least-busy and saves; the next
// hand-off in default is routed to ann, the one online agent of the team
// serving it. The control reads in Chinese too.
func TestBrowserAdminRouting(t *testing.T) {
	execPath := chromiumPath(t)
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	ctx := context.Background()
	addStaff(t, srv, "u-root", "root", kb.UserAdmin, "admin-password-1")
	addStaff(t, srv, "u-ann", "ann", kb.UserAgent, "agent-password-1")
	st := srv.App.Store
	addTeam(t, srv, "team-shop", "shop", []string{"u-ann"}, []string{"default"})
	if err := st.SetPresence(ctx, &kb.Presence{UserID: "u-ann", Name: "ann", Status: "online", SeenAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	s := &browserSession{t: t}
	b := s.open(execPath, "admin-routing", artifactsDir(t), 60*time.Second)
	s.do(b, "open login", chromedp.Navigate(base+"/login?next=/admin"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(b, "fill login", chromedp.SendKeys(chromedp.ID("name"), "root"), chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"))
	runStep(s, b, "sign in and load the admin console", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	s.waitFor(b, "the policy form", 10*time.Second, `document.getElementById("policy-answer_threshold").value !== ""`)
	if v := eval[string](s, b, "routing", `document.getElementById("policy-routing").value`); v != "" {
		t.Errorf("routing starts as %q, want none", v)
	}
	s.do(b, "route to the least busy", chromedp.SetValue(chromedp.ID("policy-routing"), "least_busy"), chromedp.Click(chromedp.ID("policy-save")))
	if got := s.waitFor(b, "saved", 10*time.Second, `document.getElementById("policy-status").textContent`); got != "Saved the policy of default." {
		t.Errorf("status = %q", got)
	}
	if r := srv.App.Bot.Policies().For("default").Routing; r != "least_busy" {
		t.Fatalf("default's routing after saving = %q, want least_busy", r)
	}

	cust := client{t, base}
	id, token := cust.start()
	code, m := cust.do("POST", "/api/v1/conversations/"+id+"/handoff", token, "")
	if code != http.StatusOK {
		t.Fatalf("hand-off = %d %v", code, m)
	}
	hs, err := st.Handoffs(ctx, kb.HandoffFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].RoutedTo != "u-ann" {
		t.Errorf("hand-offs = %+v, want one routed to ann", hs)
	}

	speakChinese(s, b)
	runStep(s, b, "reload", 15*time.Second, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Reload()))
	s.waitFor(b, "the form in Chinese", 10*time.Second, `document.getElementById("policy-routing").value === "least_busy"`)
	zh := eval[map[string]string](s, b, "Chinese labels", `({ legend: document.querySelector("#policy-routing-set legend").textContent,
	  option: document.getElementById("policy-routing").selectedOptions[0].textContent })`)
	if zh["legend"] != "转人工分配" || !strings.Contains(zh["option"], "在线") {
		t.Errorf("in Chinese: %v", zh)
	}
	if ex := b.exceptions(); len(ex) > 0 {
		t.Errorf("admin page threw: %s", strings.Join(ex, "; "))
	}
}

package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/kb"
)

// TestBrowserAdminTeams: in the admin console's Teams section an admin
// creates a team, ticks an agent and a collection, adds another
// collection by name and saves; the store then holds exactly that. The
// section reads in Chinese too.
func TestBrowserAdminTeams(t *testing.T) {
	execPath := chromiumPath(t)
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	addStaff(t, srv, "u-root", "root", kb.UserAdmin, "admin-password-1")
	addStaff(t, srv, "u-ann", "ann", kb.UserAgent, "agent-password-1")

	s := &browserSession{t: t}
	b := s.open(execPath, "admin-teams", artifactsDir(t), 60*time.Second)
	s.do(b, "open login", chromedp.Navigate(base+"/login?next=/admin"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(b, "fill login", chromedp.SendKeys(chromedp.ID("name"), "root"), chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"))
	runStep(s, b, "sign in and load the admin console", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	s.waitFor(b, "no teams yet", 10*time.Second, `!document.getElementById("no-teams").hidden`)

	s.do(b, "name a team", chromedp.SendKeys(chromedp.ID("team-new-name"), "billing"))
	s.do(b, "create it", chromedp.Click(chromedp.ID("team-create")))
	row := `#teams tr.team[data-name="billing"]`
	s.waitFor(b, "the new team's row", 10*time.Second, `!!document.querySelector(`+jsString(row+` .members input[value="u-ann"]`)+`)`)
	s.do(b, "choose members and collections",
		chromedp.Click(chromedp.CSS(row+` .members input[value="u-ann"]`)),
		chromedp.Click(chromedp.CSS(row+` .collections input[value="default"]`)),
		chromedp.SendKeys(chromedp.CSS(row+` input.more`), "other"),
		chromedp.Click(chromedp.CSS(row+` button.save`)))
	s.waitFor(b, "saved", 10*time.Second, `document.getElementById("teams-status").textContent.indexOf("Saved") === 0 &&
	  !!document.querySelector(`+jsString(row+` .collections input[value="other"]:checked`)+`)`)

	ts, err := srv.App.Store.Teams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Name != "billing" || !slices.Equal(ts[0].Members, []string{"u-ann"}) || !slices.Equal(ts[0].Collections, []string{"default", "other"}) {
		t.Errorf("teams after saving = %+v, want billing with ann serving default and other", ts)
	}
	if text := eval[string](s, b, "page text", `document.body.innerText`); strings.Contains(text, "undefined") {
		t.Errorf("the page shows undefined:\n%s", text)
	}
	s.shot(b, "admin-5-teams")

	speakChinese(s, b)
	runStep(s, b, "reload", 15*time.Second, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Reload()))
	s.waitFor(b, "teams in Chinese", 10*time.Second, `!!document.querySelector(`+jsString(row)+`)`)
	zh := eval[map[string]string](s, b, "Chinese labels", `({ title: document.querySelector("#teams-section h2").textContent,
	  save: document.querySelector(`+jsString(row+` button.save`)+`).textContent, text: document.body.innerText })`)
	if zh["title"] != "团队" || zh["save"] != "保存" || strings.Contains(zh["text"], "undefined") {
		t.Errorf("in Chinese: title %q, save %q", zh["title"], zh["save"])
	}
	if ex := b.exceptions(); len(ex) > 0 {
		t.Errorf("admin page threw: %s", strings.Join(ex, "; "))
	}
}

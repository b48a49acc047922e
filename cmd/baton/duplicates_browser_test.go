package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/kb"
)

// TestBrowserMergeDuplicates: an editor opens the near-duplicates tab,
// sees the two password-reset articles as one group, merges them with one
// click, and the group is gone; the store holds one article with both
// articles' questions.
func TestBrowserMergeDuplicates(t *testing.T) {
	requireModel(t)
	execPath := chromiumPath(t)
	srv := launch(t, dataWithDuplicates(t), nil)
	base := "http://" + srv.Addr()
	addStaff(t, srv, "u-eve", "eve", kb.UserEditor, "editor-password-1")
	dir := artifactsDir(t)
	s := &browserSession{t: t}
	ed := s.open(execPath, "editor", dir, 60*time.Second)

	s.do(ed, "open login", chromedp.Navigate(base+"/login?next=/editor%23duplicates"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(ed, "fill login", chromedp.SendKeys(chromedp.ID("name"), "eve"), chromedp.SendKeys(chromedp.ID("password"), "editor-password-1"))
	runStep(s, ed, "sign in", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	s.do(ed, "duplicates tab", chromedp.Click(chromedp.CSS(`#tabs button[data-tab=duplicates]`)), chromedp.WaitVisible(chromedp.ID("tab-duplicates")))
	members := s.waitFor(ed, "groups listed", 10*time.Second,
		`document.querySelectorAll("#dup-groups li.dup-group").length > 0 && JSON.stringify([...document.querySelectorAll("#dup-groups li.dup-group")].map(g => [...g.querySelectorAll("li.member")].map(m => m.dataset.id)))`)
	if !strings.Contains(members, `["default/reset-a","default/reset-b"]`) {
		t.Fatalf("groups %s, want the two password-reset articles together", members)
	}
	s.shot(ed, "duplicates-1-listed")
	// The merge asks for confirmation; the test says yes.
	s.do(ed, "merge", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`#dup-groups li.member[data-id="default/reset-a"] button.merge`)))
	s.waitFor(ed, "group gone", 10*time.Second, `!document.querySelector('#dup-groups li.member[data-id="default/reset-b"]')`)
	s.shot(ed, "duplicates-2-merged")

	checkMerged(t, srv)
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/kb"
)

// editorDump is what a failure shows of the editor page, beside the
// generic dump browser_test.go makes.
const editorDump = `JSON.stringify((() => {
  const text = (sel) => { const e = document.querySelector(sel); return e ? (e.hidden ? "[hidden] " : "") + e.innerText : null; };
  return {
    url: location.href, error: text("#error"), job: text("#job"), jobs: text("#jobs"),
    articles: text("#articles"), state: text("#edit-state"), message: text("#edit-message"),
    versions: text("#versions"), diff: text("#diff"), search: text("#search-results"),
  };
})(), null, 1)`

// TestBrowserEditorUpload drives the editor console in headless Chromium:
// an editor signs in, uploads a good article and two bad files through
// the file input and watches the job finish with per-file results; asks
// the retrieval console a question the new article answers; then edits
// and publishes it and reads version 2's diff in the history. (The staff
// event stream admits agents and admins only, so an editor's page follows
// the job by polling.)
func TestBrowserEditorUpload(t *testing.T) {
	execPath := chromiumPath(t)
	began := time.Now()
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	ctx := context.Background()
	addStaff(t, srv, "u-eve", "eve", kb.UserEditor, "editor-password-1")
	const (
		articleID = "default/gift-cards"
		oldLine   = "Gift cards can be bought in amounts from 10 to 500 euros and never expire."
		newLine   = "Gift cards come in amounts from 10 to 1000 euros; they never expire and work online and in every shop."
		question  = "do gift cards expire?"
	)
	src := t.TempDir()
	files := map[string]string{
		"gift-cards.md": "# Gift cards\n\n" + oldLine + "\n",
		"virus.exe":     "MZ\x90\x00 not a document",
		"empty.txt":     "",
	}
	var paths []string
	for _, name := range []string{"gift-cards.md", "virus.exe", "empty.txt"} {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, []byte(files[name]), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	dir := artifactsDir(t)
	t.Logf("screenshots go to %s", dir)

	s := &browserSession{t: t}
	ed := s.open(execPath, "editor", dir, 60*time.Second)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		c, cancel := context.WithTimeout(ed.ctx, 5*time.Second)
		defer cancel()
		if dump, err := chromedp.Run(c, chromedp.Evaluate[string](editorDump)); err == nil {
			t.Logf("--- editor page:\n%s", dump)
		}
	})
	started := time.Now()
	t.Logf("server and browser started after %v", started.Sub(began).Round(time.Millisecond))
	lap := started
	timing := func(what string) {
		t.Logf("%s took %v", what, time.Since(lap).Round(time.Millisecond))
		lap = time.Now()
	}

	// 1. The editor signs in and lands on the editor console.
	s.do(ed, "open login", chromedp.Navigate(base+"/login?next=/editor"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(ed, "fill login",
		chromedp.SendKeys(chromedp.ID("name"), "eve"),
		chromedp.SendKeys(chromedp.ID("password"), "editor-password-1"))
	runStep(s, ed, "sign in and load the editor", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	if loc := runStep(s, ed, "location", 5*time.Second, chromedp.Location()); !strings.Contains(loc, "/editor") {
		s.fail(ed, "after sign-in", fmt.Errorf("at %s, want /editor", loc))
	}
	s.do(ed, "upload form", chromedp.WaitVisible(chromedp.ID("upload-form")))
	timing("sign-in")

	// 2. Three files through the real file input: one article, an
	// executable and an empty text file.
	s.do(ed, "choose files", chromedp.SetUploadFiles(chromedp.ID("files"), paths))
	s.waitFor(ed, "chosen files listed", 5*time.Second, `document.querySelectorAll("#selected li").length === 3`)
	s.do(ed, "upload", chromedp.Click(chromedp.ID("upload-submit")))
	progress := s.waitFor(ed, "progress reaches 3/3", 20*time.Second,
		`(() => { const p = document.getElementById("progress");
		  return p.getAttribute("aria-valuemax") === "3" && p.getAttribute("aria-valuenow") === "3" &&
		    document.getElementById("job").dataset.status === "done" && document.getElementById("progress-text").textContent; })()`)
	if !strings.HasPrefix(progress, "3/3 files") || strings.Contains(progress, " 0 passages") {
		t.Errorf("progress text = %q, want 3/3 files and some passages", progress)
	}
	rows := eval[[]map[string]string](s, ed, "file results",
		`[...document.querySelectorAll("#file-results tbody tr")].map(tr => ({
		   cls: tr.className, name: tr.querySelector(".name").textContent, status: tr.querySelector(".status").textContent,
		   reason: tr.querySelector(".detail").textContent, bg: getComputedStyle(tr).backgroundColor }))`)
	got := map[string]map[string]string{}
	for _, r := range rows {
		got[r["name"]] = r
	}
	if len(rows) != 3 || got["gift-cards.md"]["cls"] != "ingested" || got["virus.exe"]["cls"] != "rejected" || got["empty.txt"]["cls"] != "rejected" {
		t.Errorf("file results = %v, want gift-cards.md ingested and the other two rejected", rows)
	}
	if r := got["virus.exe"]["reason"]; !strings.Contains(r, "unsupported file type") {
		t.Errorf("reason shown for virus.exe = %q", r)
	}
	if r := got["empty.txt"]["reason"]; strings.TrimSpace(r) == "" {
		t.Errorf("no reason shown for empty.txt")
	}
	if bg, plain := got["virus.exe"]["bg"], got["gift-cards.md"]["bg"]; bg == plain {
		t.Errorf("rejected row is not highlighted: background %s, same as an ingested row", bg)
	}
	s.waitFor(ed, "recent jobs list", 5*time.Second, `document.querySelectorAll("#jobs tbody tr").length === 1`)
	s.shot(ed, "editor-1-upload-done")
	timing("upload")

	// 3. The retrieval console finds the new article first.
	s.do(ed, "open retrieval console", chromedp.Click(chromedp.CSS(`#tabs button[data-tab=search]`)),
		chromedp.WaitVisible(chromedp.ID("search-question")))
	s.do(ed, "ask", chromedp.SendKeys(chromedp.ID("search-question"), question),
		chromedp.Click(chromedp.CSS(`#search-form button[type=submit]`)))
	first := s.waitFor(ed, "ranked passages", 10*time.Second,
		`(() => { const a = document.querySelector("#search-passages li.passage a.open-article"); return a && a.dataset.id; })()`)
	if first != articleID {
		t.Errorf("first passage = %q, want %s", first, articleID)
	}
	verdict := eval[map[string]string](s, ed, "verdict",
		`({band: document.getElementById("search-band").textContent, conf: document.getElementById("search-confidence").textContent,
		   answer: document.getElementById("search-answer").textContent,
		   score: document.querySelector("#search-passages li.passage .score").textContent})`)
	if verdict["band"] != "answer" || !strings.HasSuffix(verdict["conf"], "%") || !strings.Contains(verdict["answer"], "never expire") ||
		!strings.HasPrefix(verdict["score"], "score ") {
		t.Errorf("retrieval console shows %v", verdict)
	}
	s.shot(ed, "editor-2-retrieval")
	timing("retrieval console")

	// 4. Open the article from its title, change the body and publish.
	s.do(ed, "open the article", chromedp.Click(chromedp.CSS(`#search-passages li.passage a.open-article`)),
		chromedp.WaitVisible(chromedp.ID("article-editor")))
	s.waitFor(ed, "form prefilled", 5*time.Second,
		`document.getElementById("edit-title").value === "Gift cards" && document.getElementById("edit-body").value.includes(`+jsString(oldLine)+`) &&
		 !!document.querySelector('#articles li.selected[data-id=`+jsString(articleID)+`] .badge.version')`)
	s.do(ed, "edit the body",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("edit-body").value = ""`),
		chromedp.SendKeys(chromedp.ID("edit-body"), newLine),
		chromedp.Click(chromedp.ID("publish")))
	state := s.waitFor(ed, "published as version 2", 10*time.Second,
		`!!document.querySelector('#versions li[data-version="2"]') && document.getElementById("edit-message-text").textContent.includes("Published version 2") &&
		 document.getElementById("edit-state").textContent`)
	if !strings.HasPrefix(state, "Published version 2") {
		t.Errorf("state line = %q", state)
	}
	a, err := srv.App.Store.Article(ctx, articleID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Version != 2 || !strings.Contains(a.Body, newLine) {
		t.Errorf("stored article = version %d, body %q", a.Version, a.Body)
	}
	if d, err := srv.App.Store.Draft(ctx, articleID); err == nil {
		t.Errorf("a draft is left after publishing: %+v", d)
	}
	s.waitFor(ed, "list shows v2", 5*time.Second,
		`(document.querySelector('#articles li[data-id=`+jsString(articleID)+`] .badge.version') || {}).textContent === "v2"`)

	// 5. The history shows what changed.
	s.do(ed, "diff v1 against current", chromedp.Click(chromedp.CSS(`#versions li[data-version="1"] button.diff`)))
	s.waitFor(ed, "diff shown", 5*time.Second, `!document.getElementById("diff-box").hidden && !!document.querySelector("#diff .add")`)
	diff := eval[map[string]string](s, ed, "read the diff", `(() => { const d = document.getElementById("diff"); return {
		  del: [...d.querySelectorAll(".del")].map(e => e.textContent).join(""), add: [...d.querySelectorAll(".add")].map(e => e.textContent).join(""),
		  delColor: getComputedStyle(d.querySelector(".del")).color, addColor: getComputedStyle(d.querySelector(".add")).color }; })()`)
	if !strings.Contains(diff["del"], "-"+oldLine) || !strings.Contains(diff["add"], "+"+newLine) {
		t.Errorf("diff removed %q and added %q", diff["del"], diff["add"])
	}
	if diff["delColor"] == diff["addColor"] {
		t.Errorf("added and removed lines have the same colour %s", diff["addColor"])
	}
	s.shot(ed, "editor-3-published-diff")
	timing("edit, publish and diff")

	// 6. The audit log says who did it.
	s.do(ed, "open audit log", chromedp.Click(chromedp.CSS(`#tabs button[data-tab=audit]`)))
	s.waitFor(ed, "audit entries", 5*time.Second,
		`[...document.querySelectorAll("#audit tbody tr")].some(tr => tr.innerText.includes("eve") && tr.innerText.includes("article.publish")) &&
		 [...document.querySelectorAll("#audit tbody tr")].some(tr => tr.innerText.includes("job.create"))`)
	s.shot(ed, "editor-4-audit")

	// 7. The editor writes the chat page's greeting and starter questions;
	// a customer opening the page gets them.
	const greeting = "Welcome to the walrus shop! Ask about returns, refunds or gift cards."
	s.do(ed, "open the welcome tab", chromedp.Click(chromedp.CSS(`#tabs button[data-tab=welcome]`)), chromedp.WaitVisible(chromedp.ID("welcome-greeting-en")))
	s.waitFor(ed, "welcome loaded", 5*time.Second, `document.getElementById("welcome-greeting-en").value === "" && document.getElementById("welcome-starters-en").value === ""`)
	s.do(ed, "write the welcome",
		chromedp.SendKeys(chromedp.ID("welcome-greeting-en"), greeting),
		chromedp.SendKeys(chromedp.ID("welcome-starters-en"), "Do gift cards expire?\n\nHow do I send something back?\n"),
		chromedp.Click(chromedp.ID("welcome-save")))
	s.waitFor(ed, "welcome saved", 10*time.Second, `document.getElementById("welcome-status").textContent.startsWith("Saved")`)
	if got := eval[string](s, ed, "starters kept", `document.getElementById("welcome-starters-en").value`); got != "Do gift cards expire?\nHow do I send something back?" {
		t.Errorf("starters after saving = %q, want the two, blank lines dropped", got)
	}
	s.shot(ed, "editor-5-welcome")
	customer := s.open(execPath, "customer", dir, 30*time.Second)
	s.do(customer, "open the chat page", chromedp.Navigate(base+"/chat"), chromedp.WaitVisible(chromedp.ID("text")))
	shown := s.waitFor(customer, "the editor's welcome", 10*time.Second,
		`(() => { const w = document.getElementById("welcome"); return w && w.innerText.includes("walrus") && w.innerText; })()`)
	if !strings.Contains(shown, greeting) || !strings.Contains(shown, "Do gift cards expire?") || !strings.Contains(shown, "How do I send something back?") {
		t.Errorf("chat page welcome = %q, want the editor's greeting and starters", shown)
	}
	if ex := customer.exceptions(); len(ex) > 0 {
		t.Errorf("chat page threw: %s", strings.Join(ex, "; "))
	}

	if ex := ed.exceptions(); len(ex) > 0 {
		t.Errorf("editor page threw: %s", strings.Join(ex, "; "))
	}
	t.Logf("browser editor flow took %v (%v after start-up)", time.Since(began).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}

package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/kb"
)

// seedAnswered has the bot answer n questions in the default collection,
// one conversation each.
func seedAnswered(t *testing.T, c client, n int) {
	t.Helper()
	for range n {
		id, token := c.start()
		if code, m := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"what is your return policy"}`); code != http.StatusOK || m["reply"].(map[string]any)["band"] != "answer" {
			t.Fatalf("seed turn = %d %v, want an answer", code, m)
		}
	}
}

// signInAdmin signs root in on b and waits for the policy form.
func signInAdmin(s *browserSession, b *tab, base string) {
	s.do(b, "open login", chromedp.Navigate(base+"/login?next=/admin"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(b, "fill login", chromedp.SendKeys(chromedp.ID("name"), "root"), chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"))
	runStep(s, b, "sign in and load the admin console", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	s.waitFor(b, "policy form filled", 10*time.Second, `document.getElementById("policy-answer_threshold").value !== ""`)
}

// TestBrowserAdminPolicy drives the hand-off policy section: the admin
// raises the thresholds, sees the preview count the hand-offs that
// would add over the week's turns, is stopped by a value out of range,
// saves, reloads to find the saved value, and reads it all in Chinese.
func TestBrowserAdminPolicy(t *testing.T) {
	execPath := chromiumPath(t)
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	addStaff(t, srv, "u-root", "root", kb.UserAdmin, "admin-password-1")
	seedAnswered(t, client{t, base}, 3)
	dir := artifactsDir(t)
	s := &browserSession{t: t}
	b := s.open(execPath, "admin-policy", dir, 60*time.Second)

	signInAdmin(s, b, base)
	form := eval[map[string]any](s, b, "the form", `({ coll: document.getElementById("policy-collection").value,
	  answer: document.getElementById("policy-answer_threshold").value, handoff: document.getElementById("policy-handoff_threshold").value,
	  miss: document.getElementById("policy-on-repeated_miss").checked, legal: document.querySelector("#policy-topics input[value=legal]").checked,
	  self: document.getElementById("policy-self_handoff").checked, measured: document.getElementById("policy-self-measured").textContent })`)
	if form["coll"] != "default" || form["answer"] != "0.7" || form["handoff"] != "0.28" || form["miss"] != true || form["legal"] != true || form["self"] != true {
		t.Errorf("the form shows %v, want the default policy of collection default", form)
	}
	// The fixtures' five articles have too few similar questions to measure on.
	if m, _ := form["measured"].(string); !strings.HasPrefix(m, "Not measured") {
		t.Errorf("measured threshold shown as %q, want not measured", m)
	}

	// 1. A value out of range is refused in the page.
	s.do(b, "out of range", chromedp.SetValue(chromedp.ID("policy-handoff_threshold"), "1.5"), chromedp.Click(chromedp.ID("policy-preview-run")))
	if msg := s.waitFor(b, "range error", 5*time.Second, `!document.getElementById("policy-error").hidden && document.getElementById("policy-error").textContent`); !strings.Contains(msg, "between 0 and 1") {
		t.Errorf("error = %q, want the range", msg)
	}

	// 2. Near-certainty previewed: every answered turn would hand off.
	s.do(b, "raise the thresholds", chromedp.SetValue(chromedp.ID("policy-answer_threshold"), "0.999"),
		chromedp.SetValue(chromedp.ID("policy-handoff_threshold"), "0.998"), chromedp.Click(chromedp.ID("policy-preview-run")))
	sum := s.waitFor(b, "preview", 10*time.Second, `!document.getElementById("policy-preview").hidden && document.getElementById("policy-preview-summary").textContent`)
	if sum != "3 more hand-offs in the last 7 days (of 3 turns)." {
		t.Errorf("preview = %q", sum)
	}
	if !eval[bool](s, b, "error cleared", `document.getElementById("policy-error").hidden`) {
		t.Errorf("the range error is still shown after a valid preview")
	}
	rows := eval[string](s, b, "preview rows", `[...document.querySelectorAll("#policy-preview-detail tbody tr")].map(tr => tr.dataset.row + " " + tr.querySelector(".now").textContent + " " + tr.querySelector(".then").textContent).join("; ")`)
	for _, want := range []string{"handoffs 0 3", "answered 3 0", "reason_low_confidence 0 3"} {
		if !strings.Contains(rows, want) {
			t.Errorf("preview rows %q lack %q", rows, want)
		}
	}
	if got := srv.App.Bot.Policies().For("default").AnswerThreshold; got != 0.7 {
		t.Errorf("after the preview the answer threshold is %v, want 0.7 until saved", got)
	}
	s.shot(b, "policy-1-preview")

	// 3. Save, with the measured threshold turned off, then reload: the
	// saved values.
	s.do(b, "save", chromedp.Click(chromedp.ID("policy-self_handoff")), chromedp.Click(chromedp.ID("policy-save")))
	if st := s.waitFor(b, "saved", 10*time.Second, `document.getElementById("policy-status").textContent`); st != "Saved the policy of default." {
		t.Errorf("status = %q", st)
	}
	if p := srv.App.Bot.Policies().For("default"); p.AnswerThreshold != 0.999 || p.HandoffThreshold != 0.998 || p.SelfHandoff || p.RepeatedMiss != 2 || len(p.SensitiveTopics) != 5 {
		t.Errorf("saved policy = %+v, want the thresholds changed, self_handoff off and nothing else", p)
	}
	runStep(s, b, "reload", 15*time.Second, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Reload()))
	if got := s.waitFor(b, "saved value shown", 10*time.Second, `document.getElementById("policy-answer_threshold").value`); got != "0.999" {
		t.Errorf("after reload the answer threshold shows %q, want 0.999", got)
	}

	// 4. In Chinese: lowering them back would hand off 3 fewer.
	speakChinese(s, b)
	runStep(s, b, "reload in Chinese", 15*time.Second, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Reload()))
	s.waitFor(b, "form in Chinese", 10*time.Second, `document.getElementById("policy-answer_threshold").value === "0.999"`)
	s.do(b, "lower the thresholds", chromedp.SetValue(chromedp.ID("policy-answer_threshold"), "0.7"),
		chromedp.SetValue(chromedp.ID("policy-handoff_threshold"), "0.28"), chromedp.Click(chromedp.ID("policy-preview-run")))
	sum = s.waitFor(b, "preview in Chinese", 10*time.Second, `!document.getElementById("policy-preview").hidden && document.getElementById("policy-preview-summary").textContent`)
	if sum != "最近 7 天将少 3 次转人工（共 3 轮）。" {
		t.Errorf("Chinese preview = %q", sum)
	}
	zh := eval[map[string]string](s, b, "Chinese labels", `({ title: document.querySelector("#policy-section h2").textContent,
	  save: document.getElementById("policy-save").textContent, text: document.body.innerText })`)
	if zh["title"] != "转人工策略" || zh["save"] != "保存" {
		t.Errorf("in Chinese: title %q, save %q", zh["title"], zh["save"])
	}
	if strings.Contains(zh["text"], "undefined") {
		t.Errorf("the Chinese page shows undefined:\n%s", zh["text"])
	}
	s.shot(b, "policy-2-zh")
	if ex := b.exceptions(); len(ex) > 0 {
		t.Errorf("admin page threw: %s", strings.Join(ex, "; "))
	}
}

// TestBrowserAdminPolicyFile: with a --policy file the form is read-only
// and says why; saving is not offered.
func TestBrowserAdminPolicyFile(t *testing.T) {
	execPath := chromiumPath(t)
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, []byte("default:\n  answer_threshold: 0.6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := launch(t, "", func(c *Config) { c.Policy = file })
	base := "http://" + srv.Addr()
	addStaff(t, srv, "u-root", "root", kb.UserAdmin, "admin-password-1")
	s := &browserSession{t: t}
	b := s.open(execPath, "admin-policy-file", artifactsDir(t), 60*time.Second)
	signInAdmin(s, b, base)
	got := eval[map[string]any](s, b, "read-only form", `({ answer: document.getElementById("policy-answer_threshold").value,
	  fields: document.getElementById("policy-fields").disabled, save: document.getElementById("policy-save").disabled,
	  shown: !document.getElementById("policy-readonly").hidden, msg: document.getElementById("policy-readonly").textContent })`)
	if got["answer"] != "0.6" || got["fields"] != true || got["save"] != true || got["shown"] != true || !strings.Contains(got["msg"].(string), "--policy") {
		t.Errorf("with a policy file the form is %v, want 0.6, read-only, with the reason", got)
	}
}

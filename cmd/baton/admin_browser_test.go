package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/web"
)

// adminDump is what a failure shows of the admin page.
const adminDump = `JSON.stringify((() => {
  const text = (sel) => { const e = document.querySelector(sel); return e ? (e.hidden ? "[hidden] " : "") + e.innerText : null; };
  return { url: location.href, error: text("#error"), staff: text("#staff"), status: text("#add-status"), audit: text("#audit"),
    keyDialog: document.getElementById("key-dialog") && document.getElementById("key-dialog").open };
})(), null, 1)`

// TestBrowserAdminStaff drives the admin console in headless Chromium:
// an admin signs in, adds an agent, creates an API key for them and sees
// it once (the key works, and is gone from the page once the dialog
// closes), disables the agent (the key stops working), is refused when
// disabling themself (the last admin), reads the staff changes in the
// audit log, then reads the page in Chinese.
func TestBrowserAdminStaff(t *testing.T) {
	execPath := chromiumPath(t)
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	ctx := context.Background()
	addStaff(t, srv, "u-root", "root", kb.UserAdmin, "admin-password-1")
	dir := artifactsDir(t)
	t.Logf("screenshots go to %s", dir)

	s := &browserSession{t: t}
	b := s.open(execPath, "admin", dir, 60*time.Second)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		c, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		defer cancel()
		if dump, err := chromedp.Run(c, chromedp.Evaluate[string](adminDump)); err == nil {
			t.Logf("--- admin page:\n%s", dump)
		}
	})
	row := func(name string) string { return `#staff tr.user[data-name=` + jsString(name) + `]` }
	keyStatus := func(key string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/v1/handoffs", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	// 1. The admin signs in and lands on the admin console.
	s.do(b, "open login", chromedp.Navigate(base+"/login?next=/admin"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(b, "fill login", chromedp.SendKeys(chromedp.ID("name"), "root"), chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"))
	runStep(s, b, "sign in and load the admin console", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	if loc := runStep(s, b, "location", 5*time.Second, chromedp.Location()); !strings.HasSuffix(loc, "/admin") {
		s.fail(b, "after sign-in", fmt.Errorf("at %s, want /admin", loc))
	}
	s.waitFor(b, "staff table", 10*time.Second, `!!document.querySelector(`+jsString(row("root"))+`)`)

	// 2. Add an agent.
	s.do(b, "fill the add form",
		chromedp.SendKeys(chromedp.ID("add-name"), "ann"),
		chromedp.SetValue(chromedp.ID("add-role"), "agent"),
		chromedp.SendKeys(chromedp.ID("add-password"), "agent-password-1"),
		chromedp.Click(chromedp.ID("add-submit")))
	added := s.waitFor(b, "ann listed", 10*time.Second,
		`!!document.querySelector(`+jsString(row("ann"))+`) && document.getElementById("add-status").textContent`)
	if added != "Added Agent ann." {
		t.Errorf("add status = %q", added)
	}
	ann, err := srv.App.Store.UserByName(ctx, "ann")
	if err != nil || ann.Role != kb.UserAgent || ann.Disabled {
		t.Fatalf("stored ann = %+v, %v; want an enabled agent", ann, err)
	}
	cells := eval[map[string]string](s, b, "ann's row", `(() => { const r = document.querySelector(`+jsString(row("ann"))+`);
	  return { role: r.querySelector("select.role").value, state: r.querySelector(".status").textContent, keys: r.querySelector("button.keys").textContent }; })()`)
	if cells["role"] != "agent" || cells["state"] != "enabled" || cells["keys"] != "no keys" {
		t.Errorf("ann's row = %v", cells)
	}

	// 3. A key for ann, shown once.
	s.do(b, "create a key", chromedp.Click(chromedp.CSS(row("ann")+` button.new-key`)))
	key := s.waitFor(b, "key dialog", 10*time.Second,
		`document.getElementById("key-dialog").open && document.getElementById("key-value").textContent`)
	if !keyRE.MatchString(key) {
		t.Fatalf("the dialog shows %q, want a bk_ key", key)
	}
	if note := eval[string](s, b, "note", `document.querySelector("#key-dialog .note").textContent`); !strings.Contains(note, "shown only once") {
		t.Errorf("key dialog note = %q", note)
	}
	if got := keyStatus(key); got != http.StatusOK {
		t.Errorf("the new key calls the queue: %d, want 200", got)
	}
	s.do(b, "copy", chromedp.Click(chromedp.ID("key-copy")))
	s.waitFor(b, "copy answered", 5*time.Second, `document.getElementById("key-copied").textContent !== ""`)
	s.shot(b, "admin-2-key")
	s.do(b, "close the dialog", chromedp.Click(chromedp.ID("key-close")))
	s.waitFor(b, "dialog closed, one key", 10*time.Second,
		`!document.getElementById("key-dialog").open && document.querySelector(`+jsString(row("ann"))+` + " button.keys").textContent === "1 key"`)
	if html := eval[string](s, b, "page html", `document.documentElement.outerHTML`); strings.Contains(html, key) {
		t.Errorf("the key is still in the page after the dialog closed")
	}
	s.do(b, "list ann's keys", chromedp.Click(chromedp.CSS(row("ann")+` button.keys`)))
	s.waitFor(b, "key listed", 10*time.Second, `document.querySelectorAll("#staff tr.keys-row li.key.live").length === 1`)

	// 4. Disable ann: the row says so and her key stops working.
	s.do(b, "disable ann", chromedp.Click(chromedp.CSS(row("ann")+` button.toggle`)))
	s.waitFor(b, "ann disabled", 10*time.Second,
		`(() => { const r = document.querySelector(`+jsString(row("ann"))+`); return r && r.classList.contains("disabled") && r.querySelector(".status .state.disabled") && r.querySelector("button.toggle").textContent === "Enable"; })()`)
	if got := keyStatus(key); got != http.StatusUnauthorized {
		t.Errorf("a disabled agent's key: %d, want 401", got)
	}
	if u, err := srv.App.Store.UserByName(ctx, "ann"); err != nil || !u.Disabled {
		t.Errorf("stored ann after disabling = %+v, %v", u, err)
	}

	// 5. The last admin cannot disable themself.
	s.do(b, "disable root", chromedp.Click(chromedp.CSS(row("root")+` button.toggle`)))
	msg := s.waitFor(b, "refused", 10*time.Second, `!document.getElementById("error").hidden && document.getElementById("error").textContent`)
	if !strings.Contains(msg, "last enabled admin") {
		t.Errorf("error shown = %q, want the last-admin refusal", msg)
	}
	if u, _ := srv.App.Store.UserByName(ctx, "root"); u.Disabled {
		t.Errorf("root was disabled")
	}

	// 6. The staff changes, in the audit log at the bottom.
	audit := s.waitFor(b, "audit rows", 10*time.Second,
		`document.querySelectorAll("#audit tbody tr").length >= 3 && [...document.querySelectorAll("#audit tbody tr")].map(tr =>
		  tr.querySelector(".actor").textContent + " " + tr.querySelector(".action").title + " " + tr.querySelector(".target").textContent + ": " + tr.querySelector(".detail").textContent).join("\n")`)
	for _, want := range []string{"root user.update ann: status: enabled → disabled", "root user.key ann: key ", "root user.add ann: role Agent, with a password"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log lacks %q:\n%s", want, audit)
		}
	}
	s.shot(b, "admin-1-staff")

	// The other kinds of change, one at a time or all: a policy change
	// (as the policy form records it) is not among the staff changes.
	if err := srv.App.Store.AddAudit(ctx, &kb.AuditEntry{At: time.Now(), Actor: "root", Action: "policy.update", Target: "default",
		Detail: `{"before":{"answer_threshold":0.7},"after":{"answer_threshold":0.8}}`}); err != nil {
		t.Fatal(err)
	}
	rows := `[...document.querySelectorAll("#audit tbody tr")].map(tr => tr.querySelector(".action").title + " " + tr.querySelector(".target").textContent + ": " + tr.querySelector(".detail").textContent).join("\n")`
	s.do(b, "refresh staff changes", chromedp.Click(chromedp.ID("audit-refresh")))
	if got := s.waitFor(b, "staff changes only", 10*time.Second, `document.querySelectorAll("#audit tbody tr").length >= 3 && `+rows); strings.Contains(got, "policy.update") {
		t.Errorf("staff changes list a policy change:\n%s", got)
	}
	kind := func(v string) {
		s.do(b, "audit kind "+v, chromedp.SetValue(chromedp.ID("audit-kind"), v),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("audit-kind").dispatchEvent(new Event("change"))`))
	}
	kind("policy.")
	if got := s.waitFor(b, "policy changes", 10*time.Second, `document.querySelectorAll("#audit tbody tr").length === 1 && `+rows); got != "policy.update default: answer_threshold: 0.7 → 0.8" {
		t.Errorf("policy changes = %q", got)
	}
	kind("team.")
	s.waitFor(b, "no team changes", 10*time.Second, `document.querySelectorAll("#audit tbody tr").length === 0 && !document.getElementById("no-audit").hidden`)
	kind("")
	all := s.waitFor(b, "every change", 10*time.Second, `document.querySelectorAll("#audit tbody tr").length >= 4 && `+rows)
	if !strings.Contains(all, "policy.update") || !strings.Contains(all, "user.add ann") {
		t.Errorf("everything lacks the policy or the staff change:\n%s", all)
	}
	kind("user.")

	// 7. In Chinese.
	speakChinese(s, b)
	runStep(s, b, "reload", 15*time.Second, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Reload()))
	s.waitFor(b, "staff table in Chinese", 10*time.Second, `!!document.querySelector(`+jsString(row("ann"))+`) && document.querySelectorAll("#audit tbody tr").length >= 3`)
	zh := eval[map[string]string](s, b, "Chinese labels", `(() => { const r = document.querySelector(`+jsString(row("ann"))+`);
	  return { lang: document.documentElement.lang, tab: document.querySelector("#tabs button").textContent,
	    role: r.querySelector("select.role").selectedOptions[0].textContent, state: r.querySelector(".status").textContent,
	    toggle: r.querySelector("button.toggle").textContent, add: document.getElementById("add-submit").textContent,
	    text: document.body.innerText }; })()`)
	if zh["lang"] != "zh-CN" || zh["tab"] != "员工" || zh["role"] != "客服" || zh["state"] != "已停用" || zh["toggle"] != "启用" || zh["add"] != "添加" {
		t.Errorf("in Chinese: %v", zh)
	}
	if strings.Contains(zh["text"], "undefined") {
		t.Errorf("the Chinese page shows undefined:\n%s", zh["text"])
	}
	s.shot(b, "admin-3-zh")

	if ex := b.exceptions(); len(ex) > 0 {
		t.Errorf("admin page threw: %s", strings.Join(ex, "; "))
	}
}

// TestBrowserAdminIntegrations: in the admin console's Integrations
// section an admin sees the webhook's URL without its token, sends a test
// event, and reads the receiver's status and answer; the receiver got one
// webhook.test with a good signature. The admin then sets a new URL and
// secret in the form (the next test event goes there, signed with the
// new secret), and clears it (the webhook is off). The form reads in
// Chinese too.
func TestBrowserAdminIntegrations(t *testing.T) {
	execPath := chromiumPath(t)
	const secret, newSecret = "whsec-browser", "whsec-browser-typed"
	got := make(chan error, 4)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		key := secret
		if r.URL.Path == "/moved" {
			key = newSecret
		}
		if err := web.VerifyWebhook(key, r.Header, b, time.Minute); err != nil || r.Header.Get("X-Baton-Event") != "webhook.test" {
			got <- fmt.Errorf("event %q at %s, signature: %v", r.Header.Get("X-Baton-Event"), r.URL.Path, err)
		} else {
			got <- nil
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "thanks from the receiver")
	}))
	t.Cleanup(rc.Close)
	srv := launch(t, "", func(cfg *Config) { cfg.WebhookURL, cfg.WebhookSecret = rc.URL+"/hook?token=browser-token", secret })
	base := "http://" + srv.Addr()
	addStaff(t, srv, "u-root", "root", kb.UserAdmin, "admin-password-1")

	s := &browserSession{t: t}
	b := s.open(execPath, "admin-integrations", artifactsDir(t), 60*time.Second)
	s.do(b, "open login", chromedp.Navigate(base+"/login?next=/admin"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(b, "fill login", chromedp.SendKeys(chromedp.ID("name"), "root"), chromedp.SendKeys(chromedp.ID("password"), "admin-password-1"))
	runStep(s, b, "sign in and load the admin console", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	shown := s.waitFor(b, "webhook url", 10*time.Second,
		`!document.getElementById("webhook-url").hidden && !document.getElementById("webhook-test").disabled && document.getElementById("webhook-url").textContent`)
	if shown != rc.URL+"/hook" {
		t.Errorf("webhook url shown as %q, want %q", shown, rc.URL+"/hook")
	}
	s.do(b, "send a test event", chromedp.Click(chromedp.ID("webhook-test")))
	result := s.waitFor(b, "test result", 10*time.Second,
		`!document.getElementById("webhook-result").hidden && document.getElementById("webhook-status").className + ": " +
		  document.getElementById("webhook-status").textContent + " | " + document.getElementById("webhook-body").textContent`)
	if !strings.HasPrefix(result, "ok: ") || !strings.Contains(result, "201") || !strings.Contains(result, "thanks from the receiver") {
		t.Errorf("result shown as %q, want ok, 201 and the receiver's answer", result)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("receiver: %v", err)
		}
	default:
		t.Error("the receiver got no test event")
	}
	if text := eval[string](s, b, "page text", `document.body.innerText`); strings.Contains(text, "undefined") || strings.Contains(text, "browser-token") {
		t.Errorf("the page shows undefined or the URL's token:\n%s", text)
	}
	// Empty: saved back as shown, the URL would lose its token.
	if f := eval[map[string]string](s, b, "the form's URL", `({ value: document.getElementById("webhook-new-url").value, placeholder: document.getElementById("webhook-new-url").placeholder })`); f["value"] != "" || f["placeholder"] != rc.URL+"/hook" {
		t.Errorf("the form's URL field = %v, want empty, the receiver in force as its placeholder", f)
	}
	s.shot(b, "admin-4-integrations")

	// A new receiver and secret, typed in the form.
	s.do(b, "type a new receiver",
		chromedp.SendKeys(chromedp.ID("webhook-new-url"), rc.URL+"/moved"),
		chromedp.SendKeys(chromedp.ID("webhook-new-secret"), newSecret),
		chromedp.Click(chromedp.ID("webhook-save")))
	saved := s.waitFor(b, "saved", 10*time.Second, `document.getElementById("webhook-save-status").textContent`)
	if saved != "Saved: events go to "+rc.URL+"/moved." {
		t.Errorf("save status = %q", saved)
	}
	state := eval[map[string]string](s, b, "after saving", `({ url: document.getElementById("webhook-url").textContent,
	  secret: document.getElementById("webhook-new-secret").value, set: String(!document.getElementById("webhook-secret-set").hidden) })`)
	if state["url"] != rc.URL+"/moved" || state["secret"] != "" || state["set"] != "true" {
		t.Errorf("after saving the page shows %v, want the new URL, a secret set, and the secret field emptied", state)
	}
	if w := srv.App.webhook.Load(); w.Target() != rc.URL+"/moved" {
		t.Errorf("the server sends to %q, want %s/moved", w.Target(), rc.URL)
	}
	s.do(b, "send a test event to the new receiver", chromedp.Click(chromedp.ID("webhook-test")))
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("receiver: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the new receiver got no test event")
	}
	if html := eval[string](s, b, "page html", `document.documentElement.outerHTML`); strings.Contains(html, newSecret) {
		t.Error("the secret is still in the page after saving")
	}

	// Cleared: the webhook is off.
	s.do(b, "clear the webhook", chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`), chromedp.Click(chromedp.ID("webhook-clear")))
	s.waitFor(b, "cleared", 10*time.Second, `!document.getElementById("webhook-none").hidden && document.getElementById("webhook-test").disabled &&
	  document.getElementById("webhook-secret-set").hidden && document.getElementById("webhook-save-status").textContent === "Cleared: the webhook is off."`)
	if srv.App.webhook.Load().On() {
		t.Error("the webhook is still on after clearing it in the form")
	}

	speakChinese(s, b)
	runStep(s, b, "reload", 15*time.Second, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Reload()))
	s.waitFor(b, "integrations in Chinese", 10*time.Second, `!document.getElementById("webhook-form").hidden && !document.getElementById("webhook-none").hidden`)
	zh := eval[map[string]string](s, b, "Chinese labels", `({ none: document.getElementById("webhook-none").textContent,
	  save: document.getElementById("webhook-save").textContent, clear: document.getElementById("webhook-clear").textContent,
	  text: document.getElementById("integrations-section").innerText })`)
	if zh["none"] != "未配置" || zh["save"] != "保存" || zh["clear"] != "清除" || strings.Contains(zh["text"], "undefined") {
		t.Errorf("in Chinese: %v", zh)
	}
	if ex := b.exceptions(); len(ex) > 0 {
		t.Errorf("admin page threw: %s", strings.Join(ex, "; "))
	}
}

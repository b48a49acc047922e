package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/kb"
)

// The browser test drives the real pages in headless Chromium: a customer
// asks, is answered with a citation, asks for a person and is queued; an
// agent signs in, opens the hand-off packet, claims it and replies; the
// reply reaches the customer live, and survives a reload.

// chromiumPath finds the browser, or skips (fails on CI, which installs it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "chromium not found at /usr/bin/chromium or in PATH; install it (Debian: apt-get install chromium fonts-wqy-zenhei) to run the browser test"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// artifactsDir is where screenshots go: $BATON_ARTIFACTS, else
// $TMPDIR/baton-artifacts.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BATON_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "baton-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts: %v", err)
	}
	return dir
}

// tab is one browser (its own profile, so its own cookies and storage).
type tab struct {
	name     string
	ctx      context.Context
	deadline time.Time
	dir      string

	mu      sync.Mutex
	console []chromedp.ConsoleMessage
}

// browserSession is the pair of browsers and what a failure should dump.
type browserSession struct {
	t    *testing.T
	tabs []*tab
}

// browserSlack stretches every browser wait and deadline: a loaded
// machine (-race, another process on one core) runs pages several times
// slower than an idle one, and every wait is a poll, so slack costs
// nothing when the pages are fast.
const browserSlack = 3

// open starts a browser whose steps must all end within budget (times
// browserSlack).
func (s *browserSession) open(execPath, name, dir string, budget time.Duration) *tab {
	t := s.t
	t.Helper()
	deadline := time.Now().Add(browserSlack * budget)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run binds the browser's life to its context, so it gets one
	// without a timeout; every step below derives a bounded one.
	start, stop := context.WithDeadline(context.Background(), deadline)
	defer stop()
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("%s: start chromium: %v", name, err)
		}
	case <-start.Done():
		t.Fatalf("%s: chromium did not start before the deadline", name)
	}
	b := &tab{name: name, ctx: ctx, deadline: deadline, dir: dir}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	s.tabs = append(s.tabs, b)
	return b
}

// exceptions are the uncaught exceptions, unhandled rejections and
// Content-Security-Policy refusals (a script, style or connection the
// page's policy blocked) so far.
func (b *tab) exceptions() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.console {
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
			out = append(out, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
		}
	}
	return out
}

// stepCtx bounds one step by its own timeout and the test's deadline.
func (b *tab) stepCtx(timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(b.ctx, browserSlack*timeout)
	ctx2, cancel2 := context.WithDeadline(ctx, b.deadline)
	return ctx2, func() { cancel2(); cancel() }
}

// speakChinese makes the tab ask for Chinese (Accept-Language zh-CN) from
// its next request on, keeping its user agent; pages pick their language
// when they load.
func speakChinese(s *browserSession, b *tab) {
	s.t.Helper()
	ua := eval[string](s, b, "user agent", `navigator.userAgent`)
	s.do(b, "speak Chinese", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: "zh-CN"})
		return err
	}))
}

// runStep runs one action on b, failing the test with a dump of both pages.
func runStep[T any](s *browserSession, b *tab, step string, timeout time.Duration, a chromedp.Action[T]) T {
	s.t.Helper()
	ctx, cancel := b.stepCtx(timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		s.fail(b, step, err)
	}
	return v
}

func (s *browserSession) do(b *tab, step string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	runStep(s, b, step, 15*time.Second, chromedp.Steps(actions...))
}

// waitFor polls a JavaScript expression in b's page until it is truthy and
// returns its value: a string as it is, anything else as JSON.
func (s *browserSession) waitFor(b *tab, step string, timeout time.Duration, expr string) string {
	s.t.Helper()
	raw := runStep(s, b, step, timeout+2*time.Second,
		chromedp.Poll[[]byte](expr, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(browserSlack*timeout)))
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return str
	}
	return string(raw)
}

// eval evaluates a JavaScript expression in b's page.
func eval[T any](s *browserSession, b *tab, step, expr string) T {
	s.t.Helper()
	return runStep(s, b, step, 10*time.Second, chromedp.Evaluate[T](expr))
}

// shot saves a full-page screenshot as dir/name.png.
func (s *browserSession) shot(b *tab, name string) string {
	s.t.Helper()
	ctx, cancel := b.stepCtx(15 * time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Errorf("%s: screenshot %s: %v", b.name, name, err)
		return ""
	}
	path := filepath.Join(b.dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		s.t.Errorf("save screenshot: %v", err)
		return ""
	}
	s.t.Logf("screenshot %s: %s", b.name, path)
	return path
}

// pageDump is what a failure shows of a page.
const pageDump = `JSON.stringify((() => {
  const text = (sel) => { const e = document.querySelector(sel); return e ? (e.hidden ? "[hidden] " : "") + e.innerText : null; };
  return {
    url: location.href,
    log: text("#log"), status: text("#status-text"), error: text("#error"),
    online: text("#online"), queue: text("#queue"), reasons: text("#reasons"),
    passages: document.querySelectorAll("#passages li.passage").length,
    transcript: text("#transcript"), reply: text("#reply"),
    replyText: document.querySelector("#reply-text") ? document.querySelector("#reply-text").value : null,
  };
})(), null, 1)`

// fail dumps every page (text and a screenshot, on fresh contexts since
// the step's may have ended) and stops the test.
func (s *browserSession) fail(at *tab, step string, err error) {
	s.t.Helper()
	for _, b := range s.tabs {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		dump, derr := chromedp.Run(ctx, chromedp.Evaluate[string](pageDump))
		if derr != nil {
			dump = "(could not read the page: " + derr.Error() + ")"
		}
		s.t.Logf("--- %s page:\n%s", b.name, dump)
		b.mu.Lock()
		for _, m := range b.console {
			s.t.Logf("%s console: %s (%s)", b.name, m, m.URL)
		}
		b.mu.Unlock()
		if buf, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
			path := filepath.Join(b.dir, "FAILED-"+b.name+".png")
			if os.WriteFile(path, buf, 0o644) == nil {
				s.t.Logf("failure screenshot %s: %s", b.name, path)
			}
		}
		cancel()
	}
	s.t.Fatalf("%s: %s: %v", at.name, step, err)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestBrowserHandoff(t *testing.T) {
	execPath := chromiumPath(t)
	began := time.Now()
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	ctx := context.Background()
	addStaff(t, srv, "u-ann", "ann", kb.UserAgent, "agent-password-1")
	dir := artifactsDir(t)
	t.Logf("screenshots go to %s", dir)

	s := &browserSession{t: t}
	agent := s.open(execPath, "agent", dir, 60*time.Second)
	customer := s.open(execPath, "customer", dir, 60*time.Second)
	t.Logf("browsers started after %v", time.Since(began).Round(time.Millisecond))

	const (
		question = "how do I send something back"
		reply    = "Hi, this is Ann, I can help with your refund."
	)

	// 1. The agent signs in and lands on the console, which sets her online.
	s.do(agent, "open login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("name")))
	s.do(agent, "fill login",
		chromedp.SendKeys(chromedp.ID("name"), "ann"),
		chromedp.SendKeys(chromedp.ID("password"), "agent-password-1"))
	runStep(s, agent, "sign in and load the console", 15*time.Second,
		chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(`#login button[type=submit]`))))
	if loc := runStep(s, agent, "location", 5*time.Second, chromedp.Location()); !strings.HasSuffix(loc, "/console") {
		s.fail(agent, "after sign-in", fmt.Errorf("at %s, want /console", loc))
	}
	s.waitFor(agent, "console queue pane rendered, agent online", 10*time.Second,
		`document.getElementById("online").textContent.includes("Agents online: 1") && document.getElementById("online").textContent`)
	ps, err := srv.App.Store.Presences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	online := false
	for _, p := range ps {
		online = online || (p.UserID == "u-ann" && p.Status == "online")
	}
	if !online {
		s.fail(agent, "presence", fmt.Errorf("ann is not online in the store: %s", toJSON(ps)))
	}

	// 2. The customer asks, is answered with a citation, and asks for a person.
	s.do(customer, "open chat", chromedp.Navigate(base+"/chat"), chromedp.WaitVisible(chromedp.ID("text")))
	// An empty conversation opens with a greeting and starter questions.
	starters := s.waitFor(customer, "welcome", 10*time.Second,
		`(() => { const w = document.getElementById("welcome"); return w && w.querySelectorAll(".starters button").length > 0 && w.innerText; })()`)
	if !strings.Contains(starters, "Hi!") {
		t.Errorf("welcome = %q, want the greeting", starters)
	}
	s.do(customer, "ask",
		chromedp.SendKeys(chromedp.ID("text"), question),
		chromedp.Click(chromedp.CSS(`#ask button[type=submit]`)))
	href := s.waitFor(customer, "bot answer with a citation", 15*time.Second,
		`(() => { const a = document.querySelector("#log li.bot .cite a"); return a && a.getAttribute("href"); })()`)
	if !strings.HasPrefix(href, "/articles/default/returns") {
		t.Errorf("citation links to %q, want /articles/default/returns…", href)
	}
	if n := eval[int](s, customer, "thumbs", `document.querySelectorAll("#log li.bot .thumbs button").length`); n != 2 {
		t.Errorf("answer has %d thumbs buttons, want 2", n)
	}
	if got := eval[string](s, customer, "customer turn", `document.querySelector("#log li.customer").innerText`); !strings.Contains(got, question) {
		t.Errorf("customer turn shows %q, want %q", got, question)
	}
	// The turn is shown at once and comes back over the live stream too;
	// it must appear once.
	if n := eval[int](s, customer, "customer turns", `document.querySelectorAll("#log li.customer").length`); n != 1 {
		t.Errorf("the log shows the customer's question %d times before a reload, want once", n)
	}
	s.shot(customer, "1-customer-answered")

	s.do(customer, "talk to a person", chromedp.Click(chromedp.ID("person")))
	status := s.waitFor(customer, "queued", 10*time.Second,
		`(() => { const e = document.getElementById("status-text"); return !document.getElementById("status").hidden && e.textContent.includes("in the queue") && e.textContent; })()`)
	if !strings.Contains(status, "You are number 1 in the queue") {
		t.Errorf("status = %q, want position 1", status)
	}
	// The "leave your contact details" form is for when nobody is online.
	if eval[bool](s, customer, "contact form", `document.getElementById("contact").getClientRects().length > 0`) {
		t.Errorf("the contact form shows while queued with an agent online")
	}
	s.shot(customer, "2-customer-queued")

	// 3. The agent opens the hand-off packet, claims it and replies.
	s.waitFor(agent, "queue item", 10*time.Second, `!!document.querySelector("#queue li.item")`)
	s.do(agent, "open packet", chromedp.Click(chromedp.CSS(`#queue li.item`)), chromedp.WaitVisible(chromedp.ID("packet")))
	reasons := s.waitFor(agent, "reasons", 10*time.Second,
		`document.querySelectorAll("#reasons li").length > 0 && document.getElementById("reasons").innerText`)
	if !strings.Contains(reasons, "Customer asked for a person") {
		t.Errorf("reasons = %q, want the explicit request in words", reasons)
	}
	if code := eval[string](s, agent, "reason code", `document.querySelector("#reasons li").title`); code != "explicit_request" {
		t.Errorf("reason tooltip = %q, want the code explicit_request", code)
	}
	if n := eval[int](s, agent, "passages", `document.querySelectorAll("#passages li.passage").length`); n < 1 {
		t.Errorf("packet shows %d passages, want at least 1", n)
	}
	if sc := eval[string](s, agent, "rank", `(document.querySelector("#passages li.passage .score") || {}).textContent || ""`); !strings.Contains(sc, "#1") {
		t.Errorf("first passage rank = %q, want #1", sc)
	}
	// Confidence and in-scope as percentages in the band's colour, never
	// a raw or negative number.
	est := eval[string](s, agent, "estimate", `(document.querySelector("#estimate .band") || {}).className + " | " + document.getElementById("estimate").innerText`)
	if !regexp.MustCompile(`^band band-(answer|clarify|handoff) \| .*confidence \d{1,3}% · in scope \d{1,3}%$`).MatchString(est) {
		t.Errorf("packet estimate = %q, want the band and two percentages", est)
	}
	if raw := eval[string](s, agent, "no raw floats", `document.getElementById("packet").innerText.match(/-?\d\.\d{3}/) || ""`); raw != "" {
		t.Errorf("packet shows a raw score %q", raw)
	}
	if tr := eval[string](s, agent, "transcript", `document.getElementById("transcript").innerText`); !strings.Contains(tr, question) {
		t.Errorf("packet transcript %q lacks the question", tr)
	}
	if sum := eval[string](s, agent, "summary", `document.getElementById("summary").innerText`); strings.TrimSpace(sum) == "" {
		t.Errorf("packet has no summary")
	}
	s.shot(agent, "3-agent-packet")

	s.do(agent, "claim", chromedp.Click(chromedp.ID("claim")), chromedp.WaitVisible(chromedp.ID("reply")))
	draft := eval[string](s, agent, "draft", `document.getElementById("reply-text").value`)
	t.Logf("draft: %q", draft)
	if strings.TrimSpace(draft) == "" {
		t.Errorf("reply box has no draft")
	}
	s.do(agent, "type the reply",
		// chromedp v0.23's SetValue cannot set "" (the empty argument
		// arrives as undefined), so the draft is cleared in the page.
		chromedp.Evaluate[chromedp.Void](`document.getElementById("reply-text").value = ""`),
		chromedp.SendKeys(chromedp.ID("reply-text"), reply),
		chromedp.Click(chromedp.CSS(`#reply button[type=submit]`)))
	s.waitFor(agent, "reply sent", 10*time.Second,
		`document.getElementById("reply-text").value === "" && [...document.querySelectorAll("#transcript li.agent")].some(li => li.innerText.includes(`+jsString(reply)+`))`)

	// 4. The reply reaches the customer live, and survives a reload.
	s.waitFor(customer, "agent reply, live", 10*time.Second,
		`[...document.querySelectorAll("#log li.agent")].some(li => li.innerText.includes(`+jsString(reply)+`))`)
	status = s.waitFor(customer, "agent joined", 10*time.Second,
		`document.getElementById("status-text").textContent.includes("ann has joined") && document.getElementById("status-text").textContent`)
	s.shot(customer, "4-customer-agent-reply")
	s.shot(agent, "4-agent-replied")

	s.do(customer, "reload", chromedp.Reload())
	s.waitFor(customer, "transcript restored", 10*time.Second,
		`[...document.querySelectorAll("#log li.agent")].some(li => li.innerText.includes(`+jsString(reply)+`)) &&
		 !!document.querySelector("#log li.bot .cite a") &&
		 [...document.querySelectorAll("#log li.customer")].some(li => li.innerText.includes(`+jsString(question)+`))`)
	status = s.waitFor(customer, "status restored", 10*time.Second,
		`!document.getElementById("status").hidden && document.getElementById("status-text").textContent.includes("ann has joined") && document.getElementById("status-text").textContent`)
	if status != "ann has joined the conversation." {
		t.Errorf("status after reload = %q", status)
	}
	counts := eval[map[string]int](s, customer, "count messages",
		`({customer: document.querySelectorAll("#log li.customer").length, agent: document.querySelectorAll("#log li.agent").length, author: [...document.querySelectorAll("#log li.agent .author")].filter(e => e.textContent === "ann").length})`)
	if counts["customer"] != 1 || counts["agent"] != 1 || counts["author"] != 1 {
		t.Errorf("after reload the log has %v, want one customer and one agent message by ann", counts)
	}
	s.shot(customer, "5-customer-reloaded")

	// 5. The agent resolves it: the packet says so, and the customer's
	// conversation has ended, with a way to start anew.
	s.do(agent, "resolve",
		chromedp.SetValue(chromedp.ID("outcome"), "bot_right"),
		chromedp.Click(chromedp.ID("resolve")))
	held := s.waitFor(agent, "resolved state", 10*time.Second,
		`document.getElementById("holder").textContent.startsWith("Resolved by") && document.getElementById("holder").textContent`)
	if held != "Resolved by ann · Verdict: Bot was right" {
		t.Errorf("holder after resolve = %q", held)
	}
	s.waitFor(customer, "conversation ended", 10*time.Second,
		`document.getElementById("status-text").textContent === "This conversation has ended." && !document.getElementById("ended").hidden && document.getElementById("ask").hidden`)
	if !eval[bool](s, customer, "newest visible", `(() => { const l = document.getElementById("log"); return l.scrollTop + l.clientHeight >= l.scrollHeight - 2; })()`) {
		t.Errorf("the log is not scrolled to its newest message under the banner")
	}
	s.shot(customer, "6-customer-ended")
	s.do(customer, "new conversation", chromedp.Click(chromedp.ID("new-conversation")))
	s.waitFor(customer, "fresh conversation", 10*time.Second,
		`!document.getElementById("ask").hidden && document.querySelectorAll("#log li.customer, #log li.agent").length === 0 && !!document.getElementById("welcome")`)
	// Writing Chinese switches the page's words to Chinese.
	s.do(customer, "ask in Chinese",
		chromedp.SendKeys(chromedp.ID("text"), "怎么退货"),
		chromedp.Click(chromedp.CSS(`#ask button[type=submit]`)))
	s.waitFor(customer, "page in Chinese", 10*time.Second,
		`document.querySelector("#ask button[type=submit]").textContent === "发送" && document.documentElement.lang === "zh-CN" && document.querySelectorAll("#log li.bot:not(.welcome)").length > 0`)
	s.shot(customer, "7-customer-chinese")

	// 6. The customer asks for a person again: the new packet lists the
	// conversation before it and how it ended.
	s.do(customer, "talk to a person again", chromedp.Click(chromedp.ID("person")))
	s.waitFor(agent, "second hand-off", 10*time.Second,
		`[...document.querySelectorAll("#queue li.item")].some(li => li.textContent.includes("怎么退货"))`)
	eval[bool](s, agent, "open the second packet",
		`(() => { [...document.querySelectorAll("#queue li.item")].find(li => li.textContent.includes("怎么退货")).click(); return true; })()`)
	past := s.waitFor(agent, "earlier conversations", 10*time.Second,
		`(() => { const li = document.querySelectorAll("#history li.past"); return li.length > 0 && [...li].map(e => e.innerText).join("\n---\n"); })()`)
	if strings.Count(past, "---") != 0 || !strings.Contains(past, question) || !strings.Contains(past, "Resolved by ann · Verdict: Bot was right") {
		t.Errorf("earlier conversations = %q, want the one before, resolved by ann", past)
	}
	eval[bool](s, agent, "scroll to the history", `(() => { document.getElementById("history").scrollIntoView(); return true; })()`)
	s.shot(agent, "8-agent-history")

	for _, b := range s.tabs {
		if ex := b.exceptions(); len(ex) > 0 {
			t.Errorf("%s page threw: %s", b.name, strings.Join(ex, "; "))
		}
	}
	t.Logf("browser hand-off took %v", time.Since(began).Round(time.Millisecond))
}

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/web"
)

// TestBrowserWidget: a shop's page on another origin embeds Baton with
// one script tag carrying a signed customer context; the launcher opens
// the chat in a frame, in Chinese as the tag asks, and the conversation
// started there carries the customer's identity.
func TestBrowserWidget(t *testing.T) {
	execPath := chromiumPath(t)
	const secret = "shop-site-context-secret"
	t.Setenv("BATON_CONTEXT_SECRET", secret)
	srv := launch(t, "", nil)
	base := "http://" + srv.Addr()
	token, err := web.SignContext(secret, kb.CustomerContext{Name: "李雷", CustomerID: "c-42", OrderID: "o-7", Exp: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html><body><h1>Shop</h1>
<script src="%s/widget.js" data-collection="default" data-lang="zh" data-context="%s"></script></body></html>`, base, token)
	}))
	defer shop.Close()

	dir := artifactsDir(t)
	s := &browserSession{t: t}
	page := s.open(execPath, "shop", dir, 60*time.Second)
	s.do(page, "open the shop", chromedp.Navigate(shop.URL), chromedp.WaitVisible(`button[aria-expanded]`))
	label := eval[string](s, page, "launcher", `document.querySelector("button[aria-expanded]").textContent`)
	if label != "在线客服" {
		t.Errorf("launcher label = %q, want the Chinese one", label)
	}
	s.do(page, "open the chat", chromedp.Click(`button[aria-expanded]`))
	src := s.waitFor(page, "chat frame", 10*time.Second, `(() => { const f = document.querySelector("iframe"); return f && f.src; })()`)
	if !strings.HasPrefix(src, base+"/chat?embed=1&collection=default&lang=zh#context=") {
		t.Fatalf("frame src = %q", src)
	}
	s.shot(page, "widget-1-open")

	// The frame is another origin; drive its page directly, as the frame would load it.
	chat := s.open(execPath, "chat", dir, 60*time.Second)
	s.do(chat, "open the frame's page", chromedp.Navigate(src), chromedp.WaitVisible(`#text`))
	if title := eval[string](s, chat, "title", `document.querySelector("h1").textContent`); title != "帮助中心" {
		t.Errorf("chat title = %q, want 帮助中心", title)
	}
	if loc := eval[string](s, chat, "location", `location.href`); strings.Contains(loc, "context=") {
		t.Errorf("the signed context stayed in the URL: %s", loc)
	}
	s.do(chat, "ask", chromedp.SendKeys(`#text`, "退款什么时候到账？"), chromedp.Click(`#ask button[type=submit]`))
	s.waitFor(chat, "answer", 15*time.Second, `document.querySelector("#log li.bot") && document.querySelector("#log li.bot").textContent`)
	s.shot(chat, "widget-2-chat-zh")

	id := eval[string](s, chat, "conversation", `JSON.parse(localStorage.getItem("baton.conversation.default")).id`)
	conv, err := srv.App.Store.Conversation(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Context == nil || conv.Context.CustomerID != "c-42" || conv.Context.Name != "李雷" {
		t.Errorf("conversation context = %+v, want the signed customer", conv.Context)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/kb"
)

// decisionKB adds near-duplicate articles (one file each), in English and Chinese, to the
// test knowledge base.
const decisionKB = `---
id: reset-a
title: How do I reset my password?
questions:
  - I forgot my password
  - reset password
---
Press "Forgot password" on the sign-in page and follow the e-mail we send.
---
id: reset-b
title: How can I reset my password
questions:
  - I forgot my password
  - reset my password
---
Use the link in the reset e-mail within an hour.
---
id: zh-invite-a
title: 微粒贷什么时候邀请我
questions:
  - 什么时候能收到微粒贷的邀请
---
微粒贷目前为邀请制，系统会根据综合情况发出邀请。
---
id: zh-invite-b
title: 微粒贷什么时候会邀请我
questions:
  - 微粒贷何时邀请我开通
---
请留意微信消息，收到邀请后即可开通。
`

// dataWithDuplicates returns a data directory holding decisionKB's
// articles; launch adds the test knowledge base.
func dataWithDuplicates(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	extra := filepath.Join(data, "extra")
	if err := os.MkdirAll(extra, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, doc := range strings.Split(strings.TrimPrefix(decisionKB, "---\n"), "\n---\nid:") {
		if i > 0 {
			doc = "id:" + doc
		}
		if err := os.WriteFile(filepath.Join(extra, fmt.Sprintf("a%d.md", i)), []byte("---\n"+doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(context.Background(), []string{"ingest", "--data", data, extra}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDecision: the two estimates decide the turn, in both languages:
// confident -> answer; out of scope -> hand off; small talk -> small talk.
// And near-duplicate articles are one "did you mean" choice.
func TestDecision(t *testing.T) {
	requireModel(t)
	srv := launch(t, dataWithDuplicates(t), nil)
	bot := srv.App.Bot
	ctx := context.Background()
	// As a server would have done by the time customers ask.
	if err := srv.App.Searcher.TrainClassifiers(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, text string
		want       []string // acceptable bands
		noHandoff  bool
	}{
		{"confident en", "what is your return policy", []string{kb.BandAnswer}, true},
		{"confident zh", "退款什么时候到账", []string{kb.BandAnswer}, true},
		{"out of scope en", "what is the boiling point of mercury on mars", []string{kb.BandHandoff}, false},
		{"out of scope zh", "明天北京会下雨吗", []string{kb.BandHandoff}, false},
		{"small talk en", "hi there!", []string{kb.BandSmallTalk}, true},
		{"small talk zh", "谢谢", []string{kb.BandSmallTalk}, true},
		{"in scope between near-duplicates en", "reset my password", []string{kb.BandAnswer, kb.BandClarify}, true},
		{"in scope between near-duplicates zh", "微粒贷什么时候邀请", []string{kb.BandAnswer, kb.BandClarify}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := bot.Start(ctx, kb.DefaultCollection, "auto", nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := bot.Turn(ctx, c, tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(tt.want, res.Reply.Band) {
				t.Errorf("band %s (confidence %.2f, in_scope %.2f), want one of %v", res.Reply.Band, res.Reply.Confidence, res.Reply.InScope, tt.want)
			}
			if tt.noHandoff && res.Handoff != nil {
				t.Errorf("handed off: %v", res.Handoff.Reasons)
			}
		})
	}
	for _, q := range []string{"reset my password", "微粒贷什么时候邀请"} {
		res, err := bot.Composer.Compose(ctx, kb.DefaultCollection, q)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range res.Reply.Suggestions {
			ids = append(ids, s.ArticleID)
		}
		pairs := [][2]string{{"default/reset-a", "default/reset-b"}, {"default/zh-invite-a", "default/zh-invite-b"}}
		for _, p := range pairs {
			if slices.ContainsFunc(ids, func(id string) bool { return id == p[0] }) &&
				slices.ContainsFunc(ids, func(id string) bool { return id == p[1] }) {
				t.Errorf("%q: suggestions %v offer both near-duplicates %v", q, ids, p)
			}
		}
		t.Logf("%q: %v", q, ids)
		if len(ids) == 0 {
			t.Errorf("%q: no suggestions", q)
		}
	}
}

package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/sqlite"
)

func TestVerdictQueries(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// One conversation per verdict: the customer asks, the bot cites an
	// article and hands off, the agent closes with the verdict.
	verdicts := []string{kb.OutcomeBotRight, kb.OutcomeNeedlessHandoff, kb.OutcomeArticleMissing, kb.OutcomeArticleWrong, ""}
	for i, v := range verdicts {
		id := string(rune('a' + i))
		if err := store.CreateConversation(ctx, &kb.Conversation{ID: id, Collection: "shop", Lang: "en", TokenHash: "x", Status: kb.StatusBot}); err != nil {
			t.Fatal(err)
		}
		msgs := []*kb.Message{
			{ID: id + "1", ConversationID: id, Role: kb.RoleCustomer, Text: "question " + id},
			{ID: id + "2", ConversationID: id, Role: kb.RoleBot, Text: "x", Reply: &kb.Reply{Band: kb.BandHandoff, Citations: []kb.Citation{{ArticleID: "shop/" + id}}}},
		}
		for _, m := range msgs {
			if err := store.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		closeWithVerdict(t, store, id, "shop", v)
		// A later customer message must not replace the question.
		if err := store.AddMessage(ctx, &kb.Message{ID: id + "3", ConversationID: id, Role: kb.RoleCustomer, Text: "thanks"}); err != nil {
			t.Fatal(err)
		}
	}
	// Thumbs on answers: up labels the cited article right, down none.
	for i, v := range []int{1, -1, 0} {
		id := string(rune('x' + i))
		if err := store.CreateConversation(ctx, &kb.Conversation{ID: id, Collection: "shop", Lang: "en", TokenHash: "x", Status: kb.StatusBot}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []*kb.Message{
			{ID: id + "1", ConversationID: id, Role: kb.RoleCustomer, Text: "asked " + id},
			{ID: id + "2", ConversationID: id, Role: kb.RoleBot, Text: "x", Reply: &kb.Reply{Band: kb.BandAnswer, Citations: []kb.Citation{{ArticleID: "shop/" + id}}}},
			{ID: id + "3", ConversationID: id, Role: kb.RoleCustomer, Text: "later " + id},
		} {
			if err := store.AddMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := store.SetFeedback(ctx, id, id+"2", v); err != nil {
			t.Fatal(err)
		}
	}
	qs, err := verdictQueries(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"question a": "shop/a", "question b": "shop/b", "question c": "", "question d": "",
		"asked x": "shop/x", "asked y": ""}
	// An article missing is out of scope; a wrong article is in scope; a
	// thumbs down does not say which.
	wantScope := map[string]string{"question a": "in", "question b": "in", "question c": "out", "question d": "in",
		"asked x": "in", "asked y": "unknown"}
	if len(qs) != len(want) {
		t.Fatalf("got %d labelled questions %+v, want %d (no verdict or thumb, no row)", len(qs), qs, len(want))
	}
	for _, q := range qs {
		gold := ""
		if q.GoldID != nil {
			gold = *q.GoldID
		}
		if g, ok := want[q.Query]; !ok || g != gold || q.Collection != "shop" {
			t.Errorf("%q labelled %q in %s, want %q in shop", q.Query, gold, q.Collection, g)
		}
		in := "unknown"
		if q.InScope != nil {
			in = map[bool]string{true: "in", false: "out"}[*q.InScope]
		}
		if w := wantScope[q.Query]; in != w {
			t.Errorf("%q in scope: %s, want %s", q.Query, in, w)
		}
	}
}

// closeWithVerdict hands conversation id off just after its messages and
// closes the hand-off with the agent's verdict.
func closeWithVerdict(t *testing.T, store kb.Store, id, collection, verdict string) {
	t.Helper()
	ctx := context.Background()
	time.Sleep(time.Millisecond) // the hand-off comes after the question
	h := &kb.Handoff{ID: "h" + id, ConversationID: id, Collection: collection, Status: kb.HandoffClaimed, ClaimedBy: "u"}
	if err := store.CreateHandoff(ctx, h); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	h.Status, h.Outcome, h.ClosedAt = kb.HandoffResolved, verdict, &now
	if err := store.UpdateHandoff(ctx, h, kb.HandoffClaimed, "u"); err != nil {
		t.Fatal(err)
	}
}

// Package storetest is the conformance suite every kb.Store backend passes.
package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/batonhq/baton/kb"
)

// Run runs the suite; open returns a fresh, empty store.
func Run(t *testing.T, open func(t *testing.T) kb.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s kb.Store)
	}{
		{"ArticleVersions", testArticleVersions},
		{"ArticleNotFound", testArticleNotFound},
		{"ArticlesBySource", testArticlesBySource},
		{"Conversation", testConversation},
		{"Handoffs", testHandoffs},
		{"Vectors", testVectors},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

func article(id, body, hash string) *kb.Article {
	return &kb.Article{ID: id, Collection: "c1", Title: "T " + id, Body: body, Questions: []string{"q1", "q2"}, Tags: []string{}, Lang: "en", Source: "src.md", Hash: hash}
}

func testArticleVersions(t *testing.T, s kb.Store) {
	ctx := context.Background()
	a := article("a1", "one", "h1")
	chunks := []kb.Chunk{{ID: "a1#0", ArticleID: "a1", Text: "one"}}
	changed, err := s.PutArticle(ctx, a, chunks)
	if err != nil || !changed || a.Version != 1 {
		t.Fatalf("first put: changed=%v version=%d err=%v, want true 1 nil", changed, a.Version, err)
	}
	changed, err = s.PutArticle(ctx, article("a1", "one", "h1"), chunks)
	if err != nil || changed {
		t.Fatalf("same hash: changed=%v err=%v, want false nil", changed, err)
	}
	b := article("a1", "two", "h2")
	chunks2 := []kb.Chunk{{ID: "a1#0", ArticleID: "a1", Text: "two"}, {ID: "a1#1", ArticleID: "a1", Ord: 1, Text: "more"}}
	changed, err = s.PutArticle(ctx, b, chunks2)
	if err != nil || !changed || b.Version != 2 {
		t.Fatalf("new hash: changed=%v version=%d err=%v, want true 2 nil", changed, b.Version, err)
	}
	got, err := s.Article(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Body != "two" || got.Version != 2 || len(got.Questions) != 2 {
		t.Errorf("stored article = %+v, want body two, version 2, 2 questions", got)
	}
	cs, err := s.Chunks(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[1].Text != "more" {
		t.Errorf("chunks = %+v, want the 2 new ones", cs)
	}
	if err := s.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Chunks(ctx, "a1"); len(cs) != 0 {
		t.Errorf("chunks after delete = %d, want 0", len(cs))
	}
}

func testArticleNotFound(t *testing.T, s kb.Store) {
	ctx := context.Background()
	if _, err := s.Article(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Article(nope) err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteArticle(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("DeleteArticle(nope) err = %v, want ErrNotFound", err)
	}
	if _, err := s.Conversation(ctx, "nope"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("Conversation(nope) err = %v, want ErrNotFound", err)
	}
	if _, err := s.PutArticle(ctx, &kb.Article{ID: "x"}, nil); !errors.Is(err, kb.ErrInvalid) {
		t.Errorf("PutArticle without hash err = %v, want ErrInvalid", err)
	}
}

func testArticlesBySource(t *testing.T, s kb.Store) {
	ctx := context.Background()
	for _, id := range []string{"b", "a"} {
		if _, err := s.PutArticle(ctx, article(id, "x", "h"+id), nil); err != nil {
			t.Fatal(err)
		}
	}
	other := article("c", "x", "hc")
	other.Source = "other.md"
	if _, err := s.PutArticle(ctx, other, nil); err != nil {
		t.Fatal(err)
	}
	ids, err := s.ArticlesBySource(ctx, "c1", "src.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0] != "a" || ids[1] != "b" {
		t.Errorf("ArticlesBySource = %v, want [a b]", ids)
	}
	all, err := s.Articles(ctx, "c1")
	if err != nil || len(all) != 3 {
		t.Errorf("Articles(c1) = %d, %v; want 3", len(all), err)
	}
	none, err := s.Articles(ctx, "c2")
	if err != nil || len(none) != 0 {
		t.Errorf("Articles(c2) = %d, %v; want 0", len(none), err)
	}
}

func testConversation(t *testing.T, s kb.Store) {
	ctx := context.Background()
	c := &kb.Conversation{ID: "conv1", Collection: "c1", Lang: "auto", TokenHash: "th", Status: kb.StatusBot}
	if err := s.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	msgs := []*kb.Message{
		{ID: "m1", ConversationID: "conv1", Role: kb.RoleCustomer, Text: "hello"},
		{ID: "m2", ConversationID: "conv1", Role: kb.RoleBot, Text: "hi", Reply: &kb.Reply{Text: "hi", Confidence: 0.7, Band: kb.BandAnswer, Citations: []kb.Citation{{ArticleID: "a"}}}},
		{ID: "m3", ConversationID: "conv1", Role: kb.RoleCustomer, Text: "thanks"},
	}
	for _, m := range msgs {
		if err := s.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Messages(ctx, "conv1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != "m1" || got[2].ID != "m3" {
		t.Fatalf("messages out of order: %+v", got)
	}
	if got[1].Reply == nil || got[1].Reply.Confidence != 0.7 || got[1].Reply.Citations[0].ArticleID != "a" {
		t.Errorf("bot reply not kept: %+v", got[1].Reply)
	}
	if err := s.SetMessageSignals(ctx, "m3", 0.8, true); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMessageSignals(ctx, "nope", 0.8, true); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("SetMessageSignals(nope) err = %v, want ErrNotFound", err)
	}
	got, _ = s.Messages(ctx, "conv1")
	if got[2].Negative != 0.8 || !got[2].Rephrase || got[0].Negative != 0 || got[0].Rephrase {
		t.Errorf("signals = %+v / %+v, want only m3 set", got[2], got[0])
	}
	if err := s.SetConversationStatus(ctx, "conv1", kb.StatusHandoff); err != nil {
		t.Fatal(err)
	}
	c2, err := s.Conversation(ctx, "conv1")
	if err != nil || c2.Status != kb.StatusHandoff || c2.TokenHash != "th" {
		t.Errorf("conversation = %+v, %v; want status handoff, token hash kept", c2, err)
	}
	if err := s.SetConversationStatus(ctx, "nope", kb.StatusHandoff); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("SetConversationStatus(nope) err = %v, want ErrNotFound", err)
	}
	if err := s.AddMessage(ctx, &kb.Message{ID: "m9", ConversationID: "nope", Role: kb.RoleCustomer, Text: "x"}); err == nil {
		t.Errorf("AddMessage to unknown conversation succeeded")
	}
}

func testHandoffs(t *testing.T, s kb.Store) {
	ctx := context.Background()
	if err := s.CreateConversation(ctx, &kb.Conversation{ID: "conv1", Collection: "c1", Lang: "en", TokenHash: "x", Status: kb.StatusBot}); err != nil {
		t.Fatal(err)
	}
	h := &kb.Handoff{ID: "h1", ConversationID: "conv1", Collection: "c1", Reasons: []string{kb.ReasonLowConfidence, kb.ReasonExplicitRequest}, Status: "queued"}
	if err := s.CreateHandoff(ctx, h); err != nil {
		t.Fatal(err)
	}
	got, err := s.Handoffs(ctx, "queued")
	if err != nil || len(got) != 1 || len(got[0].Reasons) != 2 || got[0].Reasons[1] != kb.ReasonExplicitRequest {
		t.Errorf("Handoffs(queued) = %+v, %v", got, err)
	}
	if got, _ := s.Handoffs(ctx, "resolved"); len(got) != 0 {
		t.Errorf("Handoffs(resolved) = %d, want 0", len(got))
	}
}

func testVectors(t *testing.T, s kb.Store) {
	ctx := context.Background()
	a := article("a1", "one", "h1")
	if _, err := s.PutArticle(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutArticle(ctx, article("a2", "two", "h2"), nil); err != nil {
		t.Fatal(err)
	}
	missing, err := s.ArticlesMissingVectors(ctx, "m")
	if err != nil || len(missing) != 2 {
		t.Fatalf("missing before = %v, %v; want both", missing, err)
	}
	vs := []kb.Vector{{ArticleID: "a1", ChunkID: "a1#0", Vec: []float32{0.5, -1.25, 3}}, {ArticleID: "a1", ChunkID: "a1#1", Vec: []float32{1, 0, 0}}}
	if err := s.PutVectors(ctx, "a1", "m", "h1", vs); err != nil {
		t.Fatal(err)
	}
	var got []kb.Vector
	err = s.Vectors(ctx, "m", func(coll string, v kb.Vector) error {
		if coll != "c1" {
			t.Errorf("collection = %q, want c1", coll)
		}
		got = append(got, v)
		return nil
	})
	if err != nil || len(got) != 2 || got[0].Vec[1] != -1.25 || got[1].ChunkID != "a1#1" {
		t.Errorf("Vectors = %+v, %v; want the two stored, in order, exactly", got, err)
	}
	if missing, _ := s.ArticlesMissingVectors(ctx, "m"); len(missing) != 1 || missing[0] != "a2" {
		t.Errorf("missing = %v, want [a2]", missing)
	}
	if missing, _ := s.ArticlesMissingVectors(ctx, "other-model"); len(missing) != 2 {
		t.Errorf("another model's vectors counted: missing = %v", missing)
	}
	// An edited article's old vectors are stale: not served, and it is missing again.
	if _, err := s.PutArticle(ctx, article("a1", "changed", "h1b"), nil); err != nil {
		t.Fatal(err)
	}
	n := 0
	s.Vectors(ctx, "m", func(string, kb.Vector) error { n++; return nil })
	if n != 0 {
		t.Errorf("stale vectors served: %d", n)
	}
	if missing, _ := s.ArticlesMissingVectors(ctx, "m"); len(missing) != 2 {
		t.Errorf("missing after edit = %v, want both", missing)
	}
	if err := s.DeleteArticle(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
}

package answer

import (
	"slices"
	"testing"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
)

func TestHoldOutQuestions(t *testing.T) {
	arts := []*kb.Article{
		{ID: "a", Title: "Refunds", Questions: []string{"a1", "a2", "a3"}},
		{ID: "b", Title: "", Questions: []string{"b1"}},         // its only text: kept
		{ID: "c", Title: "Delivery", Questions: []string{"c1"}}, // keeps its title
		{ID: "d", Title: "Passwords"},
	}
	reduced, held := HoldOutQuestions(arts, 3)
	if len(held) != 3 {
		t.Fatalf("held %d questions, want 3: %+v", len(held), held)
	}
	perArticle := map[string]int{}
	for _, h := range held {
		perArticle[h.ArticleID]++
	}
	// One of each article that can spare one first, then a second.
	if perArticle["a"] != 2 || perArticle["c"] != 1 || perArticle["b"] != 0 {
		t.Errorf("held per article %v, want a:2 c:1 (round robin, b keeps its only text)", perArticle)
	}
	for i, r := range reduced {
		for _, h := range held {
			if h.ArticleID == r.ID && slices.Contains(r.Questions, h.Text) {
				t.Errorf("%s still holds the held-out %q", r.ID, h.Text)
			}
		}
		if n := len(r.Questions) + perArticle[r.ID]; n != len(arts[i].Questions) {
			t.Errorf("%s: %d questions kept + %d held, want the original %d", r.ID, len(r.Questions), perArticle[r.ID], len(arts[i].Questions))
		}
	}
	if len(arts[0].Questions) != 3 {
		t.Error("HoldOutQuestions changed the articles it was given")
	}
	_, again := HoldOutQuestions(arts, 3)
	if !slices.Equal(held, again) {
		t.Errorf("a second run held %v, the first %v: want the same", again, held)
	}
	// Unbounded: a gives all three (its title stays), c its one.
	if _, all := HoldOutQuestions(arts, 100); len(all) != 4 {
		t.Errorf("held %d with no bound, want 4", len(all))
	}
}

func TestSelfThresholdOf(t *testing.T) {
	if _, ok := SelfThresholdOf(make([]float64, SelfMinQuestions-1)); ok {
		t.Error("a threshold from too few questions")
	}
	scores := make([]float64, 200)
	for i := range scores {
		scores[len(scores)-1-i] = float64(i) / 200 // descending: the function sorts
	}
	got, ok := SelfThresholdOf(scores)
	if want := float64(int(SelfQuantile*200)) / 200; !ok || got != want {
		t.Errorf("threshold = %v, %v; want %v (the %v quantile)", got, ok, want, SelfQuantile)
	}
	for i := range scores {
		scores[i] = 0.99
	}
	if got, _ := SelfThresholdOf(scores); got != SelfMax {
		t.Errorf("threshold of scores all 0.99 = %v, want the cap %v", got, SelfMax)
	}
}

// TestPolicyForSelfThreshold: the measured threshold raises the policy's,
// never lowers it, and only where the policy asks for it.
func TestPolicyForSelfThreshold(t *testing.T) {
	cfg := escalate.NewConfig()
	off := cfg.Default
	off.SelfHandoff = false
	cfg.Collections["off"] = off
	b := &Bot{SelfThresholds: &SelfThresholds{}}
	b.SelfThresholds.Set("shop", SelfThreshold{Threshold: 0.8})
	b.SelfThresholds.Set("low", SelfThreshold{Threshold: 0.1})
	b.SelfThresholds.Set("off", SelfThreshold{Threshold: 0.8})
	for _, tc := range []struct {
		coll string
		want float64
	}{{"shop", 0.8}, {"low", cfg.Default.HandoffThreshold}, {"off", cfg.Default.HandoffThreshold}, {"unmeasured", cfg.Default.HandoffThreshold}} {
		if got := b.InForce(tc.coll, cfg.For(tc.coll)).HandoffThreshold; got != tc.want {
			t.Errorf("%s: hand-off threshold %v, want %v", tc.coll, got, tc.want)
		}
	}
	if got := (&Bot{}).InForce("shop", cfg.For("shop")).HandoffThreshold; got != cfg.Default.HandoffThreshold {
		t.Errorf("no thresholds measured: %v", got)
	}
	if ArticlesKey([]*kb.Article{{ID: "a", Hash: "1"}, {ID: "b", Hash: "2"}}) != ArticlesKey([]*kb.Article{{ID: "b", Hash: "2"}, {ID: "a", Hash: "1"}}) ||
		ArticlesKey([]*kb.Article{{ID: "a", Hash: "1"}}) == ArticlesKey([]*kb.Article{{ID: "a", Hash: "2"}}) {
		t.Error("ArticlesKey: want order not to matter and an edit to")
	}
}

package retrieval

import (
	"context"
	"testing"

	"github.com/batonhq/baton/kb"
)

// TestKnownTexts: a copy of a collection is indexed from the vectors
// already there; only texts the index does not hold reach the model.
func TestKnownTexts(t *testing.T) {
	ctx := context.Background()
	base := &countingEmbedder{}
	s := NewSearcher(openKeyword(t, KeywordOptions{}), base)
	d := article("en", "a", "Refund policy", []string{"How do I get a refund?", "Money back"}, "Refunds take five days.")
	if err := s.Index(ctx, &d.article, d.chunks); err != nil {
		t.Fatal(err)
	}
	indexed := base.texts
	emb, err := s.KnownTexts(ctx, []*kb.Article{&d.article})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := emb.Embed(ctx, []string{"Money back", "Refund policy", "a text never indexed", "How do I get a refund?"})
	if err != nil {
		t.Fatal(err)
	}
	if got := base.texts - indexed; got != 1 {
		t.Errorf("the model embedded %d texts, want 1 (only the one never indexed)", got)
	}
	if len(vs) != 4 || vs[2][0] != float32(len("a text never indexed")) {
		t.Fatalf("vectors = %v, want one per text, the new one from the model", vs)
	}
	// The known ones are the indexed vectors (normalised on insert).
	want, err := base.Embed(ctx, []string{"Money back"})
	if err != nil {
		t.Fatal(err)
	}
	normalize(want[0])
	if vs[0][0] != want[0][0] || vs[0][1] != want[0][1] {
		t.Errorf("known vector %v, want the indexed %v", vs[0], want[0])
	}
	// Changing the returned vector leaves the index's alone.
	vs[1][0] = 42
	again, _ := emb.Embed(ctx, []string{"Refund policy"})
	if again[0][0] == 42 {
		t.Error("the returned vector aliases the index's")
	}
}

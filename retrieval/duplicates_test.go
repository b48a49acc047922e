package retrieval

import (
	"slices"
	"testing"

	"github.com/batonhq/baton/kb"
)

func TestDuplicateArticles(t *testing.T) {
	v := NewVectors()
	put := func(id string, vecs ...[]float32) {
		a := &kb.Article{ID: id, Collection: "c"}
		var items []VectorItem
		for _, x := range vecs {
			items = append(items, VectorItem{ArticleID: id, Vec: slices.Clone(x)})
		}
		// A passage far from everything must not pull articles apart.
		items = append(items, VectorItem{ArticleID: id, ChunkID: id + "#1", Vec: []float32{0, 0, 0, 1}})
		v.Put(a, items)
	}
	put("invite-a", []float32{1, 0.05, 0, 0}, []float32{1, 0, 0.05, 0})
	put("invite-b", []float32{1, 0.04, 0.02, 0})
	put("refund", []float32{0, 1, 0, 0})
	put("limit", []float32{0.5, 0.5, 0.7, 0})
	other := &kb.Article{ID: "elsewhere", Collection: "d"}
	v.Put(other, []VectorItem{{ArticleID: "elsewhere", Vec: []float32{1, 0.05, 0, 0}}})
	s := &Searcher{vectors: v}
	got := s.DuplicateArticles("c", DefaultDuplicateThreshold)
	want := [][]string{{"invite-a", "invite-b"}}
	if len(got) != 1 || !slices.Equal(got[0], want[0]) {
		t.Errorf("DuplicateArticles = %v, want %v (and nothing from another collection)", got, want)
	}
	if got := (&Searcher{}).DuplicateArticles("c", 0.9); got != nil {
		t.Errorf("keyword-only searcher: %v, want none", got)
	}
}

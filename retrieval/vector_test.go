package retrieval

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/batonhq/baton/kb"
)

func TestVectorsSearch(t *testing.T) {
	v := NewVectors()
	v.Put(&kb.Article{ID: "refund", Collection: "en"}, []VectorItem{
		{ArticleID: "refund", ChunkID: "refund#0", Vec: []float32{1, 0, 0}},
		{ArticleID: "refund", ChunkID: "refund#1", Vec: []float32{0, 10, 0}}, // length does not matter
	})
	v.Put(&kb.Article{ID: "shipping", Collection: "en"}, []VectorItem{
		{ArticleID: "shipping", ChunkID: "shipping#0", Vec: []float32{1, 1, 0}},
	})
	v.Put(&kb.Article{ID: "password", Collection: "en"}, []VectorItem{
		{ArticleID: "password", ChunkID: "password#0", Vec: []float32{0, 0, 1}},
	})
	v.Put(&kb.Article{ID: "elsewhere", Collection: "other"}, []VectorItem{
		{ArticleID: "elsewhere", ChunkID: "elsewhere#0", Vec: []float32{0, 1, 0}},
	})

	tests := []struct {
		name       string
		collection string
		q          []float32
		n          int
		want       []Hit
	}{
		{
			name:       "best item of each article, best article first",
			collection: "en",
			q:          []float32{0, 3, 0},
			n:          10,
			want: []Hit{
				{ArticleID: "refund", ChunkID: "refund#1", Score: 1},
				{ArticleID: "shipping", ChunkID: "shipping#0", Score: 1 / math.Sqrt2},
				{ArticleID: "password", ChunkID: "password#0", Score: 0},
			},
		},
		{
			name:       "other item of the same article wins for another query",
			collection: "en",
			q:          []float32{2, 0, 0},
			n:          1,
			want:       []Hit{{ArticleID: "refund", ChunkID: "refund#0", Score: 1}},
		},
		{
			name:       "n bounds the results",
			collection: "en",
			q:          []float32{0, 1, 0},
			n:          2,
			want: []Hit{
				{ArticleID: "refund", ChunkID: "refund#1", Score: 1},
				{ArticleID: "shipping", ChunkID: "shipping#0", Score: 1 / math.Sqrt2},
			},
		},
		{
			name:       "ties broken by article id",
			collection: "en",
			q:          []float32{1, 1, 1},
			n:          10,
			want: []Hit{
				{ArticleID: "shipping", ChunkID: "shipping#0", Score: 2 / math.Sqrt(6)},
				{ArticleID: "password", ChunkID: "password#0", Score: 1 / math.Sqrt(3)},
				{ArticleID: "refund", ChunkID: "refund#0", Score: 1 / math.Sqrt(3)},
			},
		},
		{
			name:       "other collection only",
			collection: "other",
			q:          []float32{1, 0, 0},
			n:          10,
			want:       []Hit{{ArticleID: "elsewhere", ChunkID: "elsewhere#0", Score: 0}},
		},
		{
			name:       "unknown collection",
			collection: "nope",
			q:          []float32{1, 0, 0},
			n:          10,
			want:       nil,
		},
		{
			name:       "query of another dimension scores 0 everywhere",
			collection: "en",
			q:          []float32{1, 0},
			n:          1,
			want:       []Hit{{ArticleID: "password", ChunkID: "password#0", Score: 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := slices.Clone(tt.q)
			got := v.Search(context.Background(), tt.collection, q, tt.n)
			checkHits(t, got, tt.want)
			if !slices.Equal(q, tt.q) {
				t.Errorf("Search changed the caller's query vector to %v", q)
			}
		})
	}
}

func TestVectorsPutReplacesAndDelete(t *testing.T) {
	ctx := context.Background()
	v := NewVectors()
	a := &kb.Article{ID: "a", Collection: "en"}
	b := &kb.Article{ID: "b", Collection: "en"}
	v.Put(a, []VectorItem{{ArticleID: "a", ChunkID: "a#0", Vec: []float32{1, 0}}, {ArticleID: "a", ChunkID: "a#1", Vec: []float32{0, 1}}})
	v.Put(b, []VectorItem{{ArticleID: "b", ChunkID: "b#0", Vec: []float32{1, 1}}})

	// Re-putting a with one item drops its old ones.
	v.Put(a, []VectorItem{{ArticleID: "a", ChunkID: "a#0", Vec: []float32{1, 0}}})
	checkHits(t, v.Search(ctx, "en", []float32{0, 1}, 10), []Hit{
		{ArticleID: "b", ChunkID: "b#0", Score: 1 / math.Sqrt2},
		{ArticleID: "a", ChunkID: "a#0", Score: 0},
	})

	// Moving a to another collection removes it from the first.
	v.Put(&kb.Article{ID: "a", Collection: "fr"}, []VectorItem{{ArticleID: "a", ChunkID: "a#0", Vec: []float32{1, 0}}})
	checkHits(t, v.Search(ctx, "en", []float32{1, 0}, 10), []Hit{{ArticleID: "b", ChunkID: "b#0", Score: 1 / math.Sqrt2}})
	checkHits(t, v.Search(ctx, "fr", []float32{1, 0}, 10), []Hit{{ArticleID: "a", ChunkID: "a#0", Score: 1}})

	v.Delete("b")
	checkHits(t, v.Search(ctx, "en", []float32{1, 0}, 10), nil)
	v.Delete("b") // twice is harmless
	v.Delete("never-put")
	checkHits(t, v.Search(ctx, "fr", []float32{1, 0}, 10), []Hit{{ArticleID: "a", ChunkID: "a#0", Score: 1}})
}

func checkHits(t *testing.T, got, want []Hit) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d hits %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ArticleID != w.ArticleID || g.ChunkID != w.ChunkID || math.Abs(g.Score-w.Score) > 1e-6 {
			t.Errorf("hit %d = %+v, want %+v", i, g, w)
		}
	}
}

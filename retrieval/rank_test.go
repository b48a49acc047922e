package retrieval

import (
	"context"
	"math"
	"testing"

	"github.com/batonhq/baton/kb"
)

func TestRank(t *testing.T) {
	kw := []Hit{{ArticleID: "a", Score: 8}, {ArticleID: "b", Score: 4}}
	kq := []Hit{{ArticleID: "b", Score: 6}, {ArticleID: "a", Score: 3}}
	vecs := map[string]vecScore{"a": {max: 0.5, knn: 0.4}, "b": {max: 0.7, knn: 0.6}, "c": {max: 0.9, knn: 0.8, chunkID: "c#2"}}
	vmax := []Hit{{ArticleID: "c", Score: 0.9}, {ArticleID: "b", Score: 0.7}}
	vknn := []Hit{{ArticleID: "c", Score: 0.8}, {ArticleID: "b", Score: 0.6}}
	w := func(i int) Linear {
		l := Linear{Weights: make([]float64, len(FeatureNames))}
		l.Weights[i] = 1
		return l
	}
	tests := []struct {
		name  string
		lin   Linear
		first string
	}{
		{"article keyword score decides", w(0), "a"},
		{"question keyword score decides", w(1), "b"},
		{"max cosine decides, even for an article no keyword ranking found", w(2), "c"},
		{"knn gap decides", w(5), "c"},
		{"keyword reciprocal rank decides", w(6), "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rank(tt.lin, kw, kq, vecs, vmax, vknn, nil, nil)
			if len(got) != 3 {
				t.Fatalf("got %d candidates, want the union a, b, c", len(got))
			}
			if got[0].ArticleID != tt.first {
				t.Errorf("first = %s, want %s (%+v)", got[0].ArticleID, tt.first, got)
			}
		})
	}
	got := rank(w(2), kw, kq, vecs, vmax, vknn, nil, nil)
	var c Fused
	for _, f := range got {
		if f.ArticleID == "c" {
			c = f
		}
	}
	if c.Ranks[RankKeyword] != 0 || c.Ranks[RankVector] != 1 || c.Scores[RankVectorKNN] != 0.8 || c.ChunkID != "c#2" {
		t.Errorf("candidate c = %+v, want absent from keyword, first by vector, knn 0.8, passage c#2", c)
	}
	wantF := []float64{0, 0, 0.9, 0, 0.8, 0, 0, 0, 1, 1}
	for i, x := range wantF {
		if math.Abs(c.Features[i]-x) > 1e-9 {
			t.Errorf("feature %s = %v, want %v", FeatureNames[i], c.Features[i], x)
		}
	}
	// The passage nearest in meaning wins over the keyword hit's chunk;
	// an article whose vectors matched only by title or question keeps
	// the keyword's.
	kwChunks := []Hit{{ArticleID: "a", ChunkID: "a#3", Text: "items that cannot be returned", Score: 8}, {ArticleID: "b", ChunkID: "b#1", Score: 4}}
	passages := map[string]vecScore{"a": {max: 0.9, chunkID: "a#0", passage: 0.6, passageID: "a#1"}, "b": {max: 0.7, chunkID: "b#0"}}
	for _, f := range rank(w(0), kwChunks, nil, passages, nil, nil, nil, nil) {
		if want := map[string]string{"a": "a#1", "b": "b#1"}[f.ArticleID]; f.ChunkID != want {
			t.Errorf("%s answers with %s, want %s", f.ArticleID, f.ChunkID, want)
		}
	}
	// Keyword-only: no vector scores at all.
	got = rank(w(0), kw, kq, nil, nil, nil, nil, nil)
	if len(got) != 2 || got[0].Features[2] != 0 {
		t.Errorf("keyword-only rank = %+v", got)
	}
}

func TestSoftmax(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		want   float64
	}{
		{"none", nil, 0},
		{"one", []float64{3}, 1},
		{"two equal", []float64{1, 1}, 0.5},
		{"clear winner", []float64{5, 0}, 1 / (1 + math.Exp(-5))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits []Fused
			for _, s := range tt.scores {
				hits = append(hits, Fused{Score: s})
			}
			if got := Softmax(hits); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Softmax = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDefaultFusion(t *testing.T) {
	m := DefaultFusion()
	if len(m.Hybrid.Weights) != len(FeatureNames) || m.FittedOn == "" {
		t.Errorf("DefaultFusion = %+v", m)
	}
}

func TestVectorKNN(t *testing.T) {
	v := NewVectors()
	v.Put(&kb.Article{ID: "a", Collection: "c"}, []VectorItem{
		{ArticleID: "a", ChunkID: "a#0", Vec: []float32{1, 0}},
		{ArticleID: "a", ChunkID: "a#1", Vec: []float32{0.6, 0.8}},
		{ArticleID: "a", ChunkID: "a#2", Vec: []float32{0, 1}},
		{ArticleID: "a", ChunkID: "a#3", Vec: []float32{-1, 0}},
	})
	s := v.scores(context.Background(), "c", []float32{1, 0})["a"]
	// Cosines 1, 0.6, 0, -1: the best three average to 1.6/3.
	if s.max != 1 || math.Abs(s.knn-1.6/3) > 1e-6 || s.chunkID != "a#0" {
		t.Errorf("scores = %+v, want max 1, knn %.4f, chunk a#0", s, 1.6/3)
	}
}

func ids(fs []Fused) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ArticleID
	}
	return out
}

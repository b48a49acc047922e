package retrieval

import (
	"math"
	"reflect"
	"testing"
)

func TestFuse(t *testing.T) {
	rrf := func(ranks ...int) float64 {
		var s float64
		for _, r := range ranks {
			s += 1 / float64(rrfK+r)
		}
		return s
	}
	tests := []struct {
		name     string
		rankings [][]Hit
		want     []Fused
	}{
		{
			name:     "no rankings",
			rankings: nil,
			want:     []Fused{},
		},
		{
			name: "single ranking keeps its order",
			rankings: [][]Hit{{
				{ArticleID: "c", ChunkID: "c#0", Text: "cee", Score: 9},
				{ArticleID: "a", ChunkID: "a#1", Text: "ay", Score: 5},
				{ArticleID: "b", ChunkID: "b#0", Text: "bee", Score: 1},
			}},
			want: []Fused{
				{ArticleID: "c", ChunkID: "c#0", Text: "cee", Score: rrf(1), Ranks: []int{1}, Scores: []float64{9}},
				{ArticleID: "a", ChunkID: "a#1", Text: "ay", Score: rrf(2), Ranks: []int{2}, Scores: []float64{5}},
				{ArticleID: "b", ChunkID: "b#0", Text: "bee", Score: rrf(3), Ranks: []int{3}, Scores: []float64{1}},
			},
		},
		{
			name: "second in both beats first in one",
			rankings: [][]Hit{
				{{ArticleID: "kw-only", Score: 12}, {ArticleID: "both", ChunkID: "both#2", Text: "keyword passage", Score: 8}},
				{{ArticleID: "vec-only", Score: 0.9}, {ArticleID: "both", ChunkID: "both#0", Score: 0.8}},
			},
			want: []Fused{
				// The passage shown is the one of the first ranking that has the article.
				{ArticleID: "both", ChunkID: "both#2", Text: "keyword passage", Score: rrf(2, 2), Ranks: []int{2, 2}, Scores: []float64{8, 0.8}},
				{ArticleID: "kw-only", Score: rrf(1), Ranks: []int{1, 0}, Scores: []float64{12, 0}},
				{ArticleID: "vec-only", Score: rrf(1), Ranks: []int{0, 1}, Scores: []float64{0, 0.9}},
			},
		},
		{
			name: "ties broken by id, not by input order",
			rankings: [][]Hit{
				{{ArticleID: "zeta", Score: 3}},
				{{ArticleID: "alpha", Score: 0.5}},
				{{ArticleID: "mu", Score: 0.1}},
			},
			want: []Fused{
				{ArticleID: "alpha", Score: rrf(1), Ranks: []int{0, 1, 0}, Scores: []float64{0, 0.5, 0}},
				{ArticleID: "mu", Score: rrf(1), Ranks: []int{0, 0, 1}, Scores: []float64{0, 0, 0.1}},
				{ArticleID: "zeta", Score: rrf(1), Ranks: []int{1, 0, 0}, Scores: []float64{3, 0, 0}},
			},
		},
		{
			name: "empty ranking still gets a slot",
			rankings: [][]Hit{
				{{ArticleID: "a", Score: 2}},
				nil,
			},
			want: []Fused{
				{ArticleID: "a", Score: rrf(1), Ranks: []int{1, 0}, Scores: []float64{2, 0}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fuse(tt.rankings...)
			if len(got) != len(tt.want) {
				t.Fatalf("Fuse returned %d articles %v, want %d", len(got), ids(got), len(tt.want))
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if math.Abs(g.Score-w.Score) > 1e-12 {
					t.Errorf("result %d (%s) score = %v, want %v", i, g.ArticleID, g.Score, w.Score)
				}
				g.Score, w.Score = 0, 0
				if !reflect.DeepEqual(g, w) {
					t.Errorf("result %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func ids(fs []Fused) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.ArticleID
	}
	return out
}

package retrieval

import "sort"

// rrfK damps the weight of top ranks in reciprocal-rank fusion; 60 is the
// value from Cormack et al. (2009) and works across very different scorers.
const rrfK = 60

// Fuse merges rankings by reciprocal-rank fusion: each article scores
// sum(1/(rrfK+rank)) over the rankings it appears in (rank from 1).
// Ties break by article id so results are deterministic.
func Fuse(rankings ...[]Hit) []Fused {
	byID := map[string]*Fused{}
	var order []string
	for r, ranking := range rankings {
		for i, h := range ranking {
			f, ok := byID[h.ArticleID]
			if !ok {
				f = &Fused{ArticleID: h.ArticleID, ChunkID: h.ChunkID, Text: h.Text, Ranks: make([]int, len(rankings)), Scores: make([]float64, len(rankings))}
				byID[h.ArticleID] = f
				order = append(order, h.ArticleID)
			}
			f.Ranks[r] = i + 1
			f.Scores[r] = h.Score
			f.Score += 1 / float64(rrfK+i+1)
		}
	}
	out := make([]Fused, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ArticleID < out[j].ArticleID
	})
	return out
}

// Fused is an article after fusion. Ranks and Scores hold its rank (0 when
// absent) and raw score in each input ranking, in the order given to Fuse.
type Fused struct {
	ArticleID string
	ChunkID   string
	Text      string
	Score     float64
	Ranks     []int
	Scores    []float64
}

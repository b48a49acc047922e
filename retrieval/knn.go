package retrieval

import (
	"context"
	"fmt"
)

// VectorSource is a nearest-neighbour index over the stored vectors kept
// outside the process: pgvector's HNSW on the PostgreSQL backend. With
// one, a Searcher takes each question's vector candidates from it instead
// of scanning its in-memory vectors (which it still keeps, for the
// classifiers and scales).
type VectorSource interface {
	// NearestVectors returns the k vectors of model in collection nearest
	// q by cosine, best first.
	NearestVectors(ctx context.Context, model, collection string, q []float32, k int) ([]ScoredVector, error)
	// ArticleVectors scores against q every vector of model of the
	// given articles.
	ArticleVectors(ctx context.Context, model string, articleIDs []string, q []float32) ([]ScoredVector, error)
}

// ScoredVector is one stored vector's cosine to a question. ChunkID is
// empty for the vectors of an article's title and similar questions, as
// they are stored.
type ScoredVector struct {
	ArticleID string
	ChunkID   string
	Cosine    float64
}

// How many vectors a search asks a VectorSource for: enough that the
// nearest belong to the n articles wanted, as an article has several
// (title, similar questions, passages); asked again for four times as
// many, up to knnMaxItems, while they cover fewer.
const (
	knnMinItems = 50
	knnMaxItems = 1000
)

// sourceScores computes the vector scores of the articles a VectorSource
// finds nearest q, and of the keyword hits also (so every candidate of the
// fusion has its cosines, as with the in-memory index): the articles'
// every vector is scored, so each score is exact; only which articles
// are scored is approximate.
func (s *Searcher) sourceScores(ctx context.Context, collection string, q []float32, n int, also ...[]Hit) (map[string]vecScore, error) {
	model := s.embedder.Name()
	var ids []string
	seen := map[string]bool{}
	for k := max(knnMinItems, 5*n); ; k = min(4*k, knnMaxItems) {
		near, err := s.KNN.NearestVectors(ctx, model, collection, q, k)
		if err != nil {
			return nil, fmt.Errorf("nearest vectors: %w", err)
		}
		for _, v := range near {
			if !seen[v.ArticleID] {
				seen[v.ArticleID] = true
				ids = append(ids, v.ArticleID)
			}
		}
		if len(ids) >= n || len(near) < k || k == knnMaxItems {
			break
		}
	}
	for _, hits := range also {
		for _, h := range hits {
			if !seen[h.ArticleID] {
				seen[h.ArticleID] = true
				ids = append(ids, h.ArticleID)
			}
		}
	}
	all, err := s.KNN.ArticleVectors(ctx, model, ids, q)
	if err != nil {
		return nil, fmt.Errorf("score candidates' vectors: %w", err)
	}
	m := make(map[string]vecScore, len(ids))
	for _, v := range all {
		chunk, label := v.ChunkID, v.ChunkID == ""
		if label {
			chunk = v.ArticleID + "#0" // as LoadStoredVectors names it
		}
		m[v.ArticleID] = m[v.ArticleID].add(v.Cosine, chunk, label)
	}
	finishScores(m)
	return m, nil
}

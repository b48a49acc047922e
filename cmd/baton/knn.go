package main

import (
	"context"

	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/retrieval"
)

// pgvectorSource is the PostgreSQL store as retrieval's VectorSource: kNN
// through pgvector's HNSW indexes (--vector-search pgvector).
type pgvectorSource struct{ store *postgres.Store }

func (p pgvectorSource) NearestVectors(ctx context.Context, model, collection string, q []float32, k int) ([]retrieval.ScoredVector, error) {
	ns, err := p.store.NearestVectors(ctx, model, collection, q, k)
	return scoredVectors(ns), err
}

func (p pgvectorSource) ArticleVectors(ctx context.Context, model string, ids []string, q []float32) ([]retrieval.ScoredVector, error) {
	ns, err := p.store.ArticleVectors(ctx, model, ids, q)
	return scoredVectors(ns), err
}

func scoredVectors(ns []postgres.Neighbor) []retrieval.ScoredVector {
	out := make([]retrieval.ScoredVector, len(ns))
	for i, n := range ns {
		out[i] = retrieval.ScoredVector{ArticleID: n.ArticleID, ChunkID: n.ChunkID, Cosine: n.Cosine}
	}
	return out
}

package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// Neighbor is one stored vector scored against a query vector.
type Neighbor struct {
	ArticleID string
	// ChunkID is the passage the vector was made from; empty for an
	// article's title and similar questions (see PutVectors' callers).
	ChunkID string
	Cosine  float64
}

// How the HNSW index is built and searched. ef_search is the size of the
// candidate list, twice the results wanted and at least minEFSearch;
// iterative scans (pgvector 0.8) go on past it when the collection filter
// drops candidates, so that a collection holding a small part of the table
// still gets k results. On 5,000 random 512-dimensional unit vectors,
// pgvector's defaults (m 16, ef_construction 64, ef_search 40..100) find
// 0.80 of the true 10 nearest; these settings 0.985, for a query of about
// 4 ms (TestNearestVectorsRecall).
const (
	hnswWith    = "WITH (m = 24, ef_construction = 128)"
	minEFSearch = 200
	maxEFSearch = 1000 // pgvector's upper bound
	// maxHNSWDim is the most dimensions pgvector's HNSW index takes for
	// the vector type; larger models' vectors are searched exactly.
	maxHNSWDim = 2000
)

// vectorIndexName names the HNSW index over one model's vectors of one
// dimension; the model is hashed, as model names may be long or hold any
// character.
func vectorIndexName(model string, dim int) string {
	h := sha256.Sum256([]byte(model))
	return fmt.Sprintf("vectors_hnsw_%s_%d", hex.EncodeToString(h[:6]), dim)
}

// quoteLiteral quotes s as an SQL string literal. The partial index's
// predicate and the queries that use it must name the model literally:
// the planner matches a partial index only against constants.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// modelFilter is the predicate of a model's index, repeated verbatim in
// the queries that use it.
func modelFilter(alias, model string, dim int) string {
	return fmt.Sprintf("%[1]smodel = %[2]s AND %[1]sdim = %[3]d", alias, quoteLiteral(model), dim)
}

// EnsureVectorIndex creates, unless it exists, the HNSW index (cosine
// distance) over the vectors of model that have dim dimensions. The
// column has no fixed dimension, so the index is over the expression
// vec::vector(dim), partial on the model and dimension. It is built
// under an advisory lock so that nodes starting together build it once;
// the build blocks writes to the vectors table meanwhile (seconds for
// tens of thousands of vectors). PutVectors calls it the first time it
// stores a model's vectors.
func (s *Store) EnsureVectorIndex(ctx context.Context, model string, dim int) error {
	if dim <= 0 || dim > maxHNSWDim {
		return fmt.Errorf("index vectors of %s: HNSW indexes 1 to %d dimensions, not %d", model, maxHNSWDim, dim)
	}
	key := fmt.Sprintf("%s\x00%d", model, dim)
	if _, ok := s.indexed.Load(key); ok {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock+1); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON vectors USING hnsw ((vec::vector(%d)) vector_cosine_ops) %s WHERE %s`,
			pgx.Identifier{vectorIndexName(model, dim)}.Sanitize(), dim, hnswWith, modelFilter("", model, dim)))
		return err
	})
	if err != nil {
		return fmt.Errorf("index vectors of %s (%d dimensions): %w", model, dim, err)
	}
	s.indexed.Store(key, true)
	return nil
}

// EnsureVectorIndexes creates the HNSW indexes missing over the vectors
// already stored for model, one per dimension they have: what a server
// calls at start, for vectors stored before the indexes were made.
func (s *Store) EnsureVectorIndexes(ctx context.Context, model string) error {
	rows, _ := s.pool.Query(ctx, `SELECT DISTINCT dim FROM vectors WHERE model = $1`, model)
	dims, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return fmt.Errorf("dimensions of %s's vectors: %w", model, err)
	}
	for _, d := range dims {
		if d > maxHNSWDim {
			continue // searched exactly
		}
		if err := s.EnsureVectorIndex(ctx, model, d); err != nil {
			return err
		}
	}
	return nil
}

// NearestVectors returns the k vectors of model, of articles of
// collection at their current version, nearest q by cosine, best first.
// It searches the model's HNSW index (approximate: recall@10 is measured
// by TestNearestVectorsRecall), with an iterative scan so the collection
// filter does not starve the result; when that still yields fewer than k
// (the scan gives up after hnsw.max_scan_tuples), it searches the
// collection exactly instead. Vectors of more than 2000 dimensions, which
// HNSW does not index, are always searched exactly.
func (s *Store) NearestVectors(ctx context.Context, model, collection string, q []float32, k int) ([]Neighbor, error) {
	if k <= 0 || len(q) == 0 {
		return nil, nil
	}
	dim := len(q)
	indexed := dim <= maxHNSWDim
	if indexed {
		if err := s.EnsureVectorIndex(ctx, model, dim); err != nil {
			return nil, err
		}
	}
	// The cast in ORDER BY is the index's expression; without it (exact)
	// the planner cannot use the index.
	query := func(order string) string {
		return fmt.Sprintf(`SELECT v.article_id, v.chunk_id, 1 - (v.vec::vector(%[1]d) <=> $1) FROM vectors v
			JOIN articles a ON a.id = v.article_id AND a.hash = v.hash
			WHERE %[2]s AND a.collection = $2
			ORDER BY %[3]s LIMIT $3`, dim, modelFilter("v.", model, dim), order)
	}
	vec := pgvector.NewVector(q)
	var out []Neighbor
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ef := min(max(2*k, minEFSearch), maxEFSearch)
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL hnsw.ef_search = %d; SET LOCAL hnsw.iterative_scan = relaxed_order`, ef)); err != nil {
			return err
		}
		if indexed {
			var err error
			out, err = collectNeighbors(tx.Query(ctx, query(fmt.Sprintf("v.vec::vector(%d) <=> $1", dim)), vec, collection, k))
			if err != nil || len(out) == k {
				return err
			}
		}
		var err error
		out, err = collectNeighbors(tx.Query(ctx, query("v.vec <=> $1"), vec, collection, k))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("nearest vectors of %s in %s: %w", model, collection, err)
	}
	// A relaxed-order scan may return neighbours slightly out of order.
	sortNeighbors(out)
	return out, nil
}

// ArticleVectors scores against q every vector of model of the given
// articles at their current version, best first: the complete picture of
// the articles NearestVectors found, or keyword search did.
func (s *Store) ArticleVectors(ctx context.Context, model string, articleIDs []string, q []float32) ([]Neighbor, error) {
	if len(articleIDs) == 0 {
		return nil, nil
	}
	out, err := collectNeighbors(s.pool.Query(ctx, `SELECT v.article_id, v.chunk_id, 1 - (v.vec <=> $1) FROM vectors v
		JOIN articles a ON a.id = v.article_id AND a.hash = v.hash
		WHERE v.model = $2 AND v.article_id = ANY($3)`, pgvector.NewVector(q), model, articleIDs))
	if err != nil {
		return nil, fmt.Errorf("score vectors of %d articles: %w", len(articleIDs), err)
	}
	sortNeighbors(out)
	return out, nil
}

func collectNeighbors(rows pgx.Rows, err error) ([]Neighbor, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Neighbor, error) {
		var n Neighbor
		err := row.Scan(&n.ArticleID, &n.ChunkID, &n.Cosine)
		return n, err
	})
}

// sortNeighbors orders by cosine, best first, ties by article and chunk.
func sortNeighbors(ns []Neighbor) {
	slices.SortStableFunc(ns, func(a, b Neighbor) int {
		switch {
		case a.Cosine > b.Cosine:
			return -1
		case a.Cosine < b.Cosine:
			return 1
		}
		return strings.Compare(a.ArticleID+"\x00"+a.ChunkID, b.ArticleID+"\x00"+b.ChunkID)
	})
}

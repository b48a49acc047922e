package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"

	"github.com/batonhq/baton/kb"
)

// PutVectors replaces an article's vectors for a model, and makes sure
// of the model's HNSW index (see EnsureVectorIndex) when its dimension
// can have one.
func (s *Store) PutVectors(ctx context.Context, articleID, model, hash string, vs []kb.Vector) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM vectors WHERE model = $1 AND article_id = $2`, model, articleID); err != nil {
			return fmt.Errorf("replace vectors of %s: %w", articleID, err)
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"vectors"}, []string{"model", "article_id", "ord", "chunk_id", "hash", "vec"},
			pgx.CopyFromSlice(len(vs), func(i int) ([]any, error) {
				return []any{model, articleID, i, vs[i].ChunkID, hash, pgvector.NewVector(vs[i].Vec)}, nil
			}))
		if err != nil {
			return fmt.Errorf("store vectors of %s: %w", articleID, err)
		}
		return nil
	})
	if err != nil || len(vs) == 0 {
		return err
	}
	if dim := len(vs[0].Vec); dim <= maxHNSWDim {
		return s.EnsureVectorIndex(ctx, model, dim)
	}
	return nil
}

// Vectors streams the current vectors of a model.
func (s *Store) Vectors(ctx context.Context, model string, fn func(collection string, v kb.Vector) error) error {
	rows, err := s.pool.Query(ctx, `SELECT a.collection, v.article_id, v.chunk_id, v.vec FROM vectors v
		JOIN articles a ON a.id = v.article_id AND a.hash = v.hash
		WHERE v.model = $1 ORDER BY v.article_id, v.ord`, model)
	if err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var coll string
		var v kb.Vector
		var vec pgvector.Vector
		if err := rows.Scan(&coll, &v.ArticleID, &v.ChunkID, &vec); err != nil {
			return fmt.Errorf("load vectors: %w", err)
		}
		v.Vec = vec.Slice()
		if err := fn(coll, v); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load vectors: %w", err)
	}
	return nil
}

// ArticlesMissingVectors lists articles without vectors of the model for
// their current content.
func (s *Store) ArticlesMissingVectors(ctx context.Context, model string) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT a.id FROM articles a WHERE NOT EXISTS
		(SELECT 1 FROM vectors v WHERE v.model = $1 AND v.article_id = a.id AND v.hash = a.hash) ORDER BY a.id`, model)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("articles missing vectors: %w", err)
	}
	return ids, nil
}

package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ArticleChange is one change to a published article: the article as it
// now is in the store (or gone) is what a node's index must show.
type ArticleChange struct {
	Seq       int64
	ArticleID string
}

// LastArticleChange is the sequence number of the newest article change,
// 0 when there is none.
func (s *Store) LastArticleChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(max(seq), 0) FROM article_changes`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("last article change: %w", err)
	}
	return seq, nil
}

// ArticleChanges lists up to limit article changes after seq, oldest
// first. An article changed several times appears once per change.
func (s *Store) ArticleChanges(ctx context.Context, after int64, limit int) ([]ArticleChange, error) {
	rows, _ := s.pool.Query(ctx, `SELECT seq, article_id FROM article_changes WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ArticleChange])
	if err != nil {
		return nil, fmt.Errorf("article changes: %w", err)
	}
	return cs, nil
}

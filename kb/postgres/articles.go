package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

const articleColumns = `id, collection, title, body, questions, tags, lang, always_handoff, source, hash, version, updated_at`

// Article returns one article by id.
func (s *Store) Article(ctx context.Context, id string) (*kb.Article, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = $1`, id)
	a, err := pgx.CollectExactlyOneRow(rows, scanArticle)
	if err != nil {
		return nil, notFound(err, "article "+id)
	}
	return a, nil
}

// Articles lists the articles of a collection, or of all when collection is empty.
func (s *Store) Articles(ctx context.Context, collection string) ([]*kb.Article, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+articleColumns+` FROM articles WHERE $1 = '' OR collection = $1 ORDER BY id`, collection)
	as, err := pgx.CollectRows(rows, scanArticle)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	return as, nil
}

// Collections lists the collections that hold articles.
func (s *Store) Collections(ctx context.Context) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT DISTINCT collection FROM articles ORDER BY collection`)
	cs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	return cs, nil
}

// MostAnswered counts the bot's answers by the article they cited first.
func (s *Store) MostAnswered(ctx context.Context, collection string, since time.Time, limit int) ([]kb.ArticleCount, error) {
	rows, _ := s.pool.Query(ctx, `SELECT m.reply->'citations'->0->>'article_id' AS a, count(*)::int AS n
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.collection = $1 AND m.role = $2 AND m.created_at >= $3 AND m.reply->>'band' = $4
		  AND m.reply->'citations'->0->>'article_id' IS NOT NULL
		GROUP BY a ORDER BY n DESC, a LIMIT $5`,
		collection, kb.RoleBot, since, kb.BandAnswer, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[kb.ArticleCount])
	if err != nil {
		return nil, fmt.Errorf("most answered: %w", err)
	}
	return out, nil
}

// ArticlesBySource lists the ids of the articles one source file produced.
func (s *Store) ArticlesBySource(ctx context.Context, collection, source string) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id FROM articles WHERE collection = $1 AND source = $2 ORDER BY id`, collection, source)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("articles by source: %w", err)
	}
	return ids, nil
}

// PutArticle stores an article and replaces its chunks, unless its hash is
// unchanged. The replaced version is kept in article_versions.
func (s *Store) PutArticle(ctx context.Context, a *kb.Article, chunks []kb.Chunk) (bool, error) {
	return s.putArticle(ctx, a, chunks, -1)
}

// UpdateArticle is PutArticle only if the stored version is baseVersion.
func (s *Store) UpdateArticle(ctx context.Context, a *kb.Article, chunks []kb.Chunk, baseVersion int) (bool, error) {
	return s.putArticle(ctx, a, chunks, baseVersion)
}

// putArticle checks the stored version against base unless base < 0. The
// stored row is locked, and a new one inserted without upsert, so that two
// nodes writing one article at once cannot both build on the same version.
func (s *Store) putArticle(ctx context.Context, a *kb.Article, chunks []kb.Chunk, base int) (bool, error) {
	if a.ID == "" || a.Collection == "" || a.Hash == "" {
		return false, fmt.Errorf("put article: id, collection and hash required: %w", kb.ErrInvalid)
	}
	changed := true
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = $1 FOR UPDATE`, a.ID)
		old, err := pgx.CollectExactlyOneRow(rows, scanArticle)
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("put article %s: %w", a.ID, err)
		}
		if base >= 0 {
			current := 0
			if exists {
				current = old.Version
			}
			if current != base {
				return fmt.Errorf("article %s is at version %d, not %d: someone else changed it: %w", a.ID, current, base, kb.ErrConflict)
			}
		}
		switch {
		case !exists:
			a.Version = 1
			err = tx.QueryRow(ctx, `INSERT INTO articles (id, collection, title, body, questions, tags, lang, always_handoff, source, hash, version)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING updated_at`,
				a.ID, a.Collection, a.Title, a.Body, nonNil(a.Questions), nonNil(a.Tags), a.Lang, a.AlwaysHandoff, a.Source, a.Hash, a.Version).Scan(&a.UpdatedAt)
			if isUniqueViolation(err) {
				return fmt.Errorf("article %s was created meanwhile: %w", a.ID, kb.ErrConflict)
			}
		case old.Hash == a.Hash && old.Collection == a.Collection:
			*a = *old
			changed = false
			return nil
		default:
			a.Version = old.Version + 1
			if _, err := tx.Exec(ctx, `INSERT INTO article_versions (article_id, version, data) VALUES ($1, $2, $3)
				ON CONFLICT (article_id, version) DO UPDATE SET data = excluded.data, created_at = excluded.created_at`, old.ID, old.Version, old); err != nil {
				return fmt.Errorf("keep version of %s: %w", a.ID, err)
			}
			err = tx.QueryRow(ctx, `UPDATE articles SET collection = $2, title = $3, body = $4, questions = $5, tags = $6, lang = $7,
				always_handoff = $8, source = $9, hash = $10, version = $11, updated_at = clock_timestamp() WHERE id = $1 RETURNING updated_at`,
				a.ID, a.Collection, a.Title, a.Body, nonNil(a.Questions), nonNil(a.Tags), a.Lang, a.AlwaysHandoff, a.Source, a.Hash, a.Version).Scan(&a.UpdatedAt)
		}
		if err != nil {
			return fmt.Errorf("put article %s: %w", a.ID, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM chunks WHERE article_id = $1`, a.ID); err != nil {
			return fmt.Errorf("replace chunks of %s: %w", a.ID, err)
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"chunks"}, []string{"id", "article_id", "ord", "heading", "text"},
			pgx.CopyFromSlice(len(chunks), func(i int) ([]any, error) {
				c := chunks[i]
				return []any{c.ID, a.ID, c.Ord, c.Heading, c.Text}, nil
			}))
		if err != nil {
			return fmt.Errorf("insert chunks of %s: %w", a.ID, err)
		}
		return nil
	})
	return changed && err == nil, err
}

// ArticleVersions lists an article's versions, newest first.
func (s *Store) ArticleVersions(ctx context.Context, id string) ([]*kb.Article, error) {
	cur, err := s.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, `SELECT data FROM article_versions WHERE article_id = $1 AND version < $2 ORDER BY version DESC`, id, cur.Version)
	old, err := pgx.CollectRows(rows, pgx.RowTo[*kb.Article])
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", id, err)
	}
	return append([]*kb.Article{cur}, old...), nil
}

// DeleteArticle removes an article and, by cascade, its chunks and vectors.
func (s *Store) DeleteArticle(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM articles WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete article %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete article %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// Chunks returns an article's passages in order.
func (s *Store) Chunks(ctx context.Context, articleID string) ([]kb.Chunk, error) {
	rows, _ := s.pool.Query(ctx, `SELECT id, article_id, ord, heading, text FROM chunks WHERE article_id = $1 ORDER BY ord`, articleID)
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[kb.Chunk])
	if err != nil {
		return nil, fmt.Errorf("chunks of %s: %w", articleID, err)
	}
	return cs, nil
}

func scanArticle(row pgx.CollectableRow) (*kb.Article, error) {
	var a kb.Article
	err := row.Scan(&a.ID, &a.Collection, &a.Title, &a.Body, &a.Questions, &a.Tags, &a.Lang, &a.AlwaysHandoff, &a.Source, &a.Hash, &a.Version, &a.UpdatedAt)
	return &a, err
}

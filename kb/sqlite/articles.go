package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/kb"
)

const articleColumns = `id, collection, title, body, questions, tags, lang, always_handoff, source, hash, version, updated_at`

// Article returns one article by id.
func (d *DB) Article(ctx context.Context, id string) (*kb.Article, error) {
	row := d.db.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = ?`, id)
	a, err := scanArticle(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("article %s: %w", id, kb.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load article %s: %w", id, err)
	}
	return a, nil
}

// Articles lists the articles of a collection, or of all when collection is empty.
func (d *DB) Articles(ctx context.Context, collection string) ([]*kb.Article, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE ? = '' OR collection = ? ORDER BY id`, collection, collection)
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	defer rows.Close()
	var out []*kb.Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, fmt.Errorf("list articles: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Collections lists the collections that hold articles.
func (d *DB) Collections(ctx context.Context) ([]string, error) {
	ids, err := d.queryIDs(ctx, `SELECT DISTINCT collection FROM articles ORDER BY collection`)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	return ids, nil
}

// MostAnswered counts the bot's answers by the article they cited first.
func (d *DB) MostAnswered(ctx context.Context, collection string, since time.Time, limit int) ([]kb.ArticleCount, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT json_extract(m.reply, '$.citations[0].article_id') AS a, count(*) AS n
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE c.collection = ? AND m.role = ? AND m.created_at >= ? AND json_extract(m.reply, '$.band') = ? AND a IS NOT NULL
		GROUP BY a ORDER BY n DESC, a LIMIT ?`,
		collection, kb.RoleBot, since.UTC().Format(timeFormat), kb.BandAnswer, limit)
	if err != nil {
		return nil, fmt.Errorf("most answered: %w", err)
	}
	defer rows.Close()
	var out []kb.ArticleCount
	for rows.Next() {
		var ac kb.ArticleCount
		if err := rows.Scan(&ac.ArticleID, &ac.Count); err != nil {
			return nil, fmt.Errorf("most answered: %w", err)
		}
		out = append(out, ac)
	}
	return out, rows.Err()
}

// ArticlesBySource lists the ids of the articles one source file produced.
func (d *DB) ArticlesBySource(ctx context.Context, collection, source string) ([]string, error) {
	ids, err := d.queryIDs(ctx, `SELECT id FROM articles WHERE collection = ? AND source = ? ORDER BY id`, collection, source)
	if err != nil {
		return nil, fmt.Errorf("articles by source: %w", err)
	}
	return ids, nil
}

// queryIDs runs a query selecting one text column.
func (d *DB) queryIDs(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// PutArticle stores an article and replaces its chunks, unless its hash is
// unchanged. The replaced version is kept in article_versions.
func (d *DB) PutArticle(ctx context.Context, a *kb.Article, chunks []kb.Chunk) (bool, error) {
	return d.putArticle(ctx, a, chunks, -1)
}

// UpdateArticle is PutArticle only if the stored version is baseVersion.
func (d *DB) UpdateArticle(ctx context.Context, a *kb.Article, chunks []kb.Chunk, baseVersion int) (bool, error) {
	return d.putArticle(ctx, a, chunks, baseVersion)
}

// putArticle checks the stored version against base unless base < 0.
func (d *DB) putArticle(ctx context.Context, a *kb.Article, chunks []kb.Chunk, base int) (bool, error) {
	if a.ID == "" || a.Collection == "" || a.Hash == "" {
		return false, fmt.Errorf("put article: id, collection and hash required: %w", kb.ErrInvalid)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()

	old, err := scanArticle(tx.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles WHERE id = ?`, a.ID))
	if base >= 0 {
		current := 0
		if err == nil {
			current = old.Version
		}
		if current != base {
			return false, fmt.Errorf("article %s is at version %d, not %d: someone else changed it: %w", a.ID, current, base, kb.ErrConflict)
		}
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		a.Version = 1
	case err != nil:
		return false, fmt.Errorf("put article %s: %w", a.ID, err)
	case old.Hash == a.Hash && old.Collection == a.Collection:
		*a = *old
		return false, nil
	default:
		a.Version = old.Version + 1
		data, _ := json.Marshal(old)
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO article_versions (article_id, version, data, created_at) VALUES (?, ?, ?, ?)`, old.ID, old.Version, string(data), now()); err != nil {
			return false, fmt.Errorf("keep version of %s: %w", a.ID, err)
		}
	}
	ts := now()
	a.UpdatedAt = parseTime(ts)
	qs, _ := json.Marshal(nonNil(a.Questions))
	tags, _ := json.Marshal(nonNil(a.Tags))
	if _, err := tx.ExecContext(ctx, `INSERT INTO articles (`+articleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET collection=excluded.collection, title=excluded.title, body=excluded.body,
		questions=excluded.questions, tags=excluded.tags, lang=excluded.lang, always_handoff=excluded.always_handoff,
		source=excluded.source, hash=excluded.hash, version=excluded.version, updated_at=excluded.updated_at`,
		a.ID, a.Collection, a.Title, a.Body, string(qs), string(tags), a.Lang, a.AlwaysHandoff, a.Source, a.Hash, a.Version, ts); err != nil {
		return false, fmt.Errorf("put article %s: %w", a.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE article_id = ?`, a.ID); err != nil {
		return false, fmt.Errorf("replace chunks of %s: %w", a.ID, err)
	}
	for _, c := range chunks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO chunks (id, article_id, ord, heading, text) VALUES (?, ?, ?, ?, ?)`, c.ID, a.ID, c.Ord, c.Heading, c.Text); err != nil {
			return false, fmt.Errorf("insert chunk %s: %w", c.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("put article %s: %w", a.ID, err)
	}
	return true, nil
}

// ArticleVersions lists an article's versions, newest first.
func (d *DB) ArticleVersions(ctx context.Context, id string) ([]*kb.Article, error) {
	cur, err := d.Article(ctx, id)
	if err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT data FROM article_versions WHERE article_id = ? ORDER BY version DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", id, err)
	}
	defer rows.Close()
	out := []*kb.Article{cur}
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var a kb.Article
		if err := json.Unmarshal([]byte(data), &a); err != nil {
			return nil, fmt.Errorf("decode version of %s: %w", id, err)
		}
		if a.Version < cur.Version {
			out = append(out, &a)
		}
	}
	return out, rows.Err()
}

// DeleteArticle removes an article and, by cascade, its chunks.
func (d *DB) DeleteArticle(ctx context.Context, id string) error {
	res, err := d.db.ExecContext(ctx, `DELETE FROM articles WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete article %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delete article %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// Chunks returns an article's passages in order.
func (d *DB) Chunks(ctx context.Context, articleID string) ([]kb.Chunk, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, article_id, ord, heading, text FROM chunks WHERE article_id = ? ORDER BY ord`, articleID)
	if err != nil {
		return nil, fmt.Errorf("chunks of %s: %w", articleID, err)
	}
	defer rows.Close()
	var out []kb.Chunk
	for rows.Next() {
		var c kb.Chunk
		if err := rows.Scan(&c.ID, &c.ArticleID, &c.Ord, &c.Heading, &c.Text); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(dest ...any) error }

func scanArticle(s scanner) (*kb.Article, error) {
	var a kb.Article
	var qs, tags, updated string
	if err := s.Scan(&a.ID, &a.Collection, &a.Title, &a.Body, &qs, &tags, &a.Lang, &a.AlwaysHandoff, &a.Source, &a.Hash, &a.Version, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(qs), &a.Questions); err != nil {
		return nil, fmt.Errorf("decode questions of %s: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return nil, fmt.Errorf("decode tags of %s: %w", a.ID, err)
	}
	a.UpdatedAt = parseTime(updated)
	return &a, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

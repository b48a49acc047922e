package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/kb"
)

// PutRating stores a conversation's rating, replacing any earlier one.
func (d *DB) PutRating(ctx context.Context, r *kb.Rating) error {
	if err := r.Validate(); err != nil {
		return err
	}
	at := time.Now().UTC()
	res, err := d.db.ExecContext(ctx, `
		INSERT INTO ratings (conversation_id, score, comment, agent_id, created_at)
		SELECT id, ?2, ?3, ?4, ?5 FROM conversations WHERE id = ?1
		ON CONFLICT (conversation_id) DO UPDATE SET score = excluded.score, comment = excluded.comment,
			agent_id = excluded.agent_id, created_at = excluded.created_at`,
		r.ConversationID, r.Score, r.Comment, r.AgentID, at.Format(timeFormat))
	if err != nil {
		return fmt.Errorf("rate conversation %s: %w", r.ConversationID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("conversation %s: %w", r.ConversationID, kb.ErrNotFound)
	}
	r.CreatedAt = at
	return nil
}

const ratingColumns = `r.conversation_id, c.collection, r.score, r.comment, r.agent_id, r.created_at`

// Rating returns a conversation's rating.
func (d *DB) Rating(ctx context.Context, conversationID string) (*kb.Rating, error) {
	r, err := scanRating(d.db.QueryRowContext(ctx, `SELECT `+ratingColumns+`
		FROM ratings r JOIN conversations c ON c.id = r.conversation_id WHERE r.conversation_id = ?`, conversationID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("rating of conversation %s: %w", conversationID, kb.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("rating of conversation %s: %w", conversationID, err)
	}
	return r, nil
}

// Ratings lists the ratings of the conversations started in the window.
func (d *DB) Ratings(ctx context.Context, collection string, since, until time.Time) ([]*kb.Rating, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+ratingColumns+`
		FROM ratings r JOIN conversations c ON c.id = r.conversation_id
		WHERE (?1 = '' OR c.collection = ?1) AND julianday(c.created_at) >= julianday(?2) AND julianday(c.created_at) < julianday(?3)
		ORDER BY julianday(c.created_at), c.id`,
		collection, since.UTC().Format(timeFormat), until.UTC().Format(timeFormat))
	if err != nil {
		return nil, fmt.Errorf("ratings: %w", err)
	}
	defer rows.Close()
	var out []*kb.Rating
	for rows.Next() {
		r, err := scanRating(rows)
		if err != nil {
			return nil, fmt.Errorf("ratings: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanRating(row interface{ Scan(...any) error }) (*kb.Rating, error) {
	var r kb.Rating
	var created string
	if err := row.Scan(&r.ConversationID, &r.Collection, &r.Score, &r.Comment, &r.AgentID, &created); err != nil {
		return nil, err
	}
	r.CreatedAt = parseTime(created)
	return &r, nil
}

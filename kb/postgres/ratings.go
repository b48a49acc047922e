package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// PutRating stores a conversation's rating, replacing any earlier one.
func (s *Store) PutRating(ctx context.Context, r *kb.Rating) error {
	if err := r.Validate(); err != nil {
		return err
	}
	rows, _ := s.pool.Query(ctx, `
		INSERT INTO ratings (conversation_id, score, comment, agent_id)
		SELECT id, $2, $3, $4 FROM conversations WHERE id = $1
		ON CONFLICT (conversation_id) DO UPDATE SET score = excluded.score, comment = excluded.comment,
			agent_id = excluded.agent_id, created_at = excluded.created_at
		RETURNING created_at`,
		r.ConversationID, r.Score, r.Comment, r.AgentID)
	at, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[time.Time])
	if err != nil {
		return notFound(err, "conversation "+r.ConversationID)
	}
	r.CreatedAt = at
	return nil
}

const ratingColumns = `r.conversation_id, c.collection, r.score, r.comment, r.agent_id, r.created_at`

// Rating returns a conversation's rating.
func (s *Store) Rating(ctx context.Context, conversationID string) (*kb.Rating, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+ratingColumns+`
		FROM ratings r JOIN conversations c ON c.id = r.conversation_id WHERE r.conversation_id = $1`, conversationID)
	r, err := pgx.CollectExactlyOneRow(rows, scanRating)
	if err != nil {
		return nil, notFound(err, "rating of conversation "+conversationID)
	}
	return r, nil
}

// Ratings lists the ratings of the conversations started in the window.
func (s *Store) Ratings(ctx context.Context, collection string, since, until time.Time) ([]*kb.Rating, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+ratingColumns+`
		FROM ratings r JOIN conversations c ON c.id = r.conversation_id
		WHERE ($1 = '' OR c.collection = $1) AND c.created_at >= $2 AND c.created_at < $3
		ORDER BY c.created_at, c.id`, collection, since, until)
	out, err := pgx.CollectRows(rows, scanRating)
	if err != nil {
		return nil, fmt.Errorf("ratings: %w", err)
	}
	return out, nil
}

func scanRating(row pgx.CollectableRow) (*kb.Rating, error) {
	var r kb.Rating
	err := row.Scan(&r.ConversationID, &r.Collection, &r.Score, &r.Comment, &r.AgentID, &r.CreatedAt)
	return &r, err
}

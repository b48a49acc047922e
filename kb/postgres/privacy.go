package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// CustomerConversations lists, oldest first, a customer's conversations:
// those signed with their customer id, and the unsigned ones started from
// them with "New conversation" (and from those). An unsigned conversation
// they started from is not known to be theirs, and is not listed.
func (s *Store) CustomerConversations(ctx context.Context, customerID string) ([]*kb.Conversation, error) {
	if strings.TrimSpace(customerID) == "" {
		return nil, fmt.Errorf("customer id is empty: %w", kb.ErrInvalid)
	}
	rows, _ := s.pool.Query(ctx, `
		WITH RECURSIVE linked(id) AS (
			SELECT id FROM conversations WHERE customer_id = $1
			UNION
			SELECT c.id FROM conversations c JOIN linked l ON c.previous_id = l.id WHERE c.customer_id = ''
		)
		SELECT `+conversationColumns+` FROM conversations
		WHERE id IN (SELECT id FROM linked)
		ORDER BY created_at, id`, customerID)
	cs, err := pgx.CollectRows(rows, scanConversation)
	if err != nil {
		return nil, fmt.Errorf("conversations of a customer: %w", err)
	}
	return cs, nil
}

// ActiveConversations lists a collection's conversations with a message
// at or after since.
func (s *Store) ActiveConversations(ctx context.Context, collection string, since time.Time) ([]string, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT c.id FROM conversations c
		WHERE c.collection = $1
		  AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.created_at >= $2)
		ORDER BY c.created_at, c.id`,
		collection, since)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("active conversations: %w", err)
	}
	return ids, nil
}

// IdleConversations lists conversations not with a person whose last
// message (or start, with none) came before f.Before.
func (s *Store) IdleConversations(ctx context.Context, f kb.IdleFilter) ([]string, error) {
	var limit any
	if f.Limit > 0 {
		limit = f.Limit
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT c.id FROM conversations c
		WHERE c.status <> $1 AND ($2 = '' OR c.collection = $2) AND NOT (c.collection = ANY($3))
		  AND COALESCE((SELECT max(m.created_at) FROM messages m WHERE m.conversation_id = c.id), c.created_at) < $4
		ORDER BY c.created_at, c.id LIMIT $5`,
		kb.StatusHandoff, f.Collection, nonNil(f.Except), f.Before, limit)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("idle conversations: %w", err)
	}
	return ids, nil
}

// EraseConversations deletes conversations with their messages, hand-offs,
// ratings, misses, webhook deliveries and the live events relayed about
// them, in one transaction.
func (s *Store) EraseConversations(ctx context.Context, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM misses WHERE conversation_id = ANY($1)`, ids); err != nil {
			return fmt.Errorf("erase misses: %w", err)
		}
		// Relayed events carry messages and hand-offs; ids are random, so
		// finding one in a payload means the event is about it.
		if _, err := tx.Exec(ctx, `DELETE FROM events e WHERE EXISTS (
			SELECT 1 FROM unnest($1::text[]) i WHERE position(convert_to(i, 'UTF8') IN e.payload) > 0)`, ids); err != nil {
			return fmt.Errorf("erase events: %w", err)
		}
		// Webhook deliveries about them carry hand-offs and contact details.
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_outbox WHERE conversation_id = ANY($1)`, ids); err != nil {
			return fmt.Errorf("erase webhook deliveries: %w", err)
		}
		tag, err := tx.Exec(ctx, `DELETE FROM conversations WHERE id = ANY($1)`, ids)
		if err != nil {
			return fmt.Errorf("erase conversations: %w", err)
		}
		n = tag.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int(n), nil
}

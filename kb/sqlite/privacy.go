package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/kb"
)

// CustomerConversations lists, oldest first, a customer's conversations:
// those signed with their customer id, and the unsigned ones started from
// them with "New conversation" (and from those). An unsigned conversation
// they started from is not known to be theirs, and is not listed.
func (d *DB) CustomerConversations(ctx context.Context, customerID string) ([]*kb.Conversation, error) {
	if strings.TrimSpace(customerID) == "" {
		return nil, fmt.Errorf("customer id is empty: %w", kb.ErrInvalid)
	}
	rows, err := d.db.QueryContext(ctx, `
		WITH RECURSIVE linked(id) AS (
			SELECT id FROM conversations WHERE customer_id = ?1
			UNION
			SELECT c.id FROM conversations c JOIN linked l ON c.previous_id = l.id WHERE c.customer_id = ''
		)
		SELECT `+conversationColumns+` FROM conversations
		WHERE id IN linked
		ORDER BY julianday(created_at), created_at`, customerID)
	if err != nil {
		return nil, fmt.Errorf("conversations of a customer: %w", err)
	}
	defer rows.Close()
	var out []*kb.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("conversations of a customer: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ActiveConversations lists a collection's conversations with a message
// at or after since.
func (d *DB) ActiveConversations(ctx context.Context, collection string, since time.Time) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `
		SELECT c.id FROM conversations c
		WHERE c.collection = ?1
		  AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND julianday(m.created_at) >= julianday(?2))
		ORDER BY julianday(c.created_at), c.id`,
		collection, since.UTC().Format(timeFormat))
	if err != nil {
		return nil, fmt.Errorf("active conversations: %w", err)
	}
	return scanIDs(rows)
}

// IdleConversations lists conversations not with a person whose last
// message (or start, with none) came before f.Before.
func (d *DB) IdleConversations(ctx context.Context, f kb.IdleFilter) ([]string, error) {
	except, _ := json.Marshal(nonNil(f.Except))
	limit := f.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := d.db.QueryContext(ctx, `
		SELECT c.id FROM conversations c
		WHERE c.status <> ?1 AND (?2 = '' OR c.collection = ?2)
		  AND c.collection NOT IN (SELECT value FROM json_each(?3))
		  AND COALESCE((SELECT MAX(julianday(m.created_at)) FROM messages m WHERE m.conversation_id = c.id), julianday(c.created_at)) < julianday(?4)
		ORDER BY julianday(c.created_at), c.id LIMIT ?5`,
		kb.StatusHandoff, f.Collection, string(except), f.Before.UTC().Format(timeFormat), limit)
	if err != nil {
		return nil, fmt.Errorf("idle conversations: %w", err)
	}
	return scanIDs(rows)
}

// scanIDs reads a one-column result of ids and closes it.
func scanIDs(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// EraseConversations deletes conversations with their messages, hand-offs,
// ratings, misses and webhook deliveries in one transaction, then
// checkpoints the write-ahead log so that, with secure_delete, no copy of
// the erased text stays in a file.
func (d *DB) EraseConversations(ctx context.Context, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	list, _ := json.Marshal(ids)
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// Messages, hand-offs and ratings cascade; misses name the
	// conversation without a foreign key, so that a miss outlives nothing
	// by accident.
	if _, err := tx.ExecContext(ctx, `DELETE FROM misses WHERE conversation_id IN (SELECT value FROM json_each(?))`, string(list)); err != nil {
		return 0, fmt.Errorf("erase misses: %w", err)
	}
	// Webhook deliveries about them carry hand-offs and contact details.
	if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_outbox WHERE conversation_id IN (SELECT value FROM json_each(?))`, string(list)); err != nil {
		return 0, fmt.Errorf("erase webhook deliveries: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM conversations WHERE id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return 0, fmt.Errorf("erase conversations: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("erase conversations: %w", err)
	}
	// The erasure is committed: finish it even when ctx ends now.
	if err := d.checkpoint(context.WithoutCancel(ctx)); err != nil {
		return int(n), err
	}
	return int(n), nil
}

// checkpoint copies the write-ahead log into the database and empties it:
// the log still holds the pages as they were before a secure delete.
func (d *DB) checkpoint(ctx context.Context) error {
	var busy, logged, moved int
	if err := d.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint: the database was busy; erased text may remain in the write-ahead log until the next checkpoint")
	}
	return nil
}

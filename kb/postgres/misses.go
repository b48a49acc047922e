package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// AddMiss records a miss once per question and trigger.
func (s *Store) AddMiss(ctx context.Context, m *kb.Miss) error {
	if m.Status == "" {
		m.Status = kb.MissOpen
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO misses (id, collection, conversation_id, message_id, question, lang, trigger, reasons, passages, agent_reply, status, fix)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (message_id, trigger) DO UPDATE SET agent_reply = excluded.agent_reply RETURNING created_at`,
		m.ID, m.Collection, m.ConversationID, m.MessageID, m.Question, m.Lang, m.Trigger, nonNil(m.Reasons), nonNil(m.Passages),
		m.AgentReply, m.Status, m.Fix).Scan(&m.CreatedAt)
	if err != nil {
		return fmt.Errorf("add miss: %w", err)
	}
	return nil
}

// Misses lists the misses f selects, oldest first.
func (s *Store) Misses(ctx context.Context, f kb.MissFilter) ([]*kb.Miss, error) {
	var w where
	if f.Collection != "" {
		w.add("collection = $%d", f.Collection)
	}
	if f.Status != "" {
		w.add("status = $%d", f.Status)
	}
	if !f.Since.IsZero() {
		w.add("created_at >= $%d", f.Since)
	}
	if !f.Until.IsZero() {
		w.add("created_at < $%d", f.Until)
	}
	rows, _ := s.pool.Query(ctx, `SELECT id, collection, conversation_id, message_id, question, lang, trigger, reasons, passages, agent_reply, status, fix, created_at
		FROM misses`+w.sql()+` ORDER BY created_at, id`, w.args...)
	ms, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByPos[kb.Miss])
	if err != nil {
		return nil, fmt.Errorf("list misses: %w", err)
	}
	return ms, nil
}

// CloseMisses sets the status and fix of misses.
func (s *Store) CloseMisses(ctx context.Context, ids []string, status, fix string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE misses SET status = $1, fix = $2 WHERE id = ANY($3)`, status, fix, ids); err != nil {
		return fmt.Errorf("close misses: %w", err)
	}
	return nil
}

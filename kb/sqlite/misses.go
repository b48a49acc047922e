package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/batonhq/baton/kb"
)

// AddMiss records a miss once per question and trigger.
func (d *DB) AddMiss(ctx context.Context, m *kb.Miss) error {
	reasons, _ := json.Marshal(nonNil(m.Reasons))
	passages := m.Passages
	if passages == nil {
		passages = []kb.Citation{}
	}
	ps, _ := json.Marshal(passages)
	if m.Status == "" {
		m.Status = kb.MissOpen
	}
	ts := now()
	_, err := d.db.ExecContext(ctx, `INSERT INTO misses (id, collection, conversation_id, message_id, question, lang, trigger, reasons, passages, agent_reply, status, fix, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, trigger) DO UPDATE SET agent_reply = excluded.agent_reply`,
		m.ID, m.Collection, m.ConversationID, m.MessageID, m.Question, m.Lang, m.Trigger, string(reasons), string(ps), m.AgentReply, m.Status, m.Fix, ts)
	if err != nil {
		return fmt.Errorf("add miss: %w", err)
	}
	m.CreatedAt = parseTime(ts)
	return nil
}

// Misses lists the misses f selects, oldest first.
func (d *DB) Misses(ctx context.Context, f kb.MissFilter) ([]*kb.Miss, error) {
	var where []string
	var args []any
	if f.Collection != "" {
		where, args = append(where, "collection = ?"), append(args, f.Collection)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, f.Status)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, f.Since.UTC().Format(timeFormat))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, f.Until.UTC().Format(timeFormat))
	}
	q := `SELECT id, collection, conversation_id, message_id, question, lang, trigger, reasons, passages, agent_reply, status, fix, created_at FROM misses`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := d.db.QueryContext(ctx, q+" ORDER BY created_at, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list misses: %w", err)
	}
	defer rows.Close()
	var out []*kb.Miss
	for rows.Next() {
		var m kb.Miss
		var reasons, passages, created string
		if err := rows.Scan(&m.ID, &m.Collection, &m.ConversationID, &m.MessageID, &m.Question, &m.Lang, &m.Trigger,
			&reasons, &passages, &m.AgentReply, &m.Status, &m.Fix, &created); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(reasons), &m.Reasons); err != nil {
			return nil, fmt.Errorf("decode reasons of miss %s: %w", m.ID, err)
		}
		if err := json.Unmarshal([]byte(passages), &m.Passages); err != nil {
			return nil, fmt.Errorf("decode passages of miss %s: %w", m.ID, err)
		}
		m.CreatedAt = parseTime(created)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// CloseMisses sets the status and fix of misses.
func (d *DB) CloseMisses(ctx context.Context, ids []string, status, fix string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{status, fix}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := d.db.ExecContext(ctx, `UPDATE misses SET status = ?, fix = ? WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return fmt.Errorf("close misses: %w", err)
	}
	return nil
}

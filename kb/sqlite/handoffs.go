package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/kb"
)

const handoffColumns = `id, conversation_id, collection, reasons, status, lang, priority, claimed_by, claimed_at, closed_at, outcome, contact, created_at, team_id, routed_to`

// CreateHandoff records a hand-off; CreatedAt is set here.
func (d *DB) CreateHandoff(ctx context.Context, h *kb.Handoff) error {
	reasons, _ := json.Marshal(nonNil(h.Reasons))
	ts := now()
	if _, err := d.db.ExecContext(ctx, `INSERT INTO handoffs (`+handoffColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.ID, h.ConversationID, h.Collection, string(reasons), h.Status, h.Lang, h.Priority, h.ClaimedBy,
		optTime(h.ClaimedAt), optTime(h.ClosedAt), h.Outcome, h.Contact, ts, h.Team, h.RoutedTo); err != nil {
		return fmt.Errorf("create handoff: %w", err)
	}
	h.CreatedAt = parseTime(ts)
	return nil
}

// Handoff loads one hand-off or returns kb.ErrNotFound.
func (d *DB) Handoff(ctx context.Context, id string) (*kb.Handoff, error) {
	hs, err := d.queryHandoffs(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		return nil, fmt.Errorf("handoff %s: %w", id, kb.ErrNotFound)
	}
	return hs[0], nil
}

// Handoffs lists the hand-offs f selects, oldest first.
func (d *DB) Handoffs(ctx context.Context, f kb.HandoffFilter) ([]*kb.Handoff, error) {
	var where []string
	var args []any
	if len(f.Status) > 0 {
		where = append(where, "status IN (?"+strings.Repeat(", ?", len(f.Status)-1)+")")
		for _, s := range f.Status {
			args = append(args, s)
		}
	}
	if f.Collection != "" {
		where = append(where, "collection = ?")
		args = append(args, f.Collection)
	}
	if f.ConversationID != "" {
		where = append(where, "conversation_id = ?")
		args = append(args, f.ConversationID)
	}
	q := `SELECT ` + handoffColumns + ` FROM handoffs`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit > 0 {
		// The newest f.Limit, returned oldest first like the rest.
		q = `SELECT * FROM (` + q + ` ORDER BY created_at DESC, id DESC LIMIT ?) ORDER BY created_at, id`
		args = append(args, f.Limit)
	} else {
		q += ` ORDER BY created_at, id`
	}
	return d.queryHandoffs(ctx, q, args...)
}

// UpdateHandoff writes h's mutable fields if the stored row still has the
// expected status and owner: a compare-and-set, so of two agents claiming
// at once exactly one wins.
func (d *DB) UpdateHandoff(ctx context.Context, h *kb.Handoff, fromStatus, fromClaimedBy string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE handoffs SET status = ?, priority = ?, claimed_by = ?, claimed_at = ?, closed_at = ?, outcome = ?, contact = ?, team_id = ?
		WHERE id = ? AND status = ? AND claimed_by = ?`,
		h.Status, h.Priority, h.ClaimedBy, optTime(h.ClaimedAt), optTime(h.ClosedAt), h.Outcome, h.Contact, h.Team,
		h.ID, fromStatus, fromClaimedBy)
	if err != nil {
		return fmt.Errorf("update handoff %s: %w", h.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := d.Handoff(ctx, h.ID); err != nil {
			return err
		}
		return fmt.Errorf("handoff %s changed meanwhile: %w", h.ID, kb.ErrConflict)
	}
	return nil
}

func (d *DB) queryHandoffs(ctx context.Context, q string, args ...any) ([]*kb.Handoff, error) {
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list handoffs: %w", err)
	}
	defer rows.Close()
	var out []*kb.Handoff
	for rows.Next() {
		var h kb.Handoff
		var reasons, created string
		var claimed, closed sql.NullString
		if err := rows.Scan(&h.ID, &h.ConversationID, &h.Collection, &reasons, &h.Status, &h.Lang, &h.Priority,
			&h.ClaimedBy, &claimed, &closed, &h.Outcome, &h.Contact, &created, &h.Team, &h.RoutedTo); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(reasons), &h.Reasons); err != nil {
			return nil, fmt.Errorf("decode reasons of %s: %w", h.ID, err)
		}
		h.ClaimedAt, h.ClosedAt = nullTime(claimed), nullTime(closed)
		h.CreatedAt = parseTime(created)
		out = append(out, &h)
	}
	return out, rows.Err()
}

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(timeFormat)
}

func nullTime(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, kb.ErrNotFound)
	}
	return fmt.Errorf("load %s: %w", what, err)
}

package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

const handoffColumns = `id, conversation_id, collection, reasons, status, lang, priority, claimed_by, claimed_at, closed_at, outcome, contact, created_at, team_id, routed_to`

// CreateHandoff records a hand-off; CreatedAt is set here.
func (s *Store) CreateHandoff(ctx context.Context, h *kb.Handoff) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO handoffs (id, conversation_id, collection, reasons, status, lang, priority, claimed_by, claimed_at, closed_at, outcome, contact, team_id, routed_to)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING created_at`,
		h.ID, h.ConversationID, h.Collection, nonNil(h.Reasons), h.Status, h.Lang, h.Priority, h.ClaimedBy,
		h.ClaimedAt, h.ClosedAt, h.Outcome, h.Contact, h.Team, h.RoutedTo).Scan(&h.CreatedAt)
	if err != nil {
		return fmt.Errorf("create handoff: %w", err)
	}
	return nil
}

// Handoff loads one hand-off or returns kb.ErrNotFound.
func (s *Store) Handoff(ctx context.Context, id string) (*kb.Handoff, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+handoffColumns+` FROM handoffs WHERE id = $1`, id)
	h, err := pgx.CollectExactlyOneRow(rows, scanHandoff)
	if err != nil {
		return nil, notFound(err, "handoff "+id)
	}
	return h, nil
}

// Handoffs lists the hand-offs f selects, oldest first.
func (s *Store) Handoffs(ctx context.Context, f kb.HandoffFilter) ([]*kb.Handoff, error) {
	var w where
	if len(f.Status) > 0 {
		w.add("status = ANY($%d)", f.Status)
	}
	if f.Collection != "" {
		w.add("collection = $%d", f.Collection)
	}
	if f.ConversationID != "" {
		w.add("conversation_id = $%d", f.ConversationID)
	}
	q := `SELECT ` + handoffColumns + ` FROM handoffs` + w.sql()
	if f.Limit > 0 {
		// The newest f.Limit, returned oldest first like the rest.
		w.args = append(w.args, f.Limit)
		q = fmt.Sprintf(`SELECT * FROM (%s ORDER BY created_at DESC, id DESC LIMIT $%d) newest ORDER BY created_at, id`, q, len(w.args))
	} else {
		q += ` ORDER BY created_at, id`
	}
	rows, _ := s.pool.Query(ctx, q, w.args...)
	hs, err := pgx.CollectRows(rows, scanHandoff)
	if err != nil {
		return nil, fmt.Errorf("list handoffs: %w", err)
	}
	return hs, nil
}

// UpdateHandoff writes h's mutable fields if the stored row still has the
// expected status and owner: a compare-and-set, so of two agents claiming
// at once exactly one wins. PostgreSQL makes the second UPDATE wait for the
// first's row lock, then re-checks its WHERE against the row the first
// wrote, which no longer matches.
func (s *Store) UpdateHandoff(ctx context.Context, h *kb.Handoff, fromStatus, fromClaimedBy string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE handoffs SET status = $1, priority = $2, claimed_by = $3, claimed_at = $4, closed_at = $5, outcome = $6, contact = $7, team_id = $8
		WHERE id = $9 AND status = $10 AND claimed_by = $11`,
		h.Status, h.Priority, h.ClaimedBy, h.ClaimedAt, h.ClosedAt, h.Outcome, h.Contact, h.Team,
		h.ID, fromStatus, fromClaimedBy)
	if err != nil {
		return fmt.Errorf("update handoff %s: %w", h.ID, err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := s.Handoff(ctx, h.ID); err != nil {
			return err
		}
		return fmt.Errorf("handoff %s changed meanwhile: %w", h.ID, kb.ErrConflict)
	}
	return nil
}

func scanHandoff(row pgx.CollectableRow) (*kb.Handoff, error) {
	var h kb.Handoff
	err := row.Scan(&h.ID, &h.ConversationID, &h.Collection, &h.Reasons, &h.Status, &h.Lang, &h.Priority,
		&h.ClaimedBy, &h.ClaimedAt, &h.ClosedAt, &h.Outcome, &h.Contact, &h.CreatedAt, &h.Team, &h.RoutedTo)
	return &h, err
}

package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// The webhook outbox, shared by every node on the database.

const deliveryColumns = `id, event, body, conversation_id, created_at, next_at, attempts, leased_until, last_error`

// EnqueueDelivery adds d to the outbox; a taken id is kb.ErrConflict. A
// delivery due now is due by this node's clock, which its claims use too,
// not the server's.
func (s *Store) EnqueueDelivery(ctx context.Context, d *kb.Delivery) error {
	next := d.NextAt
	if next.IsZero() {
		next = time.Now()
	}
	var leased *time.Time
	if !d.LeasedUntil.IsZero() {
		leased = &d.LeasedUntil
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO webhook_outbox (id, event, body, conversation_id, next_at, attempts, leased_until, last_error)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at, next_at`,
		d.ID, d.Event, d.Body, d.ConversationID, next, d.Attempts, leased, d.LastError).Scan(&d.CreatedAt, &d.NextAt)
	if isUniqueViolation(err) {
		return fmt.Errorf("delivery %s already queued: %w", d.ID, kb.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("enqueue delivery %s: %w", d.ID, err)
	}
	return nil
}

// ClaimDeliveries leases due deliveries. FOR UPDATE SKIP LOCKED lets nodes
// claim at once without waiting on each other: each passes over the rows
// another is claiming, and a row another has just leased fails the
// re-check of the lease once its lock is released.
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, n int) ([]*kb.Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, _ := s.pool.Query(ctx, `
		UPDATE webhook_outbox SET leased_until = $1
		WHERE seq IN (
			SELECT o.seq FROM webhook_outbox o
			WHERE o.next_at <= $2 AND (o.leased_until IS NULL OR o.leased_until <= $2)
			  AND NOT EXISTS (SELECT 1 FROM webhook_outbox p WHERE p.conversation_id = o.conversation_id AND p.seq < o.seq)
			ORDER BY o.seq LIMIT $3
			FOR UPDATE SKIP LOCKED)
		RETURNING seq, `+deliveryColumns,
		now.Add(lease), now, n)
	type claimed struct {
		seq int64
		d   *kb.Delivery
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (claimed, error) {
		var c claimed
		var d kb.Delivery
		var leased *time.Time
		err := row.Scan(&c.seq, &d.ID, &d.Event, &d.Body, &d.ConversationID, &d.CreatedAt, &d.NextAt, &d.Attempts, &leased, &d.LastError)
		if leased != nil {
			d.LeasedUntil = *leased
		}
		c.d = &d
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	// RETURNING promises no order.
	slices.SortFunc(got, func(a, b claimed) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]*kb.Delivery, len(got))
	for i, c := range got {
		out[i] = c.d
	}
	return out, nil
}

// FinishDelivery deletes a delivery.
func (s *Store) FinishDelivery(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM webhook_outbox WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("finish delivery %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delivery %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// RetryDelivery reschedules a delivery and releases its lease.
func (s *Store) RetryDelivery(ctx context.Context, id string, at time.Time, attempts int, lastErr string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE webhook_outbox SET next_at = $1, attempts = $2, last_error = $3, leased_until = NULL WHERE id = $4`,
		at, attempts, lastErr, id)
	if err != nil {
		return fmt.Errorf("retry delivery %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delivery %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// CountDeliveries counts the outbox; a failed attempt leaves attempts above 0.
func (s *Store) CountDeliveries(ctx context.Context) (kb.OutboxCount, error) {
	var n kb.OutboxCount
	err := s.pool.QueryRow(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE attempts > 0) FROM webhook_outbox`).Scan(&n.Pending, &n.Failed)
	if err != nil {
		return kb.OutboxCount{}, fmt.Errorf("count deliveries: %w", err)
	}
	return n, nil
}

package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/kb"
)

// The webhook outbox. Its times are Unix nanoseconds, compared exactly on
// every claim; 0 is the zero time (a delivery nobody holds).

const deliveryColumns = `id, event, body, conversation_id, created_at, next_at, attempts, leased_until, last_error`

// EnqueueDelivery adds d to the outbox; a taken id is kb.ErrConflict.
func (d *DB) EnqueueDelivery(ctx context.Context, dl *kb.Delivery) error {
	created := time.Now().UTC()
	next := dl.NextAt
	if next.IsZero() {
		next = created
	}
	_, err := d.db.ExecContext(ctx, `INSERT INTO webhook_outbox (`+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		dl.ID, dl.Event, dl.Body, dl.ConversationID, created.UnixNano(), next.UnixNano(), dl.Attempts, nanos(dl.LeasedUntil), dl.LastError)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("delivery %s already queued: %w", dl.ID, kb.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("enqueue delivery %s: %w", dl.ID, err)
	}
	dl.CreatedAt, dl.NextAt = created, next.UTC()
	return nil
}

// ClaimDeliveries leases due deliveries in one statement, which SQLite
// runs as one write transaction: a second claimer waits for it and then
// finds the rows leased.
func (d *DB) ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, n int) ([]*kb.Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := d.db.QueryContext(ctx, `
		UPDATE webhook_outbox SET leased_until = ?1
		WHERE seq IN (
			SELECT o.seq FROM webhook_outbox o
			WHERE o.next_at <= ?2 AND o.leased_until <= ?2
			  AND NOT EXISTS (SELECT 1 FROM webhook_outbox p WHERE p.conversation_id = o.conversation_id AND p.seq < o.seq)
			ORDER BY o.seq LIMIT ?3)
		RETURNING seq, `+deliveryColumns,
		now.Add(lease).UnixNano(), now.UnixNano(), n)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	defer rows.Close()
	type claimed struct {
		seq int64
		d   *kb.Delivery
	}
	var got []claimed
	for rows.Next() {
		var c claimed
		var dl kb.Delivery
		var created, next, leased int64
		if err := rows.Scan(&c.seq, &dl.ID, &dl.Event, &dl.Body, &dl.ConversationID, &created, &next, &dl.Attempts, &leased, &dl.LastError); err != nil {
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		dl.CreatedAt, dl.NextAt, dl.LeasedUntil = fromNanos(created), fromNanos(next), fromNanos(leased)
		c.d = &dl
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
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
func (d *DB) FinishDelivery(ctx context.Context, id string) error {
	res, err := d.db.ExecContext(ctx, `DELETE FROM webhook_outbox WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("finish delivery %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delivery %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// RetryDelivery reschedules a delivery and releases its lease.
func (d *DB) RetryDelivery(ctx context.Context, id string, at time.Time, attempts int, lastErr string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE webhook_outbox SET next_at = ?, attempts = ?, last_error = ?, leased_until = 0 WHERE id = ?`,
		at.UnixNano(), attempts, lastErr, id)
	if err != nil {
		return fmt.Errorf("retry delivery %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("delivery %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// CountDeliveries counts the outbox; a failed attempt leaves attempts above 0.
func (d *DB) CountDeliveries(ctx context.Context) (kb.OutboxCount, error) {
	var n kb.OutboxCount
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(attempts > 0), 0) FROM webhook_outbox`).Scan(&n.Pending, &n.Failed)
	if err != nil {
		return kb.OutboxCount{}, fmt.Errorf("count deliveries: %w", err)
	}
	return n, nil
}

// nanos is t in Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos, in UTC.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// Setting returns the value saved under key, or kb.ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("setting %s: %w", key, kb.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// PutSetting saves value under key, replacing what was there.
func (s *Store) PutSetting(ctx context.Context, key string, value []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = clock_timestamp()`, key, value)
	if err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

// ClaimPeriod claims the periodic job named key for the node that calls
// it: true for one caller, among every node on the database, once the
// last claim is at least every old (or none was made); false, changing
// nothing, for the others. The claim is a row of settings whose time the
// winner moves forward in one conditional upsert, so two nodes asking at
// once cannot both win, and a node that dies mid-job holds nothing.
func (s *Store) ClaimPeriod(ctx context.Context, key string, every time.Duration) (bool, error) {
	var won bool
	err := s.pool.QueryRow(ctx, `INSERT INTO settings (key, value) VALUES ($1, '')
		ON CONFLICT (key) DO UPDATE SET updated_at = clock_timestamp()
		WHERE settings.updated_at <= clock_timestamp() - $2 * interval '1 microsecond'
		RETURNING true`, key, every.Microseconds()).Scan(&won)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim %s: %w", key, err)
	}
	return won, nil
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// Trained classifiers (retrieval.ClassifierStore): the bytes the
// retrieval package encodes, kept by collection and the fingerprint of
// the vectors they were trained on, so every node on the database loads
// the same classifier instead of training its own.

const (
	// classifierLock is the first key of the advisory locks on training
	// a classifier; the second is a hash of collection and fingerprint
	// (two that collide only wait for each other).
	classifierLock = 0x636c73 // "cls"
	// classifiersKept is how many classifiers of a collection are kept,
	// the latest: nodes whose vectors are a change behind still find
	// theirs, and a collection edited every day does not pile them up.
	classifiersKept = 4
	// classifierPoll is how often a node waiting for another to finish
	// training a classifier tries the lock again.
	classifierPoll = 250 * time.Millisecond
)

// Classifier returns the classifier saved for collection and trained on
// the vectors of fingerprint, or kb.ErrNotFound.
func (s *Store) Classifier(ctx context.Context, collection, fingerprint string) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM classifiers WHERE collection = $1 AND fingerprint = $2`,
		collection, fingerprint).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("classifier of %s for %s: %w", collection, fingerprint, kb.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load classifier of %s: %w", collection, err)
	}
	return data, nil
}

// SaveClassifier saves data as collection's classifier for fingerprint,
// replacing one saved for it before, and drops the collection's older
// classifiers beyond the latest few.
func (s *Store) SaveClassifier(ctx context.Context, collection, fingerprint string, data []byte) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO classifiers (collection, fingerprint, data) VALUES ($1, $2, $3)
			ON CONFLICT (collection, fingerprint) DO UPDATE SET data = excluded.data, trained_at = clock_timestamp()`,
			collection, fingerprint, data); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM classifiers WHERE collection = $1 AND fingerprint NOT IN (
			SELECT fingerprint FROM classifiers WHERE collection = $1 ORDER BY trained_at DESC LIMIT $2)`,
			collection, classifiersKept)
		return err
	})
	if err != nil {
		return fmt.Errorf("save classifier of %s: %w", collection, err)
	}
	return nil
}

// WithClassifierLock runs fn holding a session advisory lock on training
// collection's classifier for fingerprint, waiting while another node (or
// caller) holds it. The lock lives on one connection of the pool, held
// for fn: a node that dies while training drops it with its connection.
// A node waiting holds no connection: it tries again every
// classifierPoll, so its customers' queries keep the whole pool.
func (s *Store) WithClassifierLock(ctx context.Context, collection, fingerprint string, fn func() error) error {
	h := fnv.New32a()
	h.Write([]byte(collection + "\x00" + fingerprint))
	key := int32(h.Sum32())
	for {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("lock classifier of %s: %w", collection, err)
		}
		var locked bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, classifierLock, key).Scan(&locked); err != nil {
			conn.Release()
			return fmt.Errorf("lock classifier of %s: %w", collection, err)
		}
		if locked {
			defer conn.Release()
			defer func() {
				// Not with ctx: a lock left on a pooled connection would
				// hold every other node off for good. If it cannot be
				// released, the connection goes, and the lock with it.
				if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, $2)`, classifierLock, key); err != nil {
					conn.Conn().Close(context.Background())
				}
			}()
			return fn()
		}
		conn.Release()
		select {
		case <-ctx.Done():
			return fmt.Errorf("lock classifier of %s: %w", collection, ctx.Err())
		case <-time.After(classifierPoll):
		}
	}
}

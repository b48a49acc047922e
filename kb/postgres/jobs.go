package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// SubmitJob stores a new job and its files in one transaction.
func (s *Store) SubmitJob(ctx context.Context, j *kb.Job, files []kb.JobUpload) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO jobs (id, collection, status, data) VALUES ($1, $2, $3, $4) RETURNING created_at, updated_at`,
			j.ID, j.Collection, j.Status, j).Scan(&j.CreatedAt, &j.UpdatedAt)
		if err != nil {
			return err
		}
		for _, f := range files {
			if _, err := tx.Exec(ctx, `INSERT INTO upload_files (job_id, idx, name, data) VALUES ($1, $2, $3, $4)`, j.ID, f.Index, f.Name, nonNilBytes(f.Data)); err != nil {
				return fmt.Errorf("keep upload %s: %w", f.Name, err)
			}
		}
		return notifyJobs(ctx, tx, j.ID)
	})
	if err != nil {
		return fmt.Errorf("submit job %s: %w", j.ID, err)
	}
	return nil
}

// JobUpload returns one of a job's kept files.
func (s *Store) JobUpload(ctx context.Context, jobID string, index int) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM upload_files WHERE job_id = $1 AND idx = $2`, jobID, index).Scan(&data)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("upload %d of job %s", index, jobID))
	}
	return data, nil
}

// ClaimJob leases a job. FOR UPDATE SKIP LOCKED lets nodes claim at once
// without waiting on each other: each passes over the job another is
// claiming, and a job another has just leased fails the re-check of its
// status and lease once its lock is released.
func (s *Store) ClaimJob(ctx context.Context, claimer string, now time.Time, lease time.Duration) (*kb.Job, error) {
	rows, _ := s.pool.Query(ctx, `
		UPDATE jobs SET status = 'running', claimed_by = $1, leased_until = $2
		WHERE id = (
			SELECT id FROM jobs
			WHERE status = 'queued' OR (status = 'running' AND (leased_until IS NULL OR leased_until <= $3))
			ORDER BY created_at, id LIMIT 1
			FOR UPDATE SKIP LOCKED)
		  AND (status = 'queued' OR leased_until IS NULL OR leased_until <= $3)
		RETURNING `+jobColumns, claimer, now.Add(lease), now)
	j, err := pgx.CollectExactlyOneRow(rows, scanJob)
	if err != nil {
		return nil, notFound(err, "job to claim")
	}
	return j, nil
}

// SaveClaimedJob saves a job its claimer still holds.
func (s *Store) SaveClaimedJob(ctx context.Context, j *kb.Job, claimer string, leasedUntil time.Time) error {
	ended := j.Status == kb.JobDone || j.Status == kb.JobFailed
	var until *time.Time
	if !ended {
		until = &leasedUntil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE jobs SET status = $1, data = $2, updated_at = clock_timestamp(), leased_until = $3
			WHERE id = $4 AND claimed_by = $5 RETURNING updated_at`,
			j.Status, j, until, j.ID, claimer).Scan(&j.UpdatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			var holder string
			if err := tx.QueryRow(ctx, `SELECT claimed_by FROM jobs WHERE id = $1`, j.ID).Scan(&holder); err != nil {
				return notFound(err, "job "+j.ID)
			}
			return fmt.Errorf("job %s is held by %s: %w", j.ID, holder, kb.ErrConflict)
		}
		if err != nil {
			return err
		}
		if ended {
			if _, err := tx.Exec(ctx, `DELETE FROM upload_files WHERE job_id = $1`, j.ID); err != nil {
				return fmt.Errorf("drop uploads: %w", err)
			}
		}
		if !ended && !leasedUntil.After(time.Now()) {
			// Released (a node stopping): any node may claim it now.
			return notifyJobs(ctx, tx, j.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save job %s: %w", j.ID, err)
	}
	return nil
}

// ExtendJobLease extends the lease of a running job its claimer holds.
func (s *Store) ExtendJobLease(ctx context.Context, id, claimer string, leasedUntil time.Time) error {
	var holder string
	var running bool
	err := s.pool.QueryRow(ctx, `
		WITH extended AS (
			UPDATE jobs SET leased_until = $3 WHERE id = $1 AND claimed_by = $2 AND status = 'running'
			RETURNING claimed_by)
		SELECT coalesce(claimed_by, ''), EXISTS (SELECT 1 FROM extended) FROM jobs WHERE id = $1`,
		id, claimer, leasedUntil).Scan(&holder, &running)
	if err != nil {
		return notFound(err, "job "+id)
	}
	if !running && holder != claimer {
		return fmt.Errorf("job %s is held by %s: %w", id, holder, kb.ErrConflict)
	}
	return nil
}

// nonNilBytes keeps an empty file from being stored as NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// jobsChannel is the NOTIFY channel that wakes the nodes' job runners.
const jobsChannel = "baton_jobs"

// notifyJobs tells the listening nodes, when tx commits, that job id can
// be claimed.
func notifyJobs(ctx context.Context, tx pgx.Tx, id string) error {
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, jobsChannel, id); err != nil {
		return fmt.Errorf("notify job runners: %w", err)
	}
	return nil
}

// ListenJobs calls wake whenever a job becomes claimable on any node
// (submitted, or released by a node stopping), and once each time it
// starts listening, for what was queued while it was not, until ctx ends;
// then it returns ctx's error. It holds a connection of its own, named
// "baton jobs <node>" in pg_stat_activity; when that breaks it tells
// onError (when not nil) and reconnects after a short pause. A wake-up
// is a hint: the runner claims with ClaimJob, and still polls now and
// then for leases that lapsed, which no one announces. wake should not
// block.
func (s *Store) ListenJobs(ctx context.Context, node string, wake func(), onError func(error)) error {
	return keepListening(ctx, "jobs", func(ctx context.Context) (bool, error) {
		conn, err := s.listenConn(ctx, "baton jobs "+node, jobsChannel)
		if err != nil {
			return false, err
		}
		defer conn.Close(context.Background())
		wake()
		for {
			if _, err := conn.WaitForNotification(ctx); err != nil {
				return true, err
			}
			wake()
		}
	}, onError)
}

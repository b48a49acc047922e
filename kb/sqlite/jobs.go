package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/batonhq/baton/kb"
)

// SubmitJob stores a new job and its files in one transaction.
func (d *DB) SubmitJob(ctx context.Context, j *kb.Job, files []kb.JobUpload) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("submit job %s: %w", j.ID, err)
	}
	defer tx.Rollback()
	if err := putJob(ctx, tx, j); err != nil {
		return err
	}
	for _, f := range files {
		if _, err := tx.ExecContext(ctx, `INSERT INTO upload_files (job_id, idx, name, data) VALUES (?, ?, ?, ?)`, j.ID, f.Index, f.Name, nonNilBytes(f.Data)); err != nil {
			return fmt.Errorf("keep upload %s: %w", f.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("submit job %s: %w", j.ID, err)
	}
	return nil
}

// JobUpload returns one of a job's kept files.
func (d *DB) JobUpload(ctx context.Context, jobID string, index int) ([]byte, error) {
	var data []byte
	err := d.db.QueryRowContext(ctx, `SELECT data FROM upload_files WHERE job_id = ? AND idx = ?`, jobID, index).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("upload %d of job %s: %w", index, jobID, kb.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load upload %d of job %s: %w", index, jobID, err)
	}
	return data, nil
}

// ClaimJob leases a job in one statement, which SQLite runs as one write
// transaction: a second claimer waits for it and then finds the job
// leased.
func (d *DB) ClaimJob(ctx context.Context, claimer string, now time.Time, lease time.Duration) (*kb.Job, error) {
	var data string
	err := d.db.QueryRowContext(ctx, `
		UPDATE jobs SET status = 'running', claimed_by = ?1, leased_until = ?2
		WHERE id = (
			SELECT id FROM jobs
			WHERE status = 'queued' OR (status = 'running' AND leased_until <= ?3)
			ORDER BY created_at, rowid LIMIT 1)
		RETURNING data`, claimer, now.Add(lease).UnixNano(), now.UnixNano()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("job to claim: %w", kb.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("claim job: %w", err)
	}
	var j kb.Job
	if err := json.Unmarshal([]byte(data), &j); err != nil {
		return nil, fmt.Errorf("decode job: %w", err)
	}
	return &j, nil
}

// SaveClaimedJob saves a job its claimer still holds.
func (d *DB) SaveClaimedJob(ctx context.Context, j *kb.Job, claimer string, leasedUntil time.Time) error {
	ended := j.Status == kb.JobDone || j.Status == kb.JobFailed
	until := leasedUntil.UnixNano()
	if ended {
		until = 0
	}
	ts := now()
	saved := *j
	saved.UpdatedAt = parseTime(ts)
	data, err := json.Marshal(&saved)
	if err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save job %s: %w", j.ID, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET status = ?, data = ?, updated_at = ?, leased_until = ? WHERE id = ? AND claimed_by = ?`,
		j.Status, string(data), ts, until, j.ID, claimer)
	if err != nil {
		return fmt.Errorf("save job %s: %w", j.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var holder string
		err := tx.QueryRowContext(ctx, `SELECT claimed_by FROM jobs WHERE id = ?`, j.ID).Scan(&holder)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("job %s: %w", j.ID, kb.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("save job %s: %w", j.ID, err)
		}
		return fmt.Errorf("job %s is held by %s: %w", j.ID, holder, kb.ErrConflict)
	}
	if ended {
		if _, err := tx.ExecContext(ctx, `DELETE FROM upload_files WHERE job_id = ?`, j.ID); err != nil {
			return fmt.Errorf("drop uploads of job %s: %w", j.ID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save job %s: %w", j.ID, err)
	}
	j.UpdatedAt = saved.UpdatedAt
	return nil
}

// ExtendJobLease extends the lease of a running job its claimer holds.
func (d *DB) ExtendJobLease(ctx context.Context, id, claimer string, leasedUntil time.Time) error {
	res, err := d.db.ExecContext(ctx, `UPDATE jobs SET leased_until = ? WHERE id = ? AND claimed_by = ? AND status = 'running'`,
		leasedUntil.UnixNano(), id, claimer)
	if err != nil {
		return fmt.Errorf("extend the lease of job %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	var holder sql.NullString
	err = d.db.QueryRowContext(ctx, `SELECT claimed_by FROM jobs WHERE id = ?`, id).Scan(&holder)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("job %s: %w", id, kb.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("extend the lease of job %s: %w", id, err)
	}
	if holder.String != claimer {
		return fmt.Errorf("job %s is held by %s: %w", id, holder.String, kb.ErrConflict)
	}
	return nil // ended
}

// nonNilBytes keeps an empty file from being stored as NULL.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

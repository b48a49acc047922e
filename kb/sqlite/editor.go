package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/batonhq/baton/kb"
)

// PutDraft saves an article's draft, replacing any earlier one.
func (d *DB) PutDraft(ctx context.Context, dr *kb.Draft) error {
	a := &dr.Article
	if a.ID == "" || a.Collection == "" {
		return fmt.Errorf("put draft: id and collection required: %w", kb.ErrInvalid)
	}
	ts := now()
	dr.UpdatedAt = parseTime(ts)
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO article_drafts (id, collection, data, base_version, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET collection = excluded.collection, data = excluded.data, base_version = excluded.base_version,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		a.ID, a.Collection, string(data), dr.BaseVersion, dr.UpdatedBy, ts)
	if err != nil {
		return fmt.Errorf("put draft %s: %w", a.ID, err)
	}
	return nil
}

// Draft returns an article's draft or kb.ErrNotFound.
func (d *DB) Draft(ctx context.Context, id string) (*kb.Draft, error) {
	ds, err := d.drafts(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, fmt.Errorf("draft of %s: %w", id, kb.ErrNotFound)
	}
	return ds[0], nil
}

// Drafts lists a collection's drafts, or all when collection is empty.
func (d *DB) Drafts(ctx context.Context, collection string) ([]*kb.Draft, error) {
	return d.drafts(ctx, `WHERE ? = '' OR collection = ? ORDER BY id`, collection, collection)
}

func (d *DB) drafts(ctx context.Context, where string, args ...any) ([]*kb.Draft, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT data, base_version, updated_by, updated_at FROM article_drafts `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	defer rows.Close()
	var out []*kb.Draft
	for rows.Next() {
		var dr kb.Draft
		var data, updated string
		if err := rows.Scan(&data, &dr.BaseVersion, &dr.UpdatedBy, &updated); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(data), &dr.Article); err != nil {
			return nil, fmt.Errorf("decode draft: %w", err)
		}
		dr.UpdatedAt = parseTime(updated)
		out = append(out, &dr)
	}
	return out, rows.Err()
}

// DeleteDraft discards a draft; a missing one is kb.ErrNotFound.
func (d *DB) DeleteDraft(ctx context.Context, id string) error {
	res, err := d.db.ExecContext(ctx, `DELETE FROM article_drafts WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete draft %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("draft of %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// PutJob inserts or replaces a job's state.
func (d *DB) PutJob(ctx context.Context, j *kb.Job) error {
	return putJob(ctx, d.db, j)
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func putJob(ctx context.Context, db execer, j *kb.Job) error {
	ts := now()
	if j.CreatedAt.IsZero() {
		j.CreatedAt = parseTime(ts)
	}
	j.UpdatedAt = parseTime(ts)
	data, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO jobs (id, collection, status, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data, updated_at = excluded.updated_at`,
		j.ID, j.Collection, j.Status, string(data), j.CreatedAt.UTC().Format(timeFormat), ts)
	if err != nil {
		return fmt.Errorf("put job %s: %w", j.ID, err)
	}
	return nil
}

// Job loads a job or returns kb.ErrNotFound.
func (d *DB) Job(ctx context.Context, id string) (*kb.Job, error) {
	js, err := d.jobs(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(js) == 0 {
		return nil, fmt.Errorf("job %s: %w", id, kb.ErrNotFound)
	}
	return js[0], nil
}

// Jobs lists jobs with one of the statuses, newest first.
func (d *DB) Jobs(ctx context.Context, status ...string) ([]*kb.Job, error) {
	if len(status) == 0 {
		return d.jobs(ctx, `ORDER BY created_at DESC LIMIT 100`)
	}
	args := make([]any, len(status))
	for i, s := range status {
		args[i] = s
	}
	return d.jobs(ctx, `WHERE status IN (?`+strings.Repeat(", ?", len(status)-1)+`) ORDER BY created_at DESC`, args...)
}

func (d *DB) jobs(ctx context.Context, where string, args ...any) ([]*kb.Job, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT data FROM jobs `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	var out []*kb.Job
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var j kb.Job
		if err := json.Unmarshal([]byte(data), &j); err != nil {
			return nil, fmt.Errorf("decode job: %w", err)
		}
		out = append(out, &j)
	}
	return out, rows.Err()
}

// AddAudit appends to the audit log.
func (d *DB) AddAudit(ctx context.Context, e *kb.AuditEntry) error {
	ts := now()
	res, err := d.db.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`, ts, e.Actor, e.Action, e.Target, e.Detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	e.Seq, _ = res.LastInsertId()
	e.At = parseTime(ts)
	return nil
}

// Audit lists the newest entries first.
func (d *DB) Audit(ctx context.Context, f kb.AuditFilter) ([]*kb.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	prefix := strings.HasSuffix(f.Action, ".")
	rows, err := d.db.QueryContext(ctx, `SELECT seq, at, actor, action, target, detail FROM audit_log
		WHERE (?1 = '' OR actor = ?1)
		  AND (?2 = '' OR action = ?2 OR (?3 AND substr(action, 1, length(?2)) = ?2))
		  AND (?4 = '' OR target = ?4)
		  AND (?5 = 0 OR seq < ?5)
		ORDER BY seq DESC LIMIT ?6`, f.Actor, f.Action, prefix, f.Target, f.Before, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []*kb.AuditEntry
	for rows.Next() {
		var e kb.AuditEntry
		var at string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		out = append(out, &e)
	}
	return out, rows.Err()
}

package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
)

// PutDraft saves an article's draft, replacing any earlier one.
func (s *Store) PutDraft(ctx context.Context, d *kb.Draft) error {
	a := &d.Article
	if a.ID == "" || a.Collection == "" {
		return fmt.Errorf("put draft: id and collection required: %w", kb.ErrInvalid)
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO article_drafts (id, collection, data, base_version, updated_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET collection = excluded.collection, data = excluded.data, base_version = excluded.base_version,
		updated_by = excluded.updated_by, updated_at = excluded.updated_at RETURNING updated_at`,
		a.ID, a.Collection, a, d.BaseVersion, d.UpdatedBy).Scan(&d.UpdatedAt)
	if err != nil {
		return fmt.Errorf("put draft %s: %w", a.ID, err)
	}
	return nil
}

// Draft returns an article's draft or kb.ErrNotFound.
func (s *Store) Draft(ctx context.Context, id string) (*kb.Draft, error) {
	rows, _ := s.pool.Query(ctx, `SELECT data, base_version, updated_by, updated_at FROM article_drafts WHERE id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByPos[kb.Draft])
	if err != nil {
		return nil, notFound(err, "draft of "+id)
	}
	return d, nil
}

// Drafts lists a collection's drafts, or all when collection is empty.
func (s *Store) Drafts(ctx context.Context, collection string) ([]*kb.Draft, error) {
	rows, _ := s.pool.Query(ctx, `SELECT data, base_version, updated_by, updated_at FROM article_drafts WHERE $1 = '' OR collection = $1 ORDER BY id`, collection)
	ds, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByPos[kb.Draft])
	if err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	return ds, nil
}

// DeleteDraft discards a draft; a missing one is kb.ErrNotFound.
func (s *Store) DeleteDraft(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM article_drafts WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete draft %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("draft of %s: %w", id, kb.ErrNotFound)
	}
	return nil
}

// PutJob inserts or replaces a job's state. The server's clock sets its
// times: CreatedAt once, UpdatedAt on every write.
func (s *Store) PutJob(ctx context.Context, j *kb.Job) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO jobs (id, collection, status, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, data = excluded.data, updated_at = excluded.updated_at
		RETURNING created_at, updated_at`,
		j.ID, j.Collection, j.Status, j).Scan(&j.CreatedAt, &j.UpdatedAt)
	if err != nil {
		return fmt.Errorf("put job %s: %w", j.ID, err)
	}
	return nil
}

// Job loads a job or returns kb.ErrNotFound.
func (s *Store) Job(ctx context.Context, id string) (*kb.Job, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = $1`, id)
	j, err := pgx.CollectExactlyOneRow(rows, scanJob)
	if err != nil {
		return nil, notFound(err, "job "+id)
	}
	return j, nil
}

// Jobs lists jobs with one of the statuses, newest first (the newest 100
// when no status is given).
func (s *Store) Jobs(ctx context.Context, status ...string) ([]*kb.Job, error) {
	q, args := `SELECT `+jobColumns+` FROM jobs ORDER BY created_at DESC, id LIMIT 100`, []any{}
	if len(status) > 0 {
		q, args = `SELECT `+jobColumns+` FROM jobs WHERE status = ANY($1) ORDER BY created_at DESC, id`, []any{status}
	}
	rows, _ := s.pool.Query(ctx, q, args...)
	js, err := pgx.CollectRows(rows, scanJob)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return js, nil
}

const jobColumns = `data, created_at, updated_at`

func scanJob(row pgx.CollectableRow) (*kb.Job, error) {
	var j kb.Job
	// Columns scan in order: the stored times overwrite the document's.
	err := row.Scan(&j, &j.CreatedAt, &j.UpdatedAt)
	return &j, err
}

// AddAudit appends to the audit log.
func (s *Store) AddAudit(ctx context.Context, e *kb.AuditEntry) error {
	err := s.pool.QueryRow(ctx, `INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4) RETURNING seq, at`,
		e.Actor, e.Action, e.Target, e.Detail).Scan(&e.Seq, &e.At)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Audit lists the newest entries first.
func (s *Store) Audit(ctx context.Context, f kb.AuditFilter) ([]*kb.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	prefix := strings.HasSuffix(f.Action, ".")
	rows, _ := s.pool.Query(ctx, `SELECT seq, at, actor, action, target, detail FROM audit_log
		WHERE ($1 = '' OR actor = $1)
		  AND ($2 = '' OR action = $2 OR ($3 AND left(action, length($2)) = $2))
		  AND ($4 = '' OR target = $4)
		  AND ($5 = 0 OR seq < $5)
		ORDER BY seq DESC LIMIT $6`, f.Actor, f.Action, prefix, f.Target, f.Before, limit)
	es, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByPos[kb.AuditEntry])
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return es, nil
}

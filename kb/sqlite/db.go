// Package sqlite is Baton's embedded default store: one SQLite file in the
// data directory, pure Go (modernc.org/sqlite), no server to run.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/batonhq/baton/kb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// timeFormat keeps timestamps sortable as text.
const timeFormat = time.RFC3339Nano

// DB is a kb.Store backed by SQLite.
type DB struct {
	db *sql.DB
}

var _ kb.Store = (*DB)(nil)

// Open opens (creating if needed) the database at path and applies any
// pending migrations. Use ":memory:" for a throwaway store.
func Open(ctx context.Context, path string) (*DB, error) {
	// secure_delete overwrites deleted rows with zeros, so that an erased
	// customer's text is gone from the file, not only from queries.
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	if path == ":memory:" {
		dsn = "file::memory:?_pragma=foreign_keys(1)&_pragma=secure_delete(1)"
	}
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// SQLite allows one writer at a time; a single connection serialises
	// writers in Go instead of surfacing SQLITE_BUSY to users.
	sqldb.SetMaxOpenConns(1)
	d := &DB{db: sqldb}
	if err := d.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := d.applyMigration(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) applyMigration(ctx context.Context, name string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return fmt.Errorf("check migration %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, now()); err != nil {
		return fmt.Errorf("record migration %s: %w", name, err)
	}
	return tx.Commit()
}

func now() string { return time.Now().UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

// Migration is one applied schema migration.
type Migration struct {
	Name      string
	AppliedAt time.Time
}

// Migrations lists the applied migrations in order; Open applies any
// pending ones, so after Open the list is complete.
func (d *DB) Migrations(ctx context.Context) ([]Migration, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, applied_at FROM schema_migrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	defer rows.Close()
	var out []Migration
	for rows.Next() {
		var m Migration
		var at string
		if err := rows.Scan(&m.Name, &at); err != nil {
			return nil, err
		}
		m.AppliedAt = parseTime(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Package postgres is Baton's scale-out store: PostgreSQL through pgx, with
// pgvector for embeddings, shared by several baton nodes.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/batonhq/baton/kb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that serialises migrations when
// several nodes start at once.
const migrationLock = 0x6261746f6e // "baton"

// Store is a kb.Store backed by PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// indexed remembers the (model, dimension) pairs whose HNSW index
	// this process has made sure of (see EnsureVectorIndex).
	indexed sync.Map
}

var _ kb.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or key=value
// connection string), applies any pending migrations and returns a store
// over a connection pool.
func Open(ctx context.Context, url string) (*Store, error) {
	if _, err := Migrate(ctx, url); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse postgres url: %w", err)
	}
	cfg.AfterConnect = registerTypes
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool's connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// registerTypes teaches a new connection pgvector's types and to scan
// timestamps in UTC, whatever the server's or the process's time zone.
func registerTypes(ctx context.Context, conn *pgx.Conn) error {
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
	if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
		return fmt.Errorf("register pgvector types: %w", err)
	}
	return nil
}

// Migration is one applied schema migration.
type Migration struct {
	Name      string
	AppliedAt time.Time
}

// Migrate applies the pending migrations to the database at url in one
// transaction, under an advisory lock so that nodes starting together
// take turns, and lists every applied migration in order.
func Migrate(ctx context.Context, url string) ([]Migration, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	var available bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector')`).Scan(&available); err != nil {
		return nil, fmt.Errorf("look for pgvector: %w", err)
	}
	if !available {
		return nil, errors.New("the PostgreSQL server has no pgvector extension (vector): install it where the server runs, with scripts/setup-postgres.sh or the postgresql-NN-pgvector package")
	}
	var out []Migration
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())`); err != nil {
			return fmt.Errorf("create migrations table: %w", err)
		}
		names, err := fs.Glob(migrations, "migrations/*.sql")
		if err != nil {
			return err
		}
		sort.Strings(names)
		for _, name := range names {
			if err := applyMigration(ctx, tx, name); err != nil {
				return err
			}
		}
		rows, _ := tx.Query(ctx, `SELECT name, applied_at FROM schema_migrations ORDER BY name`)
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Migration, error) {
			var m Migration
			err := row.Scan(&m.Name, &m.AppliedAt)
			m.AppliedAt = m.AppliedAt.UTC()
			return m, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func applyMigration(ctx context.Context, tx pgx.Tx, name string) error {
	tag, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1) ON CONFLICT DO NOTHING`, name)
	if err != nil {
		return fmt.Errorf("record migration %s: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return nil // applied before
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	// Without arguments pgx uses the simple protocol, which runs a file
	// of several statements.
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	return nil
}

// isUniqueViolation reports whether err is PostgreSQL's unique_violation.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// notFound maps a missing row to kb.ErrNotFound.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, kb.ErrNotFound)
	}
	return fmt.Errorf("load %s: %w", what, err)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// where builds a WHERE clause of numbered parameters.
type where struct {
	conds []string
	args  []any
}

// add appends a condition whose one %d is the number of arg's parameter.
func (w *where) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, fmt.Sprintf(cond, len(w.args)))
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

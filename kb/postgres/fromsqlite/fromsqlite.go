// Package fromsqlite moves an embedded installation's store (kb/sqlite)
// into an empty PostgreSQL database (kb/postgres), every table in one
// transaction. The copy is driven by PostgreSQL's catalog: each SQLite
// table goes to the table of the same name, each column to the column of
// the same name, converted to its PostgreSQL type, so a column both
// migrations add later is carried without code here; a table or column
// PostgreSQL does not know is an error, never dropped.
package fromsqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/kb/sqlite"
)

// TableCount is how many rows a table had in SQLite and has in
// PostgreSQL after the copy.
type TableCount struct {
	Table            string
	SQLite, Postgres int64
}

// Report is what Copy did.
type Report struct {
	// Tables in the order they were copied (referenced tables first).
	Tables []TableCount
	// Settings are the keys of the settings rows written.
	Settings []string
}

// ErrNotEmpty is returned, wrapped, when the PostgreSQL database already
// holds data: Copy never merges two installations.
var ErrNotEmpty = fmt.Errorf("the PostgreSQL database is not empty: %w", kb.ErrConflict)

// Copy applies PostgreSQL's migrations to the database at url, then copies
// every table of db, as it is when Copy starts, into it and saves settings (key to value, such as
// the policies kept in a file beside an embedded store) in its settings
// table, all in one transaction: on any error nothing is kept, and Copy
// can be run again. It refuses a database that already has rows in any
// of the tables it would fill or any of the settings' keys. Before
// committing it counts the rows of every table on both sides, and fails
// if they differ.
func Copy(ctx context.Context, db *sqlite.DB, url string, settings map[string][]byte) (*Report, error) {
	src, err := db.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if _, err := postgres.Migrate(ctx, url); err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
		return nil, fmt.Errorf("register pgvector types: %w", err)
	}
	tables, err := src.Tables(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := readCatalog(ctx, conn)
	if err != nil {
		return nil, err
	}
	plans, err := plan(tables, cat)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if err := refuseNonEmpty(ctx, tx, plans, settings); err != nil {
			return err
		}
		for _, p := range plans {
			if err := p.copy(ctx, tx, src); err != nil {
				return err
			}
		}
		for _, k := range sortedKeys(settings) {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)`, k, settings[k]); err != nil {
				return fmt.Errorf("save setting %s: %w", k, err)
			}
			rep.Settings = append(rep.Settings, k)
		}
		for _, p := range plans {
			c := TableCount{Table: p.table.Name}
			if c.SQLite, err = src.Count(ctx, p.table.Name); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{p.table.Name}.Sanitize()).Scan(&c.Postgres); err != nil {
				return fmt.Errorf("count %s in postgres: %w", p.table.Name, err)
			}
			if c.SQLite != c.Postgres {
				return fmt.Errorf("table %s: %d rows in SQLite, %d copied to PostgreSQL; nothing kept", c.Table, c.SQLite, c.Postgres)
			}
			rep.Tables = append(rep.Tables, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, ensureVectorIndexes(ctx, conn, url)
}

// refuseNonEmpty fails with ErrNotEmpty, naming what is there, when any
// table to fill has rows or any setting to save exists.
func refuseNonEmpty(ctx context.Context, tx pgx.Tx, plans []*tablePlan, settings map[string][]byte) error {
	var full []string
	for _, p := range plans {
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{p.table.Name}.Sanitize()+`)`).Scan(&has); err != nil {
			return fmt.Errorf("look into %s: %w", p.table.Name, err)
		}
		if has {
			full = append(full, p.table.Name)
		}
	}
	for _, k := range sortedKeys(settings) {
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM settings WHERE key = $1)`, k).Scan(&has); err != nil {
			return fmt.Errorf("look into settings: %w", err)
		}
		if has {
			full = append(full, "settings ("+k+")")
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("%w: it already holds rows in %s; copy into a new database (nothing was changed)", ErrNotEmpty, strings.Join(full, ", "))
	}
	return nil
}

// ensureVectorIndexes makes the HNSW indexes of the vectors copied, as
// storing them through the store would have.
func ensureVectorIndexes(ctx context.Context, conn *pgx.Conn, url string) error {
	rows, _ := conn.Query(ctx, `SELECT DISTINCT model FROM vectors ORDER BY model`)
	models, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(models) == 0 {
		return err
	}
	store, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	defer store.Close()
	for _, m := range models {
		if err := store.EnsureVectorIndexes(ctx, m); err != nil {
			return errors.Join(errors.New("data copied, but the vector index is not made (a server started with --vector-search pgvector makes it)"), err)
		}
	}
	return nil
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

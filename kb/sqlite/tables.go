package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"
)

// Table is one of the store's tables as SQLite declares it, for copying
// the store elsewhere (kb/postgres/fromsqlite).
type Table struct {
	Name    string
	Columns []string
	// Key is the primary key's columns, in order.
	Key []string
}

// Snapshot reads the store as it was at one moment, whatever is written
// meanwhile (a server still running on it): one read transaction, which
// holds the store's one connection until Close.
type Snapshot struct {
	tx *sql.Tx
}

// Snapshot starts reading the store at this moment.
func (d *DB) Snapshot(ctx context.Context) (*Snapshot, error) {
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("begin snapshot: %w", err)
	}
	return &Snapshot{tx: tx}, nil
}

// Close ends the snapshot.
func (s *Snapshot) Close() error { return s.tx.Rollback() }

// Tables lists the store's data tables by name: every table but the
// migrations list and SQLite's own (sqlite_sequence...).
func (s *Snapshot) Tables(ctx context.Context) ([]Table, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Table, 0, len(names))
	for _, n := range names {
		t, err := s.table(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// table reads the columns and primary key of the table name.
func (s *Snapshot) table(ctx context.Context, name string) (Table, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, name)
	if err != nil {
		return Table{}, fmt.Errorf("columns of %s: %w", name, err)
	}
	defer rows.Close()
	t := Table{Name: name}
	var pks []int
	for rows.Next() {
		var col string
		var pk int
		if err := rows.Scan(&col, &pk); err != nil {
			return Table{}, err
		}
		t.Columns = append(t.Columns, col)
		pks = append(pks, pk)
	}
	for i := 1; ; i++ {
		j := indexOf(pks, i)
		if j < 0 {
			break
		}
		t.Key = append(t.Key, t.Columns[j])
	}
	return t, rows.Err()
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// Rows yields each row of t in the order the rows were inserted (by
// rowid), its values in t.Columns order as the driver returns them:
// int64, float64, string, []byte or nil. Stored times are text in
// RFC 3339 with nanoseconds, or int64 Unix nanoseconds where a column
// says so (0 for none); vectors are DecodeVector's blobs.
func (s *Snapshot) Rows(ctx context.Context, t Table) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		quoted := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			quoted[i] = quoteIdent(c)
		}
		rows, err := s.tx.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+quoteIdent(t.Name)+` ORDER BY rowid`)
		if err != nil {
			yield(nil, fmt.Errorf("read %s: %w", t.Name, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			vals := make([]any, len(t.Columns))
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				yield(nil, fmt.Errorf("read %s: %w", t.Name, err))
				return
			}
			if !yield(vals, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, fmt.Errorf("read %s: %w", t.Name, err))
		}
	}
}

// Count returns the number of rows in the table name.
func (s *Snapshot) Count(ctx context.Context, name string) (int64, error) {
	var n int64
	if err := s.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quoteIdent(name)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", name, err)
	}
	return n, nil
}

// DecodeVector decodes a vector as the store keeps it (vectors.vec:
// little-endian float32s).
func DecodeVector(b []byte) ([]float32, error) { return decodeVec(b) }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

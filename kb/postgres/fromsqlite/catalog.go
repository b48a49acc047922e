package fromsqlite

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb/sqlite"
)

// column is one column of a PostgreSQL table, from information_schema.
type column struct {
	name, udt          string // udt: the type's name, _text for text[]
	nullable, identity bool
	generated          bool
}

// catalog is the PostgreSQL schema: each table's columns and the tables
// each one references by foreign key.
type catalog struct {
	columns map[string][]column
	refs    map[string][]string
}

func readCatalog(ctx context.Context, conn *pgx.Conn) (*catalog, error) {
	cat := &catalog{columns: map[string][]column{}, refs: map[string][]string{}}
	rows, err := conn.Query(ctx, `SELECT c.table_name, c.column_name, c.udt_name,
			c.is_nullable = 'YES', c.is_identity = 'YES', c.is_generated = 'ALWAYS'
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("read postgres columns: %w", err)
	}
	for rows.Next() {
		var table string
		var c column
		if err := rows.Scan(&table, &c.name, &c.udt, &c.nullable, &c.identity, &c.generated); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read postgres columns: %w", err)
		}
		cat.columns[table] = append(cat.columns[table], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read postgres columns: %w", err)
	}
	rows, err = conn.Query(ctx, `SELECT src.relname::text, dst.relname::text
		FROM pg_constraint k
		JOIN pg_class src ON src.oid = k.conrelid
		JOIN pg_class dst ON dst.oid = k.confrelid
		WHERE k.contype = 'f' AND src.relnamespace = current_schema()::regnamespace`)
	if err != nil {
		return nil, fmt.Errorf("read postgres foreign keys: %w", err)
	}
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read postgres foreign keys: %w", err)
		}
		if from != to {
			cat.refs[from] = append(cat.refs[from], to)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read postgres foreign keys: %w", err)
	}
	return cat, nil
}

// tablePlan is how one SQLite table is copied.
type tablePlan struct {
	table sqlite.Table
	// from[i] is the index in table.Columns of PostgreSQL column cols[i].
	cols []column
	from []int
	// keepSeq lists the identity columns whose values are carried (the
	// SQLite table's own integer key); their sequences are moved past
	// them after the copy. Other identity columns are numbered afresh,
	// in SQLite's insertion order (messages.seq counts per conversation
	// in SQLite, over all of them in PostgreSQL).
	keepSeq []string
}

// plan maps every SQLite table and column onto PostgreSQL's, and orders
// the tables so that each comes after those it references.
func plan(tables []sqlite.Table, cat *catalog) ([]*tablePlan, error) {
	byName := map[string]*tablePlan{}
	var problems []string
	for _, t := range tables {
		pgCols, ok := cat.columns[t.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("table %s has no PostgreSQL table", t.Name))
			continue
		}
		p := &tablePlan{table: t}
		for i, name := range t.Columns {
			j := slices.IndexFunc(pgCols, func(c column) bool { return c.name == name })
			switch {
			case j < 0:
				problems = append(problems, fmt.Sprintf("column %s.%s has no PostgreSQL column", t.Name, name))
				continue
			case pgCols[j].generated:
				problems = append(problems, fmt.Sprintf("column %s.%s is generated in PostgreSQL", t.Name, name))
				continue
			case pgCols[j].identity && !slices.Equal(t.Key, []string{name}):
				continue // numbered afresh
			case pgCols[j].identity:
				p.keepSeq = append(p.keepSeq, name)
			}
			if converters[pgCols[j].udt] == nil {
				problems = append(problems, fmt.Sprintf("column %s.%s: no conversion to PostgreSQL type %s", t.Name, name, pgCols[j].udt))
				continue
			}
			p.cols = append(p.cols, pgCols[j])
			p.from = append(p.from, i)
		}
		byName[t.Name] = p
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the SQLite store does not fit the PostgreSQL schema, nothing copied (is this baton older than the data directory?): %s", strings.Join(problems, "; "))
	}
	return order(byName, cat.refs)
}

// order sorts the plans so that referenced tables come first, by name
// among those free to go.
func order(byName map[string]*tablePlan, refs map[string][]string) ([]*tablePlan, error) {
	var out []*tablePlan
	done := map[string]bool{}
	for len(out) < len(byName) {
		var ready []string
		for name := range byName {
			if !done[name] && !slices.ContainsFunc(refs[name], func(r string) bool { return byName[r] != nil && !done[r] }) {
				ready = append(ready, name)
			}
		}
		if len(ready) == 0 {
			return nil, fmt.Errorf("foreign keys between the tables form a cycle")
		}
		slices.Sort(ready)
		for _, name := range ready {
			done[name] = true
			out = append(out, byName[name])
		}
	}
	return out, nil
}

// copy streams the table's rows into PostgreSQL with COPY, which writes
// identity columns' given values as INSERT ... OVERRIDING SYSTEM VALUE
// would, then resets the sequences of those.
func (p *tablePlan) copy(ctx context.Context, tx pgx.Tx, src *sqlite.Snapshot) error {
	next, stop := iter.Pull2(src.Rows(ctx, p.table))
	defer stop()
	names := make([]string, len(p.cols))
	for i, c := range p.cols {
		names[i] = c.name
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{p.table.Name}, names, pgx.CopyFromFunc(func() ([]any, error) {
		vals, err, ok := next()
		if !ok || err != nil {
			return nil, err
		}
		out := make([]any, len(p.cols))
		for i, c := range p.cols {
			if out[i], err = convert(c, vals[p.from[i]]); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		return out, nil
	}))
	if err != nil {
		return fmt.Errorf("copy %s: %w", p.table.Name, err)
	}
	for _, col := range p.keepSeq {
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(%[1]s), 0) + 1, false) FROM %[2]s`,
			pgx.Identifier{col}.Sanitize(), pgx.Identifier{p.table.Name}.Sanitize())
		if _, err := tx.Exec(ctx, q, p.table.Name, col); err != nil {
			return fmt.Errorf("reset the sequence of %s.%s: %w", p.table.Name, col, err)
		}
	}
	return nil
}

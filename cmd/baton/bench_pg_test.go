package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/cmd/internal/bench"
	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// TestDIYPostgresSearch: the do-it-yourself alternative finds the right
// article for a question in either language, from Baton's own texts and
// vectors copied into PostgreSQL.
func TestDIYPostgresSearch(t *testing.T) {
	requireModel(t)
	url := pgtest.Database(t)
	ctx := context.Background()
	src := writeBenchSources(t)
	cfg := Config{Data: t.TempDir()}
	if err := cfg.fromEnv(); err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "" // Baton itself on the embedded store
	app, err := OpenApp(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, err := app.Ingester.IngestPaths(ctx, []string{src + "/kb.jsonl"}, "s"); err != nil {
		t.Fatal(err)
	}
	diy, _, err := loadDIY(ctx, url, app, "s")
	if err != nil {
		t.Fatal(err)
	}
	defer diy.close()
	// 5 titles, 11 similar questions, 3 passages (two articles have no body).
	if diy.rows != 19 {
		t.Errorf("copied %d texts, want 19", diy.rows)
	}
	for q, want := range map[string]string{"I forgot my password": "s:1", "退款多久到账": "s:4", "update the shipping address please": "s:3"} {
		v, err := app.embedder.Embed(ctx, []string{q})
		if err != nil {
			t.Fatal(err)
		}
		got, err := diy.search(ctx, q, v[0], 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0] != want {
			t.Errorf("search %q = %v, want %s first", q, got, want)
		}
	}
}

// TestBenchPostgresRow: with --postgres-url the bench table has the
// alternative's row at each concurrency, and the load line; with --sets,
// its top-1 on each set, every collection of the set copied in turn.
func TestBenchPostgresRow(t *testing.T) {
	requireModel(t)
	url := pgtest.Database(t)
	t.Setenv("BATON_DATABASE_URL", "")
	var out, errs bytes.Buffer
	args := []string{"bench", "--from", writeBenchSources(t), "--articles", "30", "--concurrency", "1,2", "--queries", "10", "--turns", "4", "--runs", "1", "--postgres-url", url,
		"--sets", filepath.Join("testdata", "benchset")}
	if err := run(context.Background(), args, &out, &errs); err != nil {
		t.Fatalf("bench: %v\n%s", err, &errs)
	}
	table := out.String()
	for _, c := range []string{"1", "2"} {
		row := rowOf(table, "| 30 | "+bench.Postgres+" | "+c+" |")
		if row == nil {
			t.Errorf("no PostgreSQL row at concurrency %s in\n%s", c, table)
		}
	}
	// Five plain questions in two collections, each close to its
	// article's similar questions.
	if row := rowOf(table, "| benchset | "+bench.Postgres+" |"); row == nil || row[2] != "5" || row[3] == "0.000" {
		t.Errorf("PostgreSQL top-1 row = %q, want 5 queries and some right, in\n%s", row, table)
	}
	if !strings.Contains(table, "PostgreSQL alternative, 30 articles:") {
		t.Errorf("no load line in\n%s", table)
	}
}

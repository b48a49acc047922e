package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/batonhq/baton/cmd/internal/bench"
	"github.com/batonhq/baton/cmd/internal/evaluate"
)

// benchSets measures top-1 on the in-scope queries of each evaluation
// set in f.sets, for each system the bench times: each set ingested into
// an app of its own on a throwaway data directory, classifiers trained
// and indexes built, as `baton eval` does (so the figures compare with
// its), and with f.postgres each of the set's collections copied in turn
// into the PostgreSQL alternative's table.
func benchSets(ctx context.Context, f benchFlags, log *slog.Logger) ([]bench.SetTop1, error) {
	cfg, err := benchConfig(f, os.TempDir()) // openEvalApp replaces Data
	if err != nil {
		return nil, err
	}
	var diy *diyPostgres
	defer func() {
		if diy != nil {
			diy.close()
		}
	}()
	var out []bench.SetTop1
	for _, dir := range f.sets {
		start := time.Now()
		rows, err := setTop1(ctx, cfg, f.postgres, dir, &diy)
		if err != nil {
			return nil, fmt.Errorf("set %s: %w", dir, err)
		}
		out = append(out, rows...)
		log.Info("set top-1 measured", "set", filepath.Base(dir), "queries", rows[0].N, "seconds", time.Since(start).Seconds())
	}
	return out, nil
}

// setTop1 asks the in-scope queries of the set in dir of each system,
// a collection at a time; *diy is the PostgreSQL alternative, opened on
// the first collection when url is set.
func setTop1(ctx context.Context, cfg Config, url, dir string, diy **diyPostgres) ([]bench.SetTop1, error) {
	kbPath, queriesPath := evaluate.SetFiles(dir)
	all, err := evaluate.ReadQueries(queriesPath)
	if err != nil {
		return nil, err
	}
	qs := bench.InScope(all)
	if len(qs) == 0 {
		return nil, fmt.Errorf("%s: no in-scope queries", queriesPath)
	}
	app, closeApp, err := openEvalApp(ctx, cfg, kbPath)
	if err != nil {
		return nil, err
	}
	defer closeApp()
	set := filepath.Base(dir)
	s, vec := app.Searcher, app.Searcher.Vectors()
	baton := &bench.SetTop1{Set: set, System: bench.Baton}
	keyword := &bench.SetTop1{Set: set, System: bench.Keyword}
	rows := []*bench.SetTop1{baton, keyword}
	var vector, postgres *bench.SetTop1
	embed := app.embedder != nil && vec != nil
	if embed {
		vector = &bench.SetTop1{Set: set, System: bench.Vector}
		rows = append(rows, vector)
	}
	if url != "" {
		postgres = &bench.SetTop1{Set: set, System: bench.Postgres}
		rows = append(rows, postgres)
	}
	for _, c := range collectionsOf(qs) {
		if postgres != nil {
			if *diy == nil {
				*diy, _, err = loadDIY(ctx, url, app, c)
			} else {
				err = (*diy).fill(ctx, app, c)
			}
			if err != nil {
				return nil, fmt.Errorf("postgres, collection %s: %w", c, err)
			}
		}
		for _, q := range qs {
			if q.Collection != c {
				continue
			}
			gold := *q.GoldID
			fused, err := s.Search(ctx, c, q.Query, 10)
			if err != nil {
				return nil, err
			}
			baton.Add(gold, firstArticle(len(fused), func(i int) string { return fused[i].ArticleID }))
			hits, err := s.Keyword.Search(ctx, c, q.Query, 10)
			if err != nil {
				return nil, err
			}
			keyword.Add(gold, firstArticle(len(hits), func(i int) string { return hits[i].ArticleID }))
			if !embed {
				continue
			}
			// Embedded once, with the embedder itself, for both: as the
			// timed part does.
			v, err := app.embedder.Embed(ctx, []string{q.Query})
			if err != nil {
				return nil, fmt.Errorf("embed %q: %w", q.Query, err)
			}
			exact := vec.Exact(c, v[0], 10)
			vector.Add(gold, firstArticle(len(exact), func(i int) string { return exact[i].ArticleID }))
			if postgres != nil {
				ids, err := (*diy).search(ctx, q.Query, v[0], 10)
				if err != nil {
					return nil, err
				}
				postgres.Add(gold, firstArticle(len(ids), func(i int) string { return ids[i] }))
			}
		}
	}
	out := make([]bench.SetTop1, len(rows))
	for i, r := range rows {
		out[i] = *r
	}
	return out, nil
}

// collectionsOf lists the collections of qs in the order they first
// appear: a query is searched only in its own.
func collectionsOf(qs []evaluate.Query) []string {
	seen := map[string]bool{}
	var out []string
	for _, q := range qs {
		if !seen[q.Collection] {
			seen[q.Collection] = true
			out = append(out, q.Collection)
		}
	}
	return out
}

// firstArticle is the article ranked first of n, by id, "" when n is 0.
func firstArticle(n int, id func(int) string) string {
	if n == 0 {
		return ""
	}
	return id(0)
}

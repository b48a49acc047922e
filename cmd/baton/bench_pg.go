package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/batonhq/baton/retrieval"
)

// diyPostgres is the search a team would otherwise build itself:
// PostgreSQL full-text search and a pgvector HNSW index over the same
// texts Baton indexes (each article's title, similar questions and
// passages, with Baton's own vectors), the two rankings fused by
// reciprocal rank in one SQL query. Text search uses the 'simple'
// configuration, the one that takes Chinese and English alike (stock
// PostgreSQL has no Chinese parser), with the question's words ORed.
type diyPostgres struct {
	pool *pgxpool.Pool
	rows int
}

// diyTable holds the texts; bench drops and refills it each size.
const diyTable = "baton_bench_diy"

// diySearch is the one query: the best 40 of each ranking, fused with
// k=60 as is usual for reciprocal rank fusion, best articles first.
const diySearch = `WITH q AS (SELECT replace(plainto_tsquery('simple', $1)::text, '&', '|')::tsquery AS q),
kw AS (SELECT d.article_id, row_number() OVER (ORDER BY ts_rank_cd(d.tsv, q.q) DESC) AS r
	FROM ` + diyTable + ` d, q WHERE d.tsv @@ q.q ORDER BY ts_rank_cd(d.tsv, q.q) DESC LIMIT 40),
vec AS (SELECT article_id, row_number() OVER (ORDER BY emb <=> $2) AS r
	FROM (SELECT article_id, emb FROM ` + diyTable + ` ORDER BY emb <=> $2 LIMIT 40) n)
SELECT article_id FROM (SELECT article_id, r FROM kw UNION ALL SELECT article_id, r FROM vec) u
GROUP BY article_id ORDER BY sum(1.0 / (60 + r)) DESC LIMIT $3`

// loadDIY copies the collection's texts and vectors from app into the
// database at url and builds both indexes, as such a team would after
// embedding its articles; it returns how long the copy and the index
// builds took (the embedding is Baton's, already done).
func loadDIY(ctx context.Context, url string, app *App, collection string) (*diyPostgres, time.Duration, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %w", err)
	}
	_, err = conn.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`)
	conn.Close(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, 0, err
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error { return pgxvec.RegisterTypes(ctx, c) }
	cfg.MaxConns = 32
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, 0, err
	}
	d := &diyPostgres{pool: pool}
	start := time.Now()
	if err := d.fill(ctx, app, collection); err != nil {
		pool.Close()
		return nil, 0, err
	}
	return d, time.Since(start), nil
}

func (d *diyPostgres) fill(ctx context.Context, app *App, collection string) error {
	arts, err := app.Store.Articles(ctx, collection)
	if err != nil {
		return err
	}
	known, err := app.Searcher.KnownTexts(ctx, arts)
	if err != nil {
		return err
	}
	if known == nil {
		return fmt.Errorf("the PostgreSQL alternative needs vectors: run bench with an embedder")
	}
	var rows [][]any
	for _, a := range arts {
		chunks, err := app.Store.Chunks(ctx, a.ID)
		if err != nil {
			return err
		}
		texts := retrieval.ArticleTexts(a, chunks)
		vs, err := known.Embed(ctx, texts)
		if err != nil {
			return err
		}
		for i, t := range texts {
			rows = append(rows, []any{a.ID, t, pgvector.NewVector(vs[i])})
		}
	}
	if len(rows) == 0 {
		return fmt.Errorf("collection %s is empty", collection)
	}
	dim := len(rows[0][2].(pgvector.Vector).Slice())
	for _, q := range []string{
		`DROP TABLE IF EXISTS ` + diyTable,
		fmt.Sprintf(`CREATE TABLE %s (article_id text NOT NULL, body text NOT NULL,
			tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED, emb vector(%d) NOT NULL)`, diyTable, dim),
	} {
		if _, err := d.pool.Exec(ctx, q); err != nil {
			return err
		}
	}
	if _, err := d.pool.CopyFrom(ctx, pgx.Identifier{diyTable}, []string{"article_id", "body", "emb"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy texts: %w", err)
	}
	for _, q := range []string{
		`CREATE INDEX ON ` + diyTable + ` USING gin (tsv)`,
		`CREATE INDEX ON ` + diyTable + ` USING hnsw (emb vector_cosine_ops)`,
		`ANALYZE ` + diyTable,
	} {
		if _, err := d.pool.Exec(ctx, q); err != nil {
			return err
		}
	}
	d.rows = len(rows)
	return nil
}

// search returns the best n articles for the question and its vector.
func (d *diyPostgres) search(ctx context.Context, text string, vec []float32, n int) ([]string, error) {
	rows, err := d.pool.Query(ctx, diySearch, text, pgvector.NewVector(vec), n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func (d *diyPostgres) close() { d.pool.Close() }

package postgres

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// Storing a model's first vectors makes its HNSW index (cosine, over the
// model's dimension, partial on the model); storing more leaves it be,
// and a model of another dimension gets one of its own.
func TestVectorIndex(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Database(t))
	defer s.Close()
	put := func(id, model string, dim int) {
		t.Helper()
		if _, err := s.PutArticle(ctx, &kb.Article{ID: id, Collection: "c", Title: "t", Hash: "h", Source: "s"}, nil); err != nil {
			t.Fatal(err)
		}
		v := make([]float32, dim)
		v[0] = 1
		if err := s.PutVectors(ctx, id, model, "h", []kb.Vector{{ArticleID: id, Vec: v}}); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "bge's model", 512)
	put("b", "bge's model", 512)
	put("c", "other", 8)
	rows, _ := s.pool.Query(ctx, `SELECT indexdef FROM pg_indexes WHERE tablename = 'vectors' AND indexdef LIKE '%hnsw%' ORDER BY indexname`)
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) != 2 {
		t.Fatalf("HNSW indexes on vectors = %q, want one per model", defs)
	}
	for _, want := range []string{"((vec)::vector(512)) vector_cosine_ops", "model = 'bge''s model'::text", "dim = 512"} {
		if !slices.ContainsFunc(defs, func(d string) bool { return strings.Contains(d, want) }) {
			t.Errorf("HNSW indexes %q: none has %q", defs, want)
		}
	}
	// A new process (a node starting) finds them there.
	s2 := open(t, s.pool.Config().ConnString())
	defer s2.Close()
	if err := s2.EnsureVectorIndexes(ctx, "bge's model"); err != nil {
		t.Fatal(err)
	}
}

// knnFixture is random unit vectors in several collections, stored in
// PostgreSQL and kept in memory for exact search.
type knnFixture struct {
	model string
	dim   int
	vecs  map[string][]knnItem // by collection
}

type knnItem struct {
	articleID, chunkID string
	vec                []float32
}

// loadKNNFixture stores n random unit vectors of dim dimensions, 5 to an
// article, in collections sized by shares, by COPY (as a database
// upgraded from a version without HNSW indexes holds them), then builds
// the index as a starting server does.
func loadKNNFixture(t testing.TB, s *Store, n, dim int, shares map[string]float64) *knnFixture {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	f := &knnFixture{model: "test-model", dim: dim, vecs: map[string][]knnItem{}}
	colls := slices.Sorted(func(yield func(string) bool) {
		for c := range shares {
			if !yield(c) {
				return
			}
		}
	})
	var arts [][]any
	var rows [][]any
	for i := 0; i < n; i += 5 {
		// Collections take articles in proportion to their shares.
		r, c := rng.Float64(), colls[len(colls)-1]
		for _, name := range colls {
			if r -= shares[name]; r < 0 {
				c = name
				break
			}
		}
		id := fmt.Sprintf("%s/a%05d", c, i/5)
		arts = append(arts, []any{id, c, "t", "", []string{}, []string{}, "en", "s", "h", 1})
		for o := range 5 {
			v := randomUnit(rng, dim)
			chunk := ""
			if o > 0 {
				chunk = fmt.Sprintf("%s#%d", id, o)
			}
			f.vecs[c] = append(f.vecs[c], knnItem{id, chunk, v})
			rows = append(rows, []any{f.model, id, o, chunk, "h", pgvector.NewVector(v)})
		}
	}
	if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{"articles"}, []string{"id", "collection", "title", "body", "questions", "tags", "lang", "source", "hash", "version"}, pgx.CopyFromRows(arts)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.CopyFrom(ctx, pgx.Identifier{"vectors"}, []string{"model", "article_id", "ord", "chunk_id", "hash", "vec"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.EnsureVectorIndexes(ctx, f.model); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `ANALYZE articles; ANALYZE vectors`); err != nil {
		t.Fatal(err)
	}
	t.Logf("HNSW index over %d vectors of %d dimensions built in %v", n, dim, time.Since(start).Round(time.Millisecond))
	return f
}

func randomUnit(rng *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	var sum float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		sum += x * x
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(sum))
	}
	return v
}

// exact is the k nearest of a collection by a scan of every vector in Go,
// as retrieval's in-memory index searches.
func (f *knnFixture) exact(collection string, q []float32, k int) []Neighbor {
	items := f.vecs[collection]
	out := make([]Neighbor, len(items))
	qv := blas32.Vector{N: len(q), Data: q, Inc: 1}
	for i, it := range items {
		out[i] = Neighbor{ArticleID: it.articleID, ChunkID: it.chunkID, Cosine: float64(blas32.Dot(qv, blas32.Vector{N: len(it.vec), Data: it.vec, Inc: 1}))}
	}
	sortNeighbors(out)
	return out[:min(k, len(out))]
}

// query is a question near some stored vector of the collection: a
// vector of it plus as much noise again, as a rephrasing lands near the
// text it asks about but not on it.
func (f *knnFixture) query(rng *rand.Rand, collection string) []float32 {
	items := f.vecs[collection]
	base := items[rng.IntN(len(items))].vec
	noise := randomUnit(rng, f.dim)
	q := make([]float32, f.dim)
	for i := range q {
		q[i] = base[i] + noise[i]
	}
	return q
}

// recall is the share of want found in got, matching vectors by article
// and chunk.
func recall(got, want []Neighbor) float64 {
	key := func(n Neighbor) string { return n.ArticleID + "\x00" + n.ChunkID }
	seen := map[string]bool{}
	for _, n := range got {
		seen[key(n)] = true
	}
	hit := 0
	for _, n := range want {
		if seen[key(n)] {
			hit++
		}
	}
	return float64(hit) / float64(len(want))
}

// TestNearestVectorsRecall searches 5,000 random unit vectors of 512
// dimensions in three collections, one holding 2% of them, through the
// HNSW index, and checks the results against exact search in Go: k
// results in every collection, recall@10 of at least 0.95, cosines as
// Go computes them. It reports recall and median latency of both:
//
//	go test ./kb/postgres -run NearestVectorsRecall -count=1 -v
func TestNearestVectorsRecall(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Database(t))
	defer s.Close()
	const k, queries = 10, 100
	f := loadKNNFixture(t, s, 5000, 512, map[string]float64{"big": 0.6, "mid": 0.38, "small": 0.02})
	rng := rand.New(rand.NewPCG(8, 9))
	for _, c := range []string{"big", "mid", "small"} {
		var sum float64
		var pgTimes, goTimes []time.Duration
		for i := 0; i < queries; i++ {
			q := f.query(rng, c)
			start := time.Now()
			got, err := s.NearestVectors(ctx, f.model, c, q, k)
			pgTimes = append(pgTimes, time.Since(start))
			if err != nil {
				t.Fatal(err)
			}
			start = time.Now()
			unit := slices.Clone(q)
			normalize(unit)
			want := f.exact(c, unit, k)
			goTimes = append(goTimes, time.Since(start))
			if len(got) != k {
				t.Fatalf("collection %s (%d vectors): %d neighbours, want %d", c, len(f.vecs[c]), len(got), k)
			}
			for _, n := range got {
				if !strings.HasPrefix(n.ArticleID, c+"/") {
					t.Fatalf("collection %s: neighbour %s is of another collection", c, n.ArticleID)
				}
			}
			if math.Abs(got[0].Cosine-want[0].Cosine) > 1e-4 && got[0].ArticleID == want[0].ArticleID && got[0].ChunkID == want[0].ChunkID {
				t.Errorf("cosine of %s = %v in PostgreSQL, %v in Go", got[0].ArticleID, got[0].Cosine, want[0].Cosine)
			}
			sum += recall(got, want)
		}
		r := sum / queries
		t.Logf("collection %-5s (%4d vectors): recall@%d %.3f; median query: HNSW %v, exact in Go %v",
			c, len(f.vecs[c]), k, r, median(pgTimes), median(goTimes))
		if r < 0.95 {
			t.Errorf("collection %s: recall@%d = %.3f, want at least 0.95", c, k, r)
		}
	}
}

// The filtered search reaches k results in a small collection because of
// the iterative scan, not by luck: the plan uses the HNSW index, and
// without the iterative scan the same plan returns fewer than k.
func TestNearestVectorsIterativeScan(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Database(t))
	defer s.Close()
	const k = 10
	f := loadKNNFixture(t, s, 5000, 64, map[string]float64{"big": 0.98, "small": 0.02})
	q := f.query(rand.New(rand.NewPCG(1, 1)), "small")
	// The statement NearestVectors runs, with the index forced as it is
	// for a large collection.
	sql := fmt.Sprintf(`SELECT v.article_id FROM vectors v JOIN articles a ON a.id = v.article_id AND a.hash = v.hash
		WHERE %s AND a.collection = 'small' ORDER BY v.vec::vector(%d) <=> $1 LIMIT %d`, modelFilter("v.", f.model, f.dim), f.dim, k)
	count := func(iterative string) (n int, plan string) {
		t.Helper()
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL enable_sort = off; SET LOCAL hnsw.ef_search = 40; SET LOCAL hnsw.iterative_scan = `+iterative); err != nil {
				return err
			}
			rows, _ := tx.Query(ctx, "EXPLAIN "+sql, pgvector.NewVector(q))
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			plan = strings.Join(lines, "\n")
			rows, _ = tx.Query(ctx, sql, pgvector.NewVector(q))
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			n = len(ids)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, plan
	}
	n, plan := count("off")
	if !strings.Contains(plan, vectorIndexName(f.model, f.dim)) {
		t.Fatalf("plan does not use the HNSW index:\n%s", plan)
	}
	if n >= k {
		t.Fatalf("without iterative scan the small collection got %d of %d: the test shows nothing", n, k)
	}
	if n, _ = count("relaxed_order"); n != k {
		t.Errorf("with iterative scan the small collection got %d, want %d", n, k)
	}
	got, err := s.NearestVectors(ctx, f.model, "small", q, k)
	if err != nil || len(got) != k {
		t.Errorf("NearestVectors in the small collection = %d, %v; want %d", len(got), err, k)
	}
}

// ArticleVectors scores every current vector of the articles asked for,
// and nothing of others or of stale versions.
func TestArticleVectors(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Database(t))
	defer s.Close()
	f := loadKNNFixture(t, s, 100, 16, map[string]float64{"c": 1})
	q := f.query(rand.New(rand.NewPCG(2, 2)), "c")
	ids := []string{f.vecs["c"][0].articleID, f.vecs["c"][7].articleID}
	if _, err := s.pool.Exec(ctx, `UPDATE articles SET hash = 'edited' WHERE id = $1`, ids[1]); err != nil {
		t.Fatal(err)
	}
	got, err := s.ArticleVectors(ctx, f.model, ids, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("ArticleVectors = %d vectors, want the 5 of %s (%s's are stale)", len(got), ids[0], ids[1])
	}
	unit := slices.Clone(q)
	normalize(unit)
	for _, n := range got {
		i := slices.IndexFunc(f.vecs["c"], func(it knnItem) bool { return it.articleID == n.ArticleID && it.chunkID == n.ChunkID })
		want := float64(blas32.Dot(blas32.Vector{N: len(unit), Data: unit, Inc: 1}, blas32.Vector{N: f.dim, Data: f.vecs["c"][i].vec, Inc: 1}))
		if n.ArticleID != ids[0] || math.Abs(n.Cosine-want) > 1e-5 {
			t.Errorf("ArticleVectors gave %s %q cosine %v, want of %s, cosine %v", n.ArticleID, n.ChunkID, n.Cosine, ids[0], want)
		}
	}
}

func normalize(v []float32) {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(sum))
	}
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2].Round(10 * time.Microsecond)
}

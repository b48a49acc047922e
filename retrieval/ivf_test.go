package retrieval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// clustered fills a collection with articles of 20 vectors each, scattered
// around the article's own centre as similar questions scatter around an
// intent; it returns the centres.
func clustered(v *Vectors, articles int, seed uint64) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float32, articles)
	for a := range centres {
		centres[a] = noisy(nil, rng, 1)
		id := fmt.Sprintf("a%d", a)
		items := make([]VectorItem, 20)
		for i := range items {
			items[i] = VectorItem{ArticleID: id, ChunkID: id + "#0", Vec: noisy(centres[a], rng, 0.8)}
		}
		v.Put(&kb.Article{ID: id, Collection: "c"}, items)
	}
	return centres
}

func noisy(centre []float32, rng *rand.Rand, sd float64) []float32 {
	out := make([]float32, 512)
	for i := range out {
		out[i] = float32(rng.NormFloat64() * sd)
		if centre != nil {
			out[i] += centre[i]
		}
	}
	return out
}

// TestIVFRecall compares the inverted file with exact search on the same
// 10,000 synthetic vectors. Only the first article is meaningful here (the
// other nine of an exact top-10 are noise-level matches in random data), so
// it checks the top article and logs recall@10 and speed; the real-data
// figures are in the README.
//
//	go test -run IVFRecall -v ./retrieval
func TestIVFRecall(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("clusters 10,000 vectors; too slow under -short or -race (TestIVFConcurrent covers races)")
	}
	exact, approx := NewVectors(), NewVectors()
	exact.IVFThreshold = 0
	approx.IVFThreshold = 1000
	centres := clustered(exact, 500, 7)
	clustered(approx, 500, 7)
	ctx := context.Background()
	if n := approx.BuildIndexes(); n != 1 {
		t.Fatalf("BuildIndexes built %d inverted files, want 1", n)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	var hit, total, first int
	var tExact, tApprox time.Duration
	const queries = 60
	for q := 0; q < queries; q++ {
		query := noisy(centres[rng.IntN(len(centres))], rng, 0.8)
		t0 := time.Now()
		want := exact.Search(ctx, "c", query, 10)
		t1 := time.Now()
		got := approx.Search(ctx, "c", query, 10)
		tApprox += time.Since(t1)
		tExact += t1.Sub(t0)
		if len(got) > 0 && len(want) > 0 && got[0].ArticleID == want[0].ArticleID {
			first++
		}
		in := map[string]bool{}
		for _, h := range got {
			in[h.ArticleID] = true
		}
		for _, h := range want {
			total++
			if in[h.ArticleID] {
				hit++
			}
		}
	}
	recall := float64(hit) / float64(total)
	t.Logf("10,000 vectors, 500 articles, %d queries: same top article %d, recall@10 %.3f; exact %.2f ms/query, IVF %.2f ms/query",
		queries, first, recall, float64(tExact.Microseconds())/queries/1000, float64(tApprox.Microseconds())/queries/1000)
	if first < queries*95/100 {
		t.Errorf("IVF found exact search's top article for %d of %d queries, want >= 95%%", first, queries)
	}
	// A deleted article is gone at once (search is exact until the index
	// is rebuilt) and from the rebuilt index.
	approx.Delete("a0")
	for _, build := range []bool{false, true} {
		if build && approx.BuildIndexes() != 1 {
			t.Fatalf("no rebuild after the delete")
		}
		for _, h := range approx.Search(ctx, "c", centres[0], 10) {
			if h.ArticleID == "a0" {
				t.Errorf("deleted article a0 still found (rebuilt %v)", build)
			}
		}
	}
}

// No search builds an index: a large collection is searched exactly until
// BuildIndexes (the background indexer) has built one for its current
// vectors, and a change sends it back to exact search until the next build.
func TestIVFBuiltInBackground(t *testing.T) {
	v := NewVectors()
	v.IVFThreshold = 200
	centres := clustered(v, 20, 3) // 400 vectors
	ctx := context.Background()
	exact := func() bool {
		v.mu.RLock()
		defer v.mu.RUnlock()
		return v.needsIndex("c")
	}
	if hits := v.Search(ctx, "c", centres[0], 5); len(hits) == 0 || !exact() || v.ivf["c"] != nil {
		t.Fatalf("search before any build: %d hits, built %v; want exact results and no index", len(hits), v.ivf["c"] != nil)
	}
	select {
	case <-v.indexWanted:
	default:
		t.Errorf("a large collection's change did not ask the indexer for an index")
	}
	if v.BuildIndexes() != 1 || exact() {
		t.Fatalf("BuildIndexes did not install the index")
	}
	if v.BuildIndexes() != 0 {
		t.Errorf("a second BuildIndexes rebuilt an index that is current")
	}
	v.Put(&kb.Article{ID: "late", Collection: "c"}, []VectorItem{{ArticleID: "late", ChunkID: "late", Vec: centres[1]}})
	if !exact() {
		t.Fatalf("after a change the old index is still used")
	}
	if hits := v.Search(ctx, "c", centres[1], 30); !slices.ContainsFunc(hits, func(h Hit) bool { return h.ArticleID == "late" }) {
		t.Errorf("the article added after the build is not found before the next one")
	}
}

// TestIVFConcurrent writes and searches a large collection at once; run
// with -race.
func TestIVFConcurrent(t *testing.T) {
	v := NewVectors()
	v.IVFThreshold = 200
	centres := clustered(v, 20, 3) // 400 vectors
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	indexer := make(chan struct{})
	go func() { // the background indexer, building while others write and search
		defer close(indexer)
		for {
			select {
			case <-stop:
				return
			default:
				v.BuildIndexes()
			}
		}
	}()
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 2))
			for i := 0; i < 30; i++ {
				if g == 0 {
					id := fmt.Sprintf("new%d", i)
					v.Put(&kb.Article{ID: id, Collection: "c"}, []VectorItem{{ArticleID: id, ChunkID: id, Vec: noisy(nil, rng, 1)}})
					continue
				}
				if hits := v.Search(ctx, "c", centres[rng.IntN(len(centres))], 5); len(hits) == 0 {
					t.Errorf("no hits")
				}
			}
		}(g)
	}
	wg.Wait()
	close(stop)
	<-indexer
}

// Exact scans every vector even where an inverted file is built: it gives
// the same ranking as a collection below the threshold.
func TestVectorsExactIgnoresIVF(t *testing.T) {
	exact, approx := NewVectors(), NewVectors()
	exact.IVFThreshold = 0
	approx.IVFThreshold = 100
	centres := clustered(exact, 60, 3)
	clustered(approx, 60, 3)
	if n := approx.BuildIndexes(); n != 1 {
		t.Fatalf("BuildIndexes built %d inverted files, want 1", n)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for q := range 10 {
		query := noisy(centres[rng.IntN(len(centres))], rng, 0.8)
		want := exact.Search(context.Background(), "c", query, 10)
		got := approx.Exact("c", query, 10)
		if !slices.EqualFunc(got, want, func(a, b Hit) bool { return a.ArticleID == b.ArticleID }) {
			t.Errorf("query %d: Exact = %v, want exact search's %v", q, got, want)
		}
	}
}

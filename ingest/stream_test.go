package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
	"github.com/batonhq/baton/retrieval/onnx"
)

// countingEmbedder counts the texts it is asked to embed.
type countingEmbedder struct {
	retrieval.Embedder
	texts atomic.Int64
}

func (c *countingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	c.texts.Add(int64(len(texts)))
	return c.Embedder.Embed(ctx, texts)
}

// hashEmbedder makes a vector from each text's hash, and fails on any
// text containing "EMBEDFAIL".
type hashEmbedder struct{}

func (hashEmbedder) Name() string { return "hash" }

func (hashEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if strings.Contains(t, "EMBEDFAIL") {
			return nil, errors.New("model refused the text")
		}
		h := fnv.New64a()
		h.Write([]byte(t))
		v := h.Sum64()
		out[i] = make([]float32, 8)
		for j := range out[i] {
			out[i][j] = float32(v>>(8*j)&0xff) / 255
		}
	}
	return out, nil
}

// ingested is one ingestion of a fixture with a given worker count.
type ingested struct {
	sum      Summary
	vectors  map[string][][]float32 // article id -> stored vectors in order
	searcher *retrieval.Searcher
	in       *Ingester
}

// ingestWith ingests paths into a fresh store and searcher.
func ingestWith(t *testing.T, emb retrieval.Embedder, workers int, paths []string) ingested {
	t.Helper()
	ctx := context.Background()
	store := openStore(t)
	kw, err := retrieval.OpenKeyword(filepath.Join(t.TempDir(), "index.bleve"), retrieval.KeywordOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kw.Close() })
	s := retrieval.NewSearcher(kw, emb)
	s.Store = store
	in := &Ingester{Store: store, Index: s, Workers: workers}
	sum, err := in.IngestPaths(ctx, paths, "shop")
	if err != nil {
		t.Fatal(err)
	}
	got := ingested{sum: sum, vectors: map[string][][]float32{}, searcher: s, in: in}
	err = store.Vectors(ctx, emb.Name(), func(_ string, v kb.Vector) error {
		got.vectors[v.ArticleID] = append(got.vectors[v.ArticleID], v.Vec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// openModel opens the local embedding model, or skips the test when it
// is not installed (outside CI).
func openModel(t *testing.T) *onnx.Embedder {
	t.Helper()
	dir := onnx.DefaultDir()
	if _, err := os.Stat(filepath.Join(dir, onnx.ModelFile)); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("model not installed in %s: run `bash scripts/setup-model.sh`", dir)
	}
	model, err := onnx.Open(dir, onnx.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { model.Close() })
	return model
}

// bulkJSONL writes name in dir: n articles in one file, as a bulk import
// is, every third Chinese and every fifth long enough for several
// passages; the article numbered fail (when not -1) has a text the
// hashEmbedder refuses.
func bulkJSONL(t *testing.T, dir, name string, n, fail int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		rec := map[string]any{
			"id":        fmt.Sprintf("%s-%03d", strings.TrimSuffix(name, ".jsonl"), i),
			"title":     fmt.Sprintf("Plan %d: returns and refunds", i),
			"body":      fmt.Sprintf("Customers on plan %d may return an item within %d days for a full refund.", i, 10+i),
			"questions": []string{fmt.Sprintf("How long do I have to return on plan %d?", i), fmt.Sprintf("Refund for plan %d", i)},
		}
		if i%3 == 0 {
			rec["title"] = fmt.Sprintf("%d号套餐的退货", i)
			rec["body"] = fmt.Sprintf("%d号套餐的客户可在%d天内退货并全额退款。", i, 10+i)
			rec["questions"] = []string{fmt.Sprintf("%d号套餐怎么退货", i)}
			rec["lang"] = "zh-CN"
		}
		if i%5 == 0 {
			rec["body"] = strings.Repeat(rec["body"].(string)+" Keep the receipt and the original box. ", 40)
		}
		if i == fail {
			rec["body"] = "EMBEDFAIL " + rec["body"].(string)
		}
		line, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixtureDir copies the top-level test documents into a directory of
// their own (bad ones included: they must fail the same way).
func fixtureDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestParallelIngestMatchesSequential: ingesting the test documents with
// the local model on four workers stores exactly the vectors, and ranks
// exactly the passages by them, that one worker does; re-ingesting them unchanged
// embeds nothing.
func TestParallelIngestMatchesSequential(t *testing.T) {
	model := openModel(t)
	fixture := []string{fixtureDir(t)}

	seq := ingestWith(t, model, 1, fixture)
	emb := &countingEmbedder{Embedder: model}
	par := ingestWith(t, emb, 4, fixture)
	if !reflect.DeepEqual(par.sum, seq.sum) {
		t.Errorf("summary with 4 workers:\n%+v\nwith 1:\n%+v", par.sum, seq.sum)
	}
	if len(seq.vectors) < 10 {
		t.Fatalf("only %d articles have vectors; the fixture should give more", len(seq.vectors))
	}
	if !reflect.DeepEqual(par.vectors, seq.vectors) {
		for id, vs := range seq.vectors {
			if !reflect.DeepEqual(par.vectors[id], vs) {
				t.Errorf("article %s: vectors with 4 workers differ from 1 worker's", id)
			}
		}
		t.Errorf("4 workers stored vectors for %d articles, 1 worker for %d", len(par.vectors), len(seq.vectors))
	}
	// Vector rankings only: bleve's BM25 statistics depend on when its
	// segments merge, so keyword scores differ between two sequential
	// ingestions too.
	seq.searcher.Only, par.searcher.Only = "vector", "vector"
	ctx := context.Background()
	for _, q := range []string{"how do I return a damaged item", "退款多久到账", "warranty period"} {
		want, err := seq.searcher.Search(ctx, "shop", q, 5)
		if err != nil {
			t.Fatal(err)
		}
		got, err := par.searcher.Search(ctx, "shop", q, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("search %q with 4 workers: %+v, want %+v", q, got, want)
		}
	}

	before := emb.texts.Load()
	sum, err := par.in.IngestPaths(ctx, fixture, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added+sum.Updated+sum.Removed != 0 || sum.Unchanged == 0 {
		t.Errorf("re-ingest: %s, want all unchanged", sum)
	}
	if n := emb.texts.Load() - before; n != 0 {
		t.Errorf("re-ingesting unchanged files embedded %d texts, want 0", n)
	}
}

// TestParallelIngestReportsEmbedErrors: an article the embedder refuses
// fails its own file, as with one worker, and the files around it are
// ingested and embedded.
func TestParallelIngestReportsEmbedErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"a.md": "# Returns\n\nSend it back within 30 days.",
		"b.md": "# Refunds\n\nEMBEDFAIL refunds take five days.",
		"c.md": "# Delivery\n\nParcels arrive in two days.",
		"d.md": "# Warranty\n\nTwo years on every device.",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	seq := ingestWith(t, hashEmbedder{}, 1, []string{dir})
	par := ingestWith(t, hashEmbedder{}, 3, []string{dir})
	if !reflect.DeepEqual(par.sum, seq.sum) {
		t.Errorf("summary with 3 workers:\n%+v\nwith 1:\n%+v", par.sum, seq.sum)
	}
	var failed []string
	for _, f := range par.sum.Files {
		if f.Err != "" {
			failed = append(failed, filepath.Base(f.Path))
			if !strings.Contains(f.Err, "model refused") {
				t.Errorf("%s failed with %q, want the embedder's error", f.Path, f.Err)
			}
		}
	}
	if !reflect.DeepEqual(failed, []string{"b.md"}) {
		t.Errorf("failed files %v, want [b.md]", failed)
	}
	if !reflect.DeepEqual(par.vectors, seq.vectors) || len(par.vectors) != 3 {
		t.Errorf("vectors for %d articles with 3 workers, want the same 3 as with 1", len(par.vectors))
	}
}

// TestParallelIngestOneSourceMatchesSequential: one file of many
// articles (a bulk kb.jsonl, more than the workers embed ahead) ingested
// with the local model on four workers stores exactly the vectors one
// worker stores.
func TestParallelIngestOneSourceMatchesSequential(t *testing.T) {
	model := openModel(t)
	dir := t.TempDir()
	bulkJSONL(t, dir, "kb.jsonl", 4*articlesAheadPerWorker+9, -1)

	seq := ingestWith(t, model, 1, []string{dir})
	par := ingestWith(t, model, 4, []string{dir})
	if !reflect.DeepEqual(par.sum, seq.sum) {
		t.Errorf("summary with 4 workers:\n%+v\nwith 1:\n%+v", par.sum, seq.sum)
	}
	if want := 4*articlesAheadPerWorker + 9; seq.sum.Added != want || len(seq.vectors) != want {
		t.Fatalf("1 worker added %d articles, %d with vectors; want %d", seq.sum.Added, len(seq.vectors), want)
	}
	if !reflect.DeepEqual(par.vectors, seq.vectors) {
		for id, vs := range seq.vectors {
			if !reflect.DeepEqual(par.vectors[id], vs) {
				t.Errorf("article %s: vectors with 4 workers differ from 1 worker's", id)
			}
		}
	}
}

// TestParallelIngestOneSourceEmbedError: an article the embedder refuses,
// in the middle of a big file, fails that file with the articles before it
// stored, as with one worker, and the file after it is ingested.
func TestParallelIngestOneSourceEmbedError(t *testing.T) {
	dir := t.TempDir()
	bulkJSONL(t, dir, "a.jsonl", 80, 30)
	bulkJSONL(t, dir, "b.jsonl", 40, -1)
	seq := ingestWith(t, hashEmbedder{}, 1, []string{dir})
	par := ingestWith(t, hashEmbedder{}, 3, []string{dir})
	if !reflect.DeepEqual(par.sum, seq.sum) {
		t.Errorf("summary with 3 workers:\n%+v\nwith 1:\n%+v", par.sum, seq.sum)
	}
	if len(par.sum.Files) != 2 || !strings.Contains(par.sum.Files[0].Err, "model refused") || par.sum.Files[1].Err != "" {
		t.Errorf("files %+v, want a.jsonl failed by the embedder and b.jsonl ingested", par.sum.Files)
	}
	if !reflect.DeepEqual(par.vectors, seq.vectors) || len(par.vectors) != 30+40 {
		t.Errorf("vectors for %d articles with 3 workers, %d with 1; want the same 70", len(par.vectors), len(seq.vectors))
	}
}

// probeIndex records how many articles a Searcher prepares at once and
// how far preparing runs ahead of indexing.
type probeIndex struct {
	*retrieval.Searcher
	prepDelay, indexDelay time.Duration // each Prepare, each index sleeps this long

	mu                  sync.Mutex
	running, maxRunning int // Prepare calls under way
	ahead, maxAhead     int // articles prepared and not yet indexed
}

func (p *probeIndex) Prepare(ctx context.Context, a *kb.Article, chunks []kb.Chunk) (func(context.Context, *kb.Article, []kb.Chunk) error, error) {
	p.mu.Lock()
	p.running++
	p.maxRunning = max(p.maxRunning, p.running)
	p.mu.Unlock()
	time.Sleep(p.prepDelay)
	index, err := p.Searcher.Prepare(ctx, a, chunks)
	p.mu.Lock()
	p.running--
	if err == nil {
		p.ahead++
		p.maxAhead = max(p.maxAhead, p.ahead)
	}
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
		time.Sleep(p.indexDelay)
		p.mu.Lock()
		p.ahead--
		p.mu.Unlock()
		return index(ctx, a, chunks)
	}, nil
}

// TestParallelIngestOneSourceBounds: the articles of one file are
// embedded on every worker but never on more, and, when storing is the
// slow part, embedded at most a few per worker ahead of it rather than
// the whole file.
func TestParallelIngestOneSourceBounds(t *testing.T) {
	const workers, n = 3, 120
	dir := t.TempDir()
	bulkJSONL(t, dir, "kb.jsonl", n, -1)
	ingest := func(prepDelay, indexDelay time.Duration) *probeIndex {
		t.Helper()
		store := openStore(t)
		kw, err := retrieval.OpenKeyword(filepath.Join(t.TempDir(), "index.bleve"), retrieval.KeywordOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { kw.Close() })
		s := retrieval.NewSearcher(kw, hashEmbedder{})
		s.Store = store
		probe := &probeIndex{Searcher: s, prepDelay: prepDelay, indexDelay: indexDelay}
		in := &Ingester{Store: store, Index: probe, Workers: workers}
		sum, err := in.IngestPaths(context.Background(), []string{dir}, "shop")
		if err != nil {
			t.Fatal(err)
		}
		if sum.Added != n || sum.Failed != 0 {
			t.Fatalf("%s, want %d added", sum, n)
		}
		return probe
	}

	slowEmbed := ingest(2*time.Millisecond, 0)
	if slowEmbed.maxRunning < 2 || slowEmbed.maxRunning > workers {
		t.Errorf("one file on %d workers: at most %d articles embedded at once, want 2 to %d", workers, slowEmbed.maxRunning, workers)
	}
	slowStore := ingest(0, 2*time.Millisecond)
	window := workers * articlesAheadPerWorker
	if slowStore.maxAhead > window+1 || slowStore.maxAhead <= workers {
		t.Errorf("slow store: up to %d articles embedded and not yet indexed, want %d to %d", slowStore.maxAhead, workers+1, window+1)
	}
}

package retrieval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// genKB generates a bilingual knowledge base of articles in collection
// "c": half English, half Chinese, words drawn Zipf-like from a fixed
// vocabulary so that common words match many passages, with 1-6 passages
// and 0-4 similar questions each. Every 25th article copies an earlier one
// under a new id, so that scores tie.
func genKB(rng *rand.Rand, articles int) []doc {
	en := make([]string, 3000)
	for i := range en {
		en[i] = genWord(rng)
	}
	zh := make([]string, 800)
	for i := range zh {
		zh[i] = string(rune(0x4E00 + rng.IntN(3000)))
	}
	zen := rand.NewZipf(rng, 1.1, 2, uint64(len(en)-1))
	zzh := rand.NewZipf(rng, 1.1, 2, uint64(len(zh)-1))
	words := func(chinese bool, n int) string {
		var b strings.Builder
		for i := range n {
			if chinese {
				b.WriteString(zh[zzh.Uint64()])
				if rng.IntN(12) == 0 {
					b.WriteString("，")
				}
				continue
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(en[zen.Uint64()])
		}
		return b.String()
	}
	var docs []doc
	for a := range articles {
		id := "a" + strconv.Itoa(a)
		if a%25 == 24 {
			orig := docs[rng.IntN(len(docs))]
			var texts []string
			for _, c := range orig.chunks {
				texts = append(texts, c.Text)
			}
			docs = append(docs, article("c", id, orig.article.Title, orig.article.Questions, texts...))
			continue
		}
		chinese := a%2 == 1
		var qs []string
		for range rng.IntN(5) {
			qs = append(qs, words(chinese, 4+rng.IntN(6)))
		}
		texts := make([]string, 1+rng.IntN(6))
		for i := range texts {
			texts[i] = words(chinese, 40+rng.IntN(80))
		}
		docs = append(docs, article("c", id, words(chinese, 2+rng.IntN(4)), qs, texts...))
	}
	return docs
}

// genWord makes a pronounceable English-looking word of 2-4 syllables.
func genWord(rng *rand.Rand) string {
	const cons, vows = "bcdfghklmnprstvwz", "aeiou"
	var b strings.Builder
	for range 2 + rng.IntN(3) {
		b.WriteByte(cons[rng.IntN(len(cons))])
		b.WriteByte(vows[rng.IntN(len(vows))])
	}
	return b.String()
}

// genQueries draws questions from the knowledge base: a few words of an
// article's title, question or passage, in the customer's order, plus a
// word from elsewhere.
func genQueries(rng *rand.Rand, docs []doc, n int) []string {
	var out []string
	for range n {
		d := docs[rng.IntN(len(docs))]
		src := d.article.Title
		if len(d.article.Questions) > 0 && rng.IntN(2) == 0 {
			src = d.article.Questions[rng.IntN(len(d.article.Questions))]
		} else if rng.IntN(3) == 0 {
			src = d.chunks[rng.IntN(len(d.chunks))].Text
		}
		other := firstWord(docs[rng.IntN(len(docs))].chunks[0].Text)
		var q string
		if f := strings.Fields(src); len(f) > 1 {
			i := rng.IntN(len(f))
			q = strings.Join(f[i:min(len(f), i+4)], " ") + " " + other
		} else {
			r := []rune(src)
			i := rng.IntN(len(r))
			q = string(r[i:min(len(r), i+6)]) + other
		}
		out = append(out, q)
	}
	return out
}

// openGenKeyword indexes genKB(articles) in a fresh index.
func openGenKeyword(tb testing.TB, articles int) (*Keyword, []doc) {
	tb.Helper()
	docs := genKB(rand.New(rand.NewPCG(5, 6)), articles)
	kw, err := OpenKeyword(filepath.Join(tb.TempDir(), "kw.bleve"), KeywordOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { kw.Close() })
	b := kw.NewBatch()
	for _, d := range docs {
		if err := b.Index(context.Background(), &d.article, d.chunks); err != nil {
			tb.Fatal(err)
		}
		if b.Size() > 2000 {
			if err := b.Flush(); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := b.Flush(); err != nil {
		tb.Fatal(err)
	}
	return kw, docs
}

// bestPerArticleAllFields is bestPerArticle as it was before issue 18: one
// search that loads the stored fields of every hit. It is the reference the
// current one must agree with, and the "before" of BenchmarkKeywordSearch.
func (k *Keyword) bestPerArticleAllFields(ctx context.Context, q query.Query, size, n int, chunkField, textField string) ([]Hit, error) {
	req := bleve.NewSearchRequestOptions(q, size, 0, false)
	req.Fields = []string{"article_id", textField}
	if chunkField != "" {
		req.Fields = append(req.Fields, chunkField)
	}
	res, err := k.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	seen := map[string]bool{}
	var hits []Hit
	for _, h := range res.Hits {
		aid, _ := h.Fields["article_id"].(string)
		if seen[aid] {
			continue
		}
		seen[aid] = true
		chunk := h.ID
		if chunkField != "" {
			chunk, _ = h.Fields[chunkField].(string)
		}
		txt, _ := h.Fields[textField].(string)
		hits = append(hits, Hit{ArticleID: aid, ChunkID: chunk, Text: txt, Score: h.Score})
		if len(hits) == n {
			break
		}
	}
	return hits, nil
}

// keywordSearches are a chat turn's two keyword searches of collection
// "c", as the index runs them and by the reference: every hit's fields
// loaded, the collection always ANDed into the query.
func keywordSearches(k *Keyword, reference bool) [2]func(ctx context.Context, text string, n int) ([]Hit, error) {
	if !reference {
		return [2]func(ctx context.Context, text string, n int) ([]Hit, error){
			func(ctx context.Context, text string, n int) ([]Hit, error) { return k.Search(ctx, "c", text, n) },
			func(ctx context.Context, text string, n int) ([]Hit, error) {
				return k.SearchQuestions(ctx, "c", text, n)
			},
		}
	}
	in := func(q query.Query) query.Query { return bleve.NewConjunctionQuery(collectionQuery("c"), q) }
	return [2]func(ctx context.Context, text string, n int) ([]Hit, error){
		func(ctx context.Context, text string, n int) ([]Hit, error) {
			return k.bestPerArticleAllFields(ctx, in(passageQuery(text)), max(n*20, 200), n, "", "text")
		},
		func(ctx context.Context, text string, n int) ([]Hit, error) {
			return k.bestPerArticleAllFields(ctx, in(questionQuery(text)), max(n*30, 300), n, "chunk", "question")
		},
	}
}

// collectionWeight bounds what the collection's term adds to a score in a
// one-collection index, where the search leaves it out: a term in every
// document has a BM25 idf of about 0.5/N.
const collectionWeight = 1e-3

// sameHits reports whether got and want are the same hits in the same
// order, scores within collectionWeight. Hits whose scores tie within it
// may come in either order, and those tied with the last may be others.
func sameHits(got, want []Hit) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if math.Abs(got[i].Score-want[i].Score) > collectionWeight {
			return false
		}
	}
	last := len(got) - 1
	for i := 0; i < len(got); {
		j := i + 1
		for j < len(got) && math.Abs(got[j].Score-got[i].Score) <= collectionWeight {
			j++
		}
		if last >= 0 && math.Abs(got[i].Score-got[last].Score) <= collectionWeight {
			return true // the tie at the cut: any of them may be kept
		}
		key := func(h Hit) string { return h.ArticleID + "\x00" + h.ChunkID + "\x00" + h.Text }
		g, w := make([]string, 0, j-i), make([]string, 0, j-i)
		for k := i; k < j; k++ {
			g, w = append(g, key(got[k])), append(w, key(want[k]))
		}
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			return false
		}
		i = j
	}
	return true
}

// TestKeywordKeptHitsMatchAllFields: reading stored fields only for the
// kept hits, and leaving out the collection of a one-collection index,
// give what loading every hit's fields of the collection's documents
// gave: the same articles in the same order (ties included: the generated
// base has copies), the same passage ids and texts, the same scores but
// for the collection term's weight.
func TestKeywordKeptHitsMatchAllFields(t *testing.T) {
	kw, docs := openGenKeyword(t, 400)
	ctx := context.Background()
	got, want := keywordSearches(kw, false), keywordSearches(kw, true)
	var ties, texts int
	for _, q := range genQueries(rand.New(rand.NewPCG(7, 8)), docs, 100) {
		for _, n := range []int{1, 10, 40} {
			for s, name := range []string{"Search", "SearchQuestions"} {
				g, err := got[s](ctx, q, n)
				if err != nil {
					t.Fatalf("%s(%q, %d): %v", name, q, n, err)
				}
				w, err := want[s](ctx, q, n)
				if err != nil {
					t.Fatalf("%s(%q, %d) loading all fields: %v", name, q, n, err)
				}
				if !sameHits(g, w) {
					t.Fatalf("%s(%q, %d) =%s\nloading all fields:%s", name, q, n, fmtHits(g), fmtHits(w))
				}
				for i, h := range g {
					if h.Text != "" && h.ChunkID != "" {
						texts++
					}
					if i > 0 && h.Score == g[i-1].Score {
						ties++
					}
				}
			}
		}
	}
	// The comparison means something only if hits carry text and some
	// scores tie.
	if texts == 0 || ties == 0 {
		t.Fatalf("%d hits with text and chunk, %d tied scores: the generated base tests nothing", texts, ties)
	}
}

// TestKeywordKeepBestSkipsRemoved: a passage ranked by the search but
// removed before its text is read is skipped, and the next article takes
// its place.
func TestKeywordKeepBestSkipsRemoved(t *testing.T) {
	ctx := context.Background()
	kw := openKeyword(t, KeywordOptions{})
	texts := map[string]string{
		"first":  "The warranty covers defects.",
		"second": "Warranty claims need the receipt.",
		"third":  "Returns are free; the warranty is unaffected.",
	}
	for id, txt := range texts {
		indexAll(t, kw, []doc{article("c", id, "Warranty", nil, txt)})
	}
	res, err := kw.idx.SearchInContext(ctx, bleve.NewSearchRequest(passageQuery("warranty")))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 3 {
		t.Fatalf("search(warranty) = %v, want 3 passages", res.Hits)
	}
	gone := strings.TrimSuffix(res.Hits[0].ID, "#0")
	if err := kw.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	r := snapshot(t, kw)
	defer r.Close()
	hits, err := keepBest(ctx, r, res.Hits, "c", 2, "", "text")
	if err != nil {
		t.Fatal(err)
	}
	var want []Hit
	for _, h := range res.Hits[1:] {
		id := strings.TrimSuffix(h.ID, "#0")
		want = append(want, Hit{ArticleID: id, ChunkID: h.ID, Text: texts[id], Score: h.Score})
	}
	if !slices.Equal(hits, want) {
		t.Errorf("ranked %v, %s deleted: keepBest =%s\nwant%s", res.Hits, gone, fmtHits(hits), fmtHits(want))
	}
}

// BenchmarkKeywordSearch measures a chat turn's two keyword searches
// (passages and similar questions, 10 articles each) over a generated
// bilingual base of 3000 articles (about 10,000 passages and 9,000
// question documents), reading stored fields for the kept hits only
// (fields=kept) and, as before issue 18, for every hit (fields=all):
//
//	go test -run XXX -bench KeywordSearch -count 6 ./retrieval
func BenchmarkKeywordSearch(b *testing.B) {
	kw, docs := openGenKeyword(b, 3000)
	qs := genQueries(rand.New(rand.NewPCG(9, 10)), docs, 200)
	ctx := context.Background()
	for _, all := range []bool{true, false} {
		name := "fields=kept"
		if all {
			name = "fields=all"
		}
		searches := keywordSearches(kw, all)
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				for _, s := range searches {
					if _, err := s(ctx, qs[i%len(qs)], 10); err != nil {
						b.Fatal(err)
					}
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/turn")
		})
	}
}

// fmtHits prints hits one a line for a test failure.
func fmtHits(hs []Hit) string {
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "\n  %s %s %.6f %.40q", h.ArticleID, h.ChunkID, h.Score, h.Text)
	}
	return b.String()
}

// firstWord is the first word of English text, the first two characters
// of Chinese.
func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 1 {
		return f[0]
	}
	return string([]rune(s)[:2])
}

package retrieval

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/batonhq/baton/kb"
)

// doc is an article with its passages, as ingest would produce it.
type doc struct {
	article kb.Article
	chunks  []kb.Chunk
}

// article builds an article of collection coll whose passages are texts,
// with chunk ids id#0, id#1...
func article(coll, id, title string, questions []string, texts ...string) doc {
	d := doc{article: kb.Article{ID: id, Collection: coll, Title: title, Questions: questions}}
	for i, txt := range texts {
		d.chunks = append(d.chunks, kb.Chunk{ID: id + "#" + strconv.Itoa(i), ArticleID: id, Ord: i, Text: txt})
	}
	return d
}

// corpus is a small shop knowledge base in English and Chinese, plus a
// copy of the refund article in a third collection.
func corpus() []doc {
	return []doc{
		article("en", "en-refund", "Refund policy", []string{"How do I get a refund?"},
			"Paid to the original card within five business days."),
		article("en", "en-shipping", "Delivery times", []string{"When will my order be shipped?"},
			"Orders leave our warehouse within two days. Express delivery is paid separately."),
		article("en", "en-password", "Reset your password", []string{"I forgot my password"},
			"Use the reset link on the sign-in page. The link is valid for one day."),
		article("zh", "zh-refund", "退款说明", []string{"怎么申请退款"},
			"退款会在三到五个工作日内原路退回。"),
		article("zh", "zh-shipping", "发货时间", []string{"什么时候发货"},
			"订单付款后四十八小时内发货。"),
		article("zh", "zh-invoice", "发票", []string{"怎么开发票"},
			"在订单页面申请电子发票（PDF）。"),
		article("other", "other-refund", "Refund policy", []string{"How do I get a refund?"},
			"Refunds for the other shop are paid within five business days."),
	}
}

func openKeyword(t *testing.T, opts KeywordOptions) *Keyword {
	t.Helper()
	kw, err := OpenKeyword(filepath.Join(t.TempDir(), "kw.bleve"), opts)
	if err != nil {
		t.Fatalf("OpenKeyword(%+v): %v", opts, err)
	}
	t.Cleanup(func() { kw.Close() })
	return kw
}

func indexAll(t *testing.T, kw *Keyword, docs []doc) {
	t.Helper()
	for _, d := range docs {
		if err := kw.Index(context.Background(), &d.article, d.chunks); err != nil {
			t.Fatalf("Index(%s): %v", d.article.ID, err)
		}
	}
}

func hitIDs(hs []Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ArticleID
	}
	return out
}

// keywordQueries are customer questions worded differently from the
// article that answers them.
var keywordQueries = []struct {
	name       string
	collection string
	question   string
	want       string // article expected first
}{
	// Only stemming links "refunds" to "refund"; "paid" also appears in
	// the shipping article.
	{"plural finds singular", "en", "are refunds paid?", "en-refund"},
	// "shipping" and "shipped" share the stem "ship"; "order" and
	// "delivery" are not in the question.
	{"gerund finds past participle", "en", "shipping", "en-shipping"},
	{"possessive and case", "en", "PASSWORD'S reset", "en-password"},
	// Word order differs; the bigrams 退款 and 申请 are shared. The invoice
	// article shares 怎么 and 申请 but not 退款.
	{"chinese reordered", "zh", "退款怎么申请", "zh-refund"},
	{"chinese inside a sentence", "zh", "请问我的订单什么时候能发货？", "zh-shipping"},
	{"full-width latin folded", "zh", "ＰＤＦ", "zh-invoice"},
}

func TestKeywordSearchFindsRewordedQuestions(t *testing.T) {
	for _, scoring := range []string{"bm25", "tf-idf"} {
		for _, cjk := range []string{"bigram", "unigram+bigram"} {
			opts := KeywordOptions{Scoring: scoring, CJK: cjk}
			kw := openKeyword(t, opts)
			indexAll(t, kw, corpus())
			for _, q := range keywordQueries {
				t.Run(scoring+"/"+cjk+"/"+q.name, func(t *testing.T) {
					hits, err := kw.Search(context.Background(), q.collection, q.question, 5)
					if err != nil {
						t.Fatalf("Search(%q): %v", q.question, err)
					}
					if len(hits) == 0 || hits[0].ArticleID != q.want {
						t.Fatalf("Search(%q) = %v, want %s first", q.question, hitIDs(hits), q.want)
					}
					if hits[0].ChunkID != q.want+"#0" || hits[0].Text == "" {
						t.Errorf("top hit passage = %q %q, want chunk %s#0 with its text", hits[0].ChunkID, hits[0].Text, q.want)
					}
				})
			}
		}
	}
}

func TestKeywordZeroOptionsIsDefault(t *testing.T) {
	kw := openKeyword(t, KeywordOptions{})
	indexAll(t, kw, corpus())
	for _, q := range keywordQueries {
		t.Run(q.name, func(t *testing.T) {
			hits, err := kw.Search(context.Background(), q.collection, q.question, 5)
			if err != nil {
				t.Fatalf("Search(%q): %v", q.question, err)
			}
			if len(hits) == 0 || hits[0].ArticleID != q.want {
				t.Fatalf("Search(%q) = %v, want %s first", q.question, hitIDs(hits), q.want)
			}
		})
	}
	// The default CJK analysis keeps unigrams, so one character finds the
	// article (see TestKeywordCJKOptions).
	hits, err := kw.Search(context.Background(), "zh", "票", 5)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(hitIDs(hits), []string{"zh-invoice"}) {
		t.Errorf("Search(票) with zero options = %v, want [zh-invoice] (unigrams on by default)", hitIDs(hits))
	}
}

func TestKeywordScoringOptionChangesScores(t *testing.T) {
	scores := map[string]float64{}
	for _, scoring := range []string{"bm25", "tf-idf"} {
		kw := openKeyword(t, KeywordOptions{Scoring: scoring})
		indexAll(t, kw, corpus())
		hits, err := kw.Search(context.Background(), "en", "refund", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 {
			t.Fatalf("%s: Search(refund) = %v, want one hit", scoring, hitIDs(hits))
		}
		scores[scoring] = hits[0].Score
	}
	if scores["bm25"] == scores["tf-idf"] {
		t.Errorf("bm25 and tf-idf give the same score %v: the scoring option has no effect", scores["bm25"])
	}
}

func TestKeywordCJKOptions(t *testing.T) {
	tests := []struct {
		name      string
		cjk       string
		wantTerms []string // of "退款", sorted
		wantHits  []string // for the single character 退
	}{
		{"bigram", "bigram", []string{"退款"}, nil},
		{"unigram+bigram", "unigram+bigram", []string{"款", "退", "退款"}, []string{"zh-refund"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kw := openKeyword(t, KeywordOptions{CJK: tt.cjk})
			indexAll(t, kw, corpus())
			terms := kw.Terms("退款")
			slices.Sort(terms)
			if !slices.Equal(terms, tt.wantTerms) {
				t.Errorf("Terms(退款) = %q, want %q", terms, tt.wantTerms)
			}
			hits, err := kw.Search(context.Background(), "zh", "退", 5)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(hitIDs(hits), tt.wantHits) {
				t.Errorf("Search(退) = %v, want %v", hitIDs(hits), tt.wantHits)
			}
		})
	}
}

func TestKeywordTermsEnglish(t *testing.T) {
	kw := openKeyword(t, KeywordOptions{})
	got := kw.Terms("The Refunds were SHIPPED")
	want := []string{"refund", "ship"}
	if !slices.Equal(got, want) {
		t.Errorf("Terms = %q, want %q (stop words dropped, lower case, stemmed)", got, want)
	}
}

func TestKeywordUnknownOptions(t *testing.T) {
	tests := []struct {
		name string
		opts KeywordOptions
	}{
		{"scoring", KeywordOptions{Scoring: "bm26"}},
		{"cjk", KeywordOptions{CJK: "trigram"}},
		{"cjk case", KeywordOptions{CJK: "Bigram"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kw.bleve")
			kw, err := OpenKeyword(path, tt.opts)
			if err == nil {
				kw.Close()
				t.Fatalf("OpenKeyword(%+v) succeeded, want an error", tt.opts)
			}
			if !errors.Is(err, kb.ErrInvalid) {
				t.Errorf("OpenKeyword(%+v) error = %v, want kb.ErrInvalid", tt.opts, err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a rejected index left %s behind (stat error %v)", path, err)
			}
		})
	}
}

func TestKeywordCollectionScoping(t *testing.T) {
	kw := openKeyword(t, KeywordOptions{})
	indexAll(t, kw, corpus())
	tests := []struct {
		name       string
		collection string
		question   string
		want       []string
	}{
		{"same title in two collections", "en", "refund policy", []string{"en-refund"}},
		{"other collection", "other", "refund policy", []string{"other-refund"}},
		{"english words in the chinese collection", "zh", "refund policy", nil},
		{"chinese words in the english collection", "en", "退款", nil},
		{"unknown collection", "nope", "refund", nil},
		{"collection named like an article field", "Refund", "refund", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := kw.Search(context.Background(), tt.collection, tt.question, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got := hitIDs(hits); !slices.Equal(got, tt.want) {
				t.Errorf("Search(%s, %q) = %v, want %v", tt.collection, tt.question, got, tt.want)
			}
		})
	}
}

// TestKeywordOneCollectionThenTwo: an index of one collection is searched
// without the collection in the query; once a second collection arrives
// it is ANDed in again, and keepBest drops another collection's hit
// whichever query ranked it.
func TestKeywordOneCollectionThenTwo(t *testing.T) {
	ctx := context.Background()
	kw := openKeyword(t, KeywordOptions{})
	only := func(collection string) bool {
		t.Helper()
		r := snapshot(t, kw)
		defer r.Close()
		ok, err := onlyCollection(r, collection)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if only("a") {
		t.Errorf("an empty index counts as holding only collection a")
	}
	indexAll(t, kw, []doc{article("a", "a-refund", "Refund policy", []string{"How do I get a refund?"}, "Refunds take five days.")})
	if !only("a") || only("b") {
		t.Errorf("index of collection a: onlyCollection(a) = %v, (b) = %v, want true, false", only("a"), only("b"))
	}
	indexAll(t, kw, []doc{article("b", "b-refund", "Refund policy", []string{"How do I get a refund?"}, "Refunds take five days.")})
	if only("a") || only("b") {
		t.Errorf("two collections: onlyCollection(a) = %v, (b) = %v, want false", only("a"), only("b"))
	}
	for _, c := range []string{"a", "b"} {
		hits, err := kw.Search(ctx, c, "refund", 10)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := kw.SearchQuestions(ctx, c, "get a refund", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{c + "-refund"}
		if got := hitIDs(hits); !slices.Equal(got, want) {
			t.Errorf("Search(%s) = %v, want %v", c, got, want)
		}
		if got := hitIDs(qs); !slices.Equal(got, want) {
			t.Errorf("SearchQuestions(%s) = %v, want %v", c, got, want)
		}
	}
	res, err := kw.idx.SearchInContext(ctx, bleve.NewSearchRequest(passageQuery("refund")))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 2 {
		t.Fatalf("unscoped search = %v, want both collections' passages", res.Hits)
	}
	r := snapshot(t, kw)
	defer r.Close()
	kept, err := keepBest(ctx, r, res.Hits, "b", 10, "", "text")
	if err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(kept); !slices.Equal(got, []string{"b-refund"}) {
		t.Errorf("keepBest(b) of both collections' hits = %v, want [b-refund]", got)
	}
}

// snapshot opens a reader of the index as it is now; the caller closes it.
func snapshot(t testing.TB, kw *Keyword) index.IndexReader {
	t.Helper()
	ix, err := kw.idx.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ix.Reader()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestKeywordOneHitPerArticle(t *testing.T) {
	kw := openKeyword(t, KeywordOptions{})
	indexAll(t, kw, []doc{
		article("c", "long", "Warranty", nil,
			"The warranty covers defects.", "Warranty claims need the receipt.", "Warranty warranty warranty: two years."),
		article("c", "short", "Returns", nil, "Returns are free; the warranty is unaffected."),
	})
	hits, err := kw.Search(context.Background(), "c", "warranty", 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hitIDs(hits), []string{"long", "short"}; !slices.Equal(got, want) {
		t.Fatalf("Search(warranty) = %v, want %v (one hit per article)", got, want)
	}
	if hits[0].ChunkID != "long#2" {
		t.Errorf("best passage of long = %s, want long#2 (the one repeating the word)", hits[0].ChunkID)
	}
	hits, err = kw.Search(context.Background(), "c", "warranty", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(hits); !slices.Equal(got, []string{"long"}) {
		t.Errorf("Search(warranty, n=1) = %v, want [long]", got)
	}
}

func TestKeywordReindexAndDelete(t *testing.T) {
	ctx := context.Background()
	kw := openKeyword(t, KeywordOptions{})
	indexAll(t, kw, corpus())
	search := func(q string) []Hit {
		t.Helper()
		hits, err := kw.Search(ctx, "en", q, 10)
		if err != nil {
			t.Fatal(err)
		}
		return hits
	}

	long := article("en", "en-care", "Caring for leather", nil,
		"Wipe with a damp cloth.", "Avoid direct sunlight.", "Condition the zebra hide yearly.")
	indexAll(t, kw, []doc{long})
	if hits := search("zebra"); len(hits) != 1 || hits[0].ChunkID != "en-care#2" {
		t.Fatalf("before re-indexing, Search(zebra) = %+v, want passage en-care#2", hits)
	}

	short := article("en", "en-care", "Caring for leather", nil, "Wipe with a damp cloth.")
	indexAll(t, kw, []doc{short})
	if hits := search("zebra"); len(hits) != 0 {
		t.Errorf("after re-indexing with one passage, Search(zebra) = %+v, want nothing (stale passage)", hits)
	}
	if hits := search("sunlight"); len(hits) != 0 {
		t.Errorf("after re-indexing with one passage, Search(sunlight) = %+v, want nothing (stale passage)", hits)
	}
	if hits := search("leather"); len(hits) != 1 || hits[0].ChunkID != "en-care#0" {
		t.Errorf("after re-indexing, Search(leather) = %+v, want only en-care#0", hits)
	}

	if err := kw.Delete(ctx, "en-care"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if hits := search("leather cloth"); len(hits) != 0 {
		t.Errorf("after Delete, Search = %v, want nothing", hitIDs(hits))
	}
	if err := kw.Delete(ctx, "en-care"); err != nil {
		t.Errorf("deleting a deleted article: %v, want no error", err)
	}
	// The neighbours are untouched.
	if hits := search("refund"); len(hits) == 0 || hits[0].ArticleID != "en-refund" {
		t.Errorf("after Delete of another article, Search(refund) = %v, want en-refund first", hitIDs(hits))
	}
}

func TestKeywordReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kw.bleve")
	kw, err := OpenKeyword(path, KeywordOptions{CJK: "bigram"})
	if err != nil {
		t.Fatal(err)
	}
	indexAll(t, kw, corpus())
	if err := kw.Close(); err != nil {
		t.Fatal(err)
	}

	// Options are fixed at creation: reopening with others keeps the index's.
	kw, err = OpenKeyword(path, KeywordOptions{CJK: "unigram+bigram"})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer kw.Close()
	hits, err := kw.Search(ctx, "zh", "退款怎么申请", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].ArticleID != "zh-refund" {
		t.Errorf("after reopening, Search = %v, want zh-refund first", hitIDs(hits))
	}
	if got := kw.Terms("退款"); !slices.Equal(got, []string{"退款"}) {
		t.Errorf("after reopening a bigram index, Terms(退款) = %q, want [退款]", got)
	}
}

func TestKeywordLongArticleDoesNotCrowdOutOthers(t *testing.T) {
	// The title repeats on every passage, so all twelve passages of a long
	// article match its title. The other articles must still be returned.
	var sections []string
	for i := range 12 {
		sections = append(sections, "Section "+strconv.Itoa(i)+" of the returns guide.")
	}
	kw := openKeyword(t, KeywordOptions{})
	indexAll(t, kw, []doc{
		article("c", "guide", "Returns guide", nil, sections...),
		article("c", "label", "Printing a label", nil, "Print the returns label at home."),
		article("c", "store", "Store drop-off", nil, "Returns can be dropped off in any store."),
	})
	hits, err := kw.Search(context.Background(), "c", "returns", 3)
	if err != nil {
		t.Fatal(err)
	}
	got := hitIDs(hits)
	slices.Sort(got)
	if want := []string{"guide", "label", "store"}; !slices.Equal(got, want) {
		t.Errorf("Search(returns, n=3) = %v, want all three articles %v", hitIDs(hits), want)
	}
}

func TestKeywordOpenFailsWhileInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.bleve")
	k, err := OpenKeyword(path, KeywordOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	start := time.Now()
	other, err := OpenKeyword(path, KeywordOptions{})
	if err == nil {
		other.Close()
		t.Fatal("opened an index another open holds")
	}
	if !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("err = %v, want it to say the index is in use", err)
	}
	if d := time.Since(start); d > 2*keywordLockWait {
		t.Errorf("took %v to give up", d)
	}
}

// FuzzKeywordSearch: whatever a customer types (query syntax, stray
// quotes and colons, control characters, invalid UTF-8) is a question,
// never a query error, in either language.
func FuzzKeywordSearch(f *testing.F) {
	for _, s := range []string{"how do I get a refund?", "退款多久到账", `title:"refund" AND -x`, "+-&&||!(){}[]^\"~*?:\\/", "\x00\xff", "a~2 b^3 c*"} {
		f.Add(s)
	}
	dir, err := os.MkdirTemp("", "fuzz-keyword")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	kw, err := OpenKeyword(filepath.Join(dir, "kw.bleve"), KeywordOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { kw.Close() })
	for _, d := range corpus() {
		if err := kw.Index(context.Background(), &d.article, d.chunks); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, coll := range []string{"en", "zh"} {
			hits, err := kw.Search(context.Background(), coll, text, 5)
			if err != nil || len(hits) > 5 {
				t.Fatalf("Search(%q) = %d hits, %v", text, len(hits), err)
			}
			if _, err := kw.SearchQuestions(context.Background(), coll, text, 5); err != nil {
				t.Fatalf("SearchQuestions(%q): %v", text, err)
			}
		}
	})
}

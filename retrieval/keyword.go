// Package retrieval finds the articles that answer a question: a bleve
// keyword index, a vector index over embeddings, and their fusion.
package retrieval

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/batonhq/baton/kb"
)

// analyzerName is the one analyzer used for every text field and for
// queries: Unicode word segmentation, full/half-width folding, lower case,
// English possessives, stop words and Porter stemming, and CJK characters
// joined into overlapping bigrams (plus unigrams by default).
const analyzerName = "baton"

// cjkFilterName is the CJK bigram filter, configured by KeywordOptions.CJK.
const cjkFilterName = "baton_cjk"

// Field boosts: a hit on the title or a similar question says more about an
// article than a hit somewhere in a long body.
const (
	boostTitle     = 1.5
	boostQuestions = 1.2
	boostText      = 1.0
)

// keywordDoc is what bleve indexes per chunk. Title and questions repeat on
// every chunk of an article so that any passage can be found by them.
type keywordDoc struct {
	Collection string `json:"collection"`
	ArticleID  string `json:"article_id"`
	Title      string `json:"title"`
	Questions  string `json:"questions"`
	Text       string `json:"text"`
	// Question is set on the one-question documents that let a customer's
	// phrasing match a single similar question (see SearchQuestions).
	Question string `json:"question,omitempty"`
	Chunk    string `json:"chunk,omitempty"`
}

// Keyword is the bleve keyword index.
type Keyword struct {
	idx bleve.Index
}

// KeywordOptions choose how text is analysed and scored. They are fixed
// when an index is created; the zero value is the measured default.
type KeywordOptions struct {
	// Scoring is "bm25" (default) or "tf-idf".
	Scoring string
	// CJK is "unigram+bigram" (default) or "bigram": how runs of Han
	// characters become terms.
	CJK string
}

// keywordLockWait is how long opening the index waits for another process
// (a running server) to let go of it.
const keywordLockWait = 3 * time.Second

// OpenKeyword opens the index at path, creating it with opts if needed. It
// fails, rather than waiting for ever, when another process holds it.
func OpenKeyword(path string, opts KeywordOptions) (*Keyword, error) {
	idx, err := bleve.OpenUsing(path, map[string]any{"bolt_timeout": keywordLockWait.String()})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open keyword index %s: in use by another process (a running `baton serve`?): stop it first", path)
	}
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		var m mapping.IndexMapping
		if m, err = newMapping(opts); err == nil {
			idx, err = bleve.New(path, m)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open keyword index %s: %w", path, err)
	}
	return &Keyword{idx: idx}, nil
}

func newMapping(opts KeywordOptions) (mapping.IndexMapping, error) {
	m := bleve.NewIndexMapping()
	switch opts.Scoring {
	case "", "bm25":
		m.ScoringModel = "bm25"
	case "tf-idf":
		m.ScoringModel = "tf-idf"
	default:
		return nil, fmt.Errorf("unknown keyword scoring %q: %w", opts.Scoring, kb.ErrInvalid)
	}
	var unigrams bool
	switch opts.CJK {
	case "", "unigram+bigram":
		unigrams = true
	case "bigram":
	default:
		return nil, fmt.Errorf("unknown CJK analysis %q: %w", opts.CJK, kb.ErrInvalid)
	}
	if err := m.AddCustomTokenFilter(cjkFilterName, map[string]any{
		"type":           cjk.BigramName,
		"output_unigram": unigrams,
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerName, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{cjk.WidthName, lowercase.Name, en.PossessiveName, en.StopName, cjkFilterName, porter.Name},
	}); err != nil {
		return nil, err
	}
	text := bleve.NewTextFieldMapping()
	text.Analyzer = analyzerName
	text.Store = false
	stored := bleve.NewTextFieldMapping()
	stored.Analyzer = analyzerName
	tag := bleve.NewTextFieldMapping()
	tag.Analyzer = keyword.Name
	tag.IncludeInAll = false

	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("collection", tag)
	doc.AddFieldMappingsAt("article_id", tag)
	doc.AddFieldMappingsAt("title", text)
	doc.AddFieldMappingsAt("questions", text)
	doc.AddFieldMappingsAt("text", stored)
	doc.AddFieldMappingsAt("question", stored)
	chunkRef := bleve.NewTextFieldMapping()
	chunkRef.Index = false
	doc.AddFieldMappingsAt("chunk", chunkRef)
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerName
	return m, nil
}

// Close closes the index.
func (k *Keyword) Close() error { return k.idx.Close() }

// Index adds or replaces an article's passages and questions.
func (k *Keyword) Index(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
	b := k.idx.NewBatch()
	if err := k.add(ctx, b, a, chunks); err != nil {
		return err
	}
	if err := k.idx.Batch(b); err != nil {
		return fmt.Errorf("index article %s: %w", a.ID, err)
	}
	return nil
}

// add puts into b the removal of an article's indexed documents and its
// new ones.
func (k *Keyword) add(ctx context.Context, b *bleve.Batch, a *kb.Article, chunks []kb.Chunk) error {
	if err := k.deleteInto(ctx, b, a.ID); err != nil {
		return err
	}
	qs := strings.Join(a.Questions, "\n")
	for _, c := range chunks {
		title := a.Title
		if c.Heading != "" {
			title += "\n" + c.Heading
		}
		if err := b.Index(c.ID, keywordDoc{Collection: a.Collection, ArticleID: a.ID, Title: title, Questions: qs, Text: c.Text}); err != nil {
			return fmt.Errorf("index %s: %w", c.ID, err)
		}
	}
	first := a.ID + "#0"
	if len(chunks) > 0 {
		first = chunks[0].ID
	}
	for i, q := range append([]string{a.Title}, a.Questions...) {
		id := a.ID + "?" + strconv.Itoa(i)
		if err := b.Index(id, keywordDoc{Collection: a.Collection, ArticleID: a.ID, Question: q, Chunk: first}); err != nil {
			return fmt.Errorf("index %s: %w", id, err)
		}
	}
	return nil
}

// Delete removes every passage of an article.
func (k *Keyword) Delete(ctx context.Context, articleID string) error {
	b := k.idx.NewBatch()
	if err := k.deleteInto(ctx, b, articleID); err != nil {
		return err
	}
	if b.Size() == 0 {
		return nil
	}
	return k.idx.Batch(b)
}

func (k *Keyword) deleteInto(ctx context.Context, b *bleve.Batch, articleID string) error {
	q := bleve.NewTermQuery(articleID)
	q.SetField("article_id")
	req := bleve.NewSearchRequestOptions(q, 10000, 0, false)
	res, err := k.idx.SearchInContext(ctx, req)
	if err != nil {
		return fmt.Errorf("find passages of %s: %w", articleID, err)
	}
	for _, h := range res.Hits {
		b.Delete(h.ID)
	}
	return nil
}

// KeywordBatch collects articles for the keyword index and writes them in
// few large bleve batches rather than one per article: a bulk upload then
// makes few index segments to merge. What it holds is not searchable
// until Flush.
type KeywordBatch struct {
	k *Keyword
	b *bleve.Batch
}

// NewBatch starts a batch of index changes.
func (k *Keyword) NewBatch() *KeywordBatch { return &KeywordBatch{k: k, b: k.idx.NewBatch()} }

// Index adds an article to the batch.
func (b *KeywordBatch) Index(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
	return b.k.add(ctx, b.b, a, chunks)
}

// Size is the number of documents waiting.
func (b *KeywordBatch) Size() int { return b.b.Size() }

// Flush writes what the batch holds.
func (b *KeywordBatch) Flush() error {
	if b.b.Size() == 0 {
		return nil
	}
	err := b.k.idx.Batch(b.b)
	b.b.Reset()
	return err
}

// Hit is one passage found by the keyword index.
type Hit struct {
	ArticleID string
	ChunkID   string
	Text      string
	Score     float64
}

// Search returns up to n passages of the collection, best first, at most
// one per article (its best passage).
func (k *Keyword) Search(ctx context.Context, collection, text string, n int) ([]Hit, error) {
	// Ask for many more passages than articles wanted: a long article whose
	// title matches repeats in every one of its passages.
	return k.bestPerArticle(ctx, collection, passageQuery(text), max(n*20, 200), n, "", "text")
}

// passageQuery matches text in a passage's title, questions or text.
func passageQuery(text string) query.Query {
	var fields []query.Query
	for _, f := range []struct {
		name  string
		boost float64
	}{{"title", boostTitle}, {"questions", boostQuestions}, {"text", boostText}} {
		m := bleve.NewMatchQuery(text)
		m.SetField(f.name)
		m.Analyzer = analyzerName
		m.SetBoost(f.boost)
		fields = append(fields, m)
	}
	return bleve.NewDisjunctionQuery(fields...)
}

// collectionQuery matches the documents of one collection.
func collectionQuery(collection string) query.Query {
	coll := bleve.NewTermQuery(collection)
	coll.SetField("collection")
	return coll
}

// bestPerArticle runs q in collection for size documents and keeps each
// article's best, up to n articles. The passage id is the document's own,
// or the stored field chunkField; the hit's text is the stored field
// textField.
//
// The search itself loads no stored fields: loading them for all size
// hits was half the cost of a keyword search, and keepBest usually has
// its n articles long before the last hit.
func (k *Keyword) bestPerArticle(ctx context.Context, collection string, q query.Query, size, n int, chunkField, textField string) ([]Hit, error) {
	ix, err := k.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	// Opened before the search: a document the search finds that this
	// snapshot lacks, another collection's among them, is skipped.
	r, err := ix.Reader()
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	defer r.Close()
	only, err := onlyCollection(r, collection)
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	if !only {
		q = bleve.NewConjunctionQuery(collectionQuery(collection), q)
	}
	res, err := k.idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, size, 0, false))
	if err != nil {
		return nil, fmt.Errorf("keyword search: %w", err)
	}
	return keepBest(ctx, r, res.Hits, collection, n, chunkField, textField)
}

// onlyCollection reports whether every document r holds is in
// collection. The search then leaves the collection out of its query:
// ANDed in, its term's postings (every document's) were walked for a
// third of the search's time, and a term in every document adds next to
// nothing to a BM25 score. keepBest still checks each hit's collection.
func onlyCollection(r index.IndexReader, collection string) (bool, error) {
	d, err := r.FieldDict("collection")
	if err != nil {
		return false, err
	}
	defer d.Close()
	first, err := d.Next()
	if err != nil || first == nil || first.Term != collection {
		return false, err
	}
	second, err := d.Next()
	return second == nil && err == nil, err
}

// keepBest walks ranked, best first, reading each document's stored fields
// from r only until it has n articles, and keeps the first document of
// each article. r is a later snapshot than the search that ranked the
// hits: a document removed in between (its article deleted or
// re-chunked) is skipped and the next hit considered, and one replaced in
// between gives its current text with the score it was ranked by.
func keepBest(ctx context.Context, r index.IndexReader, ranked search.DocumentMatchCollection, collection string, n int, chunkField, textField string) ([]Hit, error) {
	seen := map[string]bool{}
	var hits []Hit
	for _, h := range ranked {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("keyword search: %w", err)
		}
		doc, err := r.Document(h.ID)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", h.ID, err)
		}
		if doc == nil {
			continue
		}
		var coll, aid, chunk, txt string
		doc.VisitFields(func(f index.Field) {
			tf, ok := f.(index.TextField)
			if !ok {
				return
			}
			switch f.Name() {
			case "collection":
				coll = tf.Text()
			case "article_id":
				aid = tf.Text()
			case textField:
				txt = tf.Text()
			case chunkField:
				chunk = tf.Text()
			}
		})
		if coll != collection || seen[aid] {
			continue
		}
		seen[aid] = true
		if chunkField == "" {
			chunk = h.ID
		}
		hits = append(hits, Hit{ArticleID: aid, ChunkID: chunk, Text: txt, Score: h.Score})
		if len(hits) == n {
			break
		}
	}
	return hits, nil
}

// SearchQuestions ranks articles by their single best-matching title or
// similar question. Where articles carry many phrasings (intent-style
// FAQs), one close phrasing is stronger evidence than many loose ones
// pooled in one field.
func (k *Keyword) SearchQuestions(ctx context.Context, collection, text string, n int) ([]Hit, error) {
	// Articles with many similar questions fill many slots; ask for enough.
	return k.bestPerArticle(ctx, collection, questionQuery(text), max(n*30, 300), n, "chunk", "question")
}

// questionQuery matches text in the one-question documents.
func questionQuery(text string) query.Query {
	m := bleve.NewMatchQuery(text)
	m.SetField("question")
	m.Analyzer = analyzerName
	return m
}

// Terms analyses text the way the index does, for features such as how
// much of a question an article covers.
func (k *Keyword) Terms(text string) []string {
	a := k.idx.Mapping().AnalyzerNamed(analyzerName)
	if a == nil {
		return nil
	}
	toks := a.Analyze([]byte(text))
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		out = append(out, string(t.Term))
	}
	return out
}

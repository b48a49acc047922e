package retrieval

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/kb"
)

// Searcher is hybrid retrieval: the keyword index always, plus the vector
// index when an embedder is configured, merged by a learned linear fusion.
type Searcher struct {
	Keyword *Keyword
	// OnEmbedError, when set, hears about query embeddings that failed;
	// the search then goes on keyword-only rather than failing the turn.
	OnEmbedError func(error)
	// QueryTimeout bounds embedding the question (2 s when zero): a model
	// server that hangs costs the customer a keyword-only answer, not a
	// hung turn.
	QueryTimeout time.Duration

	vectors  *Vectors
	embedder *CachedEmbedder
	// Store, when set, keeps vectors across restarts (see LoadVectors).
	Store kb.Store
	// Only restricts search to the "keyword", "vector" (max cosine) or
	// "classifier" rankings, for side-by-side evaluation; empty uses every
	// ranking available.
	Only string
	// Fusion weighs the rankings; NewSearcher sets DefaultFusion.
	Fusion *FusionModel
	// NoClassifier leaves out the per-collection classifier ranking.
	NoClassifier bool
	// Classifiers, when set, keeps trained classifiers across restarts
	// (see LoadClassifiers) and, when nodes share it, trains each once
	// for all of them (see TrainClassifiers).
	Classifiers ClassifierStore
	// KNN, when set, gives each question's vector candidates in place of
	// a scan of the in-memory vectors (see VectorSource); when it fails,
	// the search scans them after all and OnEmbedError hears why.
	KNN VectorSource
	// AfterTraining, when set, is called after each of RunTrainer's
	// passes, on its goroutine.
	AfterTraining func()

	embedded atomic.Int64 // texts embedded by Index, for progress reports
}

// Embedder returns the searcher's (caching) embedder, nil when search is
// keyword-only.
func (s *Searcher) Embedder() Embedder {
	if s.embedder == nil {
		return nil
	}
	return s.embedder
}

// QueryEmbedder returns an embedder that shares the search's query cache
// (see CachedEmbedder.Queries), nil when search is keyword-only.
func (s *Searcher) QueryEmbedder() Embedder {
	if s.embedder == nil {
		return nil
	}
	return s.embedder.Queries()
}

// Vectors returns the in-memory vector index, nil when search is
// keyword-only.
func (s *Searcher) Vectors() *Vectors { return s.vectors }

// Embedded counts the article texts Index has embedded since the start,
// so ingestion jobs can report embedding progress.
func (s *Searcher) Embedded() int64 { return s.embedded.Load() }

// NewSearcher returns a searcher over kw; emb may be nil for keyword-only.
func NewSearcher(kw *Keyword, emb Embedder) *Searcher {
	s := &Searcher{Keyword: kw, Fusion: DefaultFusion()}
	if emb != nil {
		s.vectors = NewVectors()
		s.embedder = NewCachedEmbedder(emb, 4096)
	}
	return s
}

// SetIVFThreshold sets the collection size above which vector search scans
// only the nearest clusters (0: always exact).
func (s *Searcher) SetIVFThreshold(n int) {
	if s.vectors != nil {
		s.vectors.IVFThreshold = n
	}
}

// Mode names what the searcher uses, for logs and the README's tables.
func (s *Searcher) Mode() string {
	switch {
	case s.embedder == nil || s.Only == "keyword":
		return "keyword"
	case s.Only == "vector":
		return "vector(" + s.embedder.Name() + ")"
	case s.Only == "classifier":
		return "classifier(" + s.embedder.Name() + ")"
	}
	return "hybrid(" + s.embedder.Name() + ")"
}

// Index adds or replaces an article in every index. In keyword+vector mode
// the title, each similar question and each passage are embedded.
func (s *Searcher) Index(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
	if err := s.Keyword.Index(ctx, a, chunks); err != nil {
		return err
	}
	return s.indexVectors(ctx, a, chunks, nil)
}

// Prepare embeds an article's texts ahead of indexing it and writes
// nothing, so that a bulk load can embed several articles at once on
// several cores. Each text is still embedded on its own (the local model
// runs one text at a time), so the vectors are those Index would make.
// It returns the function that indexes the article as Index does, with
// those vectors; given the article as finally stored (its id or version
// may have changed since), it embeds afresh if the texts differ. Prepare
// is safe for concurrent use; the function it returns is not.
func (s *Searcher) Prepare(ctx context.Context, a *kb.Article, chunks []kb.Chunk) (func(context.Context, *kb.Article, []kb.Chunk) error, error) {
	pre, err := s.embedArticle(ctx, a, chunks)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
		if err := s.Keyword.Index(ctx, a, chunks); err != nil {
			return err
		}
		return s.indexVectors(ctx, a, chunks, pre)
	}, nil
}

// articleVectors is an article's embedded texts: the title, each similar
// question and each passage that is not the title, in that order.
type articleVectors struct {
	texts  []string
	ids    []string // the chunk each text stands for
	labels int      // texts[:labels] are the title and questions
	vecs   [][]float32
}

// articleTexts lists what indexVectors embeds for an article.
func articleTexts(a *kb.Article, chunks []kb.Chunk) *articleVectors {
	first := a.ID + "#0"
	if len(chunks) > 0 {
		first = chunks[0].ID
	}
	v := &articleVectors{texts: append([]string{a.Title}, a.Questions...)}
	v.labels = len(v.texts)
	v.ids = make([]string, len(v.texts))
	for i := range v.ids {
		v.ids[i] = first
	}
	for _, c := range chunks {
		if c.Text == a.Title {
			continue
		}
		v.texts = append(v.texts, c.Text)
		v.ids = append(v.ids, c.ID)
	}
	return v
}

// ArticleTexts lists the texts of an article that search embeds, in
// order: its title, its similar questions, then its passages (a passage
// that only repeats the title left out).
func ArticleTexts(a *kb.Article, chunks []kb.Chunk) []string {
	return articleTexts(a, chunks).texts
}

// embedArticle embeds an article's texts; nil without an embedder.
func (s *Searcher) embedArticle(ctx context.Context, a *kb.Article, chunks []kb.Chunk) (*articleVectors, error) {
	if s.embedder == nil {
		return nil, nil
	}
	v := articleTexts(a, chunks)
	vecs, err := s.embedder.Embed(ctx, v.texts)
	if err != nil {
		return nil, fmt.Errorf("embed article %s: %w", a.ID, err)
	}
	v.vecs = vecs
	return v, nil
}

// indexVectors stores an article's vectors, embedding its texts unless
// pre (from Prepare) holds them already.
func (s *Searcher) indexVectors(ctx context.Context, a *kb.Article, chunks []kb.Chunk, pre *articleVectors) error {
	if s.embedder == nil {
		return nil
	}
	v := articleTexts(a, chunks)
	if pre != nil && slices.Equal(pre.texts, v.texts) {
		v.vecs = pre.vecs
	} else {
		got, err := s.embedArticle(ctx, a, chunks)
		if err != nil {
			return err
		}
		v.vecs = got.vecs
	}
	vecs, ids, labels := v.vecs, v.ids, v.labels
	s.embedded.Add(int64(len(vecs)))
	items := make([]VectorItem, len(vecs))
	for i, v := range vecs {
		items[i] = VectorItem{ArticleID: a.ID, ChunkID: ids[i], Label: i < labels, Vec: v}
	}
	if s.Store != nil {
		// The title and similar questions are stored without a chunk id,
		// which is how LoadStoredVectors tells them from passages.
		stored := make([]kb.Vector, len(vecs))
		for i, v := range vecs {
			id := ids[i]
			if i < labels {
				id = ""
			}
			stored[i] = kb.Vector{ArticleID: a.ID, ChunkID: id, Vec: v}
		}
		if err := s.Store.PutVectors(ctx, a.ID, s.embedder.Name(), a.Hash, stored); err != nil {
			return err
		}
	}
	s.vectors.Put(a, items)
	return nil
}

// LoadVectors fills the in-memory vector index from the store and embeds
// the articles whose vectors are missing or stale (new model, edited while
// another model was configured). It returns how many were embedded.
func (s *Searcher) LoadVectors(ctx context.Context) (int, error) {
	if err := s.LoadStoredVectors(ctx); err != nil {
		return 0, err
	}
	return s.EmbedMissing(ctx, nil)
}

// LoadStoredVectors fills the in-memory vector index with the vectors the
// store holds for the current model, embedding nothing.
func (s *Searcher) LoadStoredVectors(ctx context.Context) error {
	if s.embedder == nil || s.Store == nil {
		return nil
	}
	model := s.embedder.Name()
	var cur *kb.Article
	var items []VectorItem
	flush := func() {
		if cur != nil {
			s.vectors.Put(cur, items)
		}
	}
	err := s.Store.Vectors(ctx, model, func(coll string, v kb.Vector) error {
		if cur == nil || cur.ID != v.ArticleID {
			flush()
			cur, items = &kb.Article{ID: v.ArticleID, Collection: coll}, nil
		}
		it := VectorItem{ArticleID: v.ArticleID, ChunkID: v.ChunkID, Vec: v.Vec}
		if it.ChunkID == "" {
			it.ChunkID, it.Label = v.ArticleID+"#0", true
		}
		items = append(items, it)
		return nil
	})
	if err != nil {
		return err
	}
	flush()
	return nil
}

// EmbedMissing embeds the articles whose vectors are missing or stale and
// returns how many it embedded; progress, when set, hears after each one
// how many are done of how many. Until an article is embedded, keyword
// search alone finds it.
func (s *Searcher) EmbedMissing(ctx context.Context, progress func(done, total int)) (int, error) {
	if s.embedder == nil || s.Store == nil {
		return 0, nil
	}
	missing, err := s.Store.ArticlesMissingVectors(ctx, s.embedder.Name())
	if err != nil {
		return 0, err
	}
	for i, id := range missing {
		a, err := s.Store.Article(ctx, id)
		if errors.Is(err, kb.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return i, err
		}
		chunks, err := s.Store.Chunks(ctx, id)
		if err != nil {
			return i, err
		}
		if err := s.indexVectors(ctx, a, chunks, nil); err != nil {
			return i, err
		}
		if progress != nil {
			progress(i+1, len(missing))
		}
	}
	return len(missing), nil
}

// Indexed reports whether this searcher's vectors hold the article at
// hash, because it was indexed here (not merely loaded from the store).
func (s *Searcher) Indexed(articleID, hash string) bool {
	if s.vectors == nil || hash == "" {
		return false
	}
	s.vectors.mu.RLock()
	defer s.vectors.mu.RUnlock()
	return s.vectors.hash[articleID] == hash
}

// Delete removes an article from every index.
func (s *Searcher) Delete(ctx context.Context, articleID string) error {
	if s.vectors != nil {
		s.vectors.Delete(articleID)
	}
	return s.Keyword.Delete(ctx, articleID)
}

// batchDocs is how many keyword documents an IndexBatch gathers before it
// writes them.
const batchDocs = 2000

// IndexBatch is the Searcher's Index for bulk loads: keyword changes are
// written a few thousand documents at a time (see KeywordBatch), vectors
// at once. Until Flush, the batched articles are not keyword-searchable.
type IndexBatch struct {
	s       *Searcher
	kw      *KeywordBatch
	pending map[string]bool
}

// NewBatch starts a bulk load.
func (s *Searcher) NewBatch() *IndexBatch {
	return &IndexBatch{s: s, kw: s.Keyword.NewBatch(), pending: map[string]bool{}}
}

// Index adds or replaces an article.
func (b *IndexBatch) Index(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
	return b.index(ctx, a, chunks, nil)
}

// Prepare embeds an article ahead of indexing it, as Searcher.Prepare
// does, and returns the function that adds it to this batch. Prepare is
// safe for concurrent use; the function it returns, like Index, is not.
func (b *IndexBatch) Prepare(ctx context.Context, a *kb.Article, chunks []kb.Chunk) (func(context.Context, *kb.Article, []kb.Chunk) error, error) {
	pre, err := b.s.embedArticle(ctx, a, chunks)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
		return b.index(ctx, a, chunks, pre)
	}, nil
}

func (b *IndexBatch) index(ctx context.Context, a *kb.Article, chunks []kb.Chunk, pre *articleVectors) error {
	if b.pending[a.ID] || b.kw.Size() >= batchDocs {
		// An article batched twice would keep its first version's extra
		// passages: write the batch before replacing it.
		if err := b.Flush(); err != nil {
			return err
		}
	}
	if err := b.kw.Index(ctx, a, chunks); err != nil {
		return err
	}
	b.pending[a.ID] = true
	return b.s.indexVectors(ctx, a, chunks, pre)
}

// Delete removes an article at once, after writing what is batched.
func (b *IndexBatch) Delete(ctx context.Context, articleID string) error {
	if err := b.Flush(); err != nil {
		return err
	}
	return b.s.Delete(ctx, articleID)
}

// Flush writes the batched keyword changes.
func (b *IndexBatch) Flush() error {
	clear(b.pending)
	return b.kw.Flush()
}

// Search returns the articles of collection that any ranking puts in its
// top n, best first: the keyword rankings and, when an embedder is
// configured, the vector rankings, merged by the learned linear fusion
// (see rank). Callers take as many as they show.
func (s *Searcher) Search(ctx context.Context, collection, question string, n int) ([]Fused, error) {
	var kw, kq []Hit
	vectorOnly := s.Only == "vector" || s.Only == "classifier"
	if !vectorOnly {
		var err error
		if kw, err = s.Keyword.Search(ctx, collection, question, n); err != nil {
			return nil, err
		}
		if kq, err = s.Keyword.SearchQuestions(ctx, collection, question, n); err != nil {
			return nil, err
		}
	}
	if s.embedder == nil || s.Only == "keyword" {
		return rank(s.fusion().Keyword, kw, kq, nil, nil, nil, nil, nil), nil
	}
	timeout := s.QueryTimeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ectx, cancel := context.WithTimeout(ctx, timeout)
	q, err := s.embedder.EmbedQuery(ectx, question)
	cancel()
	if err != nil {
		if ctx.Err() != nil || vectorOnly {
			return nil, fmt.Errorf("embed question: %w", err)
		}
		if s.OnEmbedError != nil {
			s.OnEmbedError(fmt.Errorf("embed question: %w", err))
		}
		return rank(s.fusion().Keyword, kw, kq, nil, nil, nil, nil, nil), nil
	}
	scores := s.vectorScores(ctx, collection, q, n, kw, kq)
	vmax := topHits(scores, n, func(v vecScore) float64 { return v.max })
	switch s.Only {
	case "vector":
		// Plain max-cosine order, the baseline the hybrid must beat.
		return rank(Linear{Weights: onlyFeature("vec")}, nil, nil, scores, vmax, nil, nil, nil), nil
	case "classifier":
		// The classifier's order alone; nothing without one.
		probs := s.vectors.classify(collection, q)
		if probs == nil {
			return nil, nil
		}
		return rank(Linear{Weights: onlyFeature("cls")}, nil, nil, scores, nil, nil, probs, topProbs(probs, n)), nil
	}
	vknn := topHits(scores, n, func(v vecScore) float64 { return v.knn })
	fm := s.fusion()
	if len(fm.Classified.Weights) > 0 && !s.NoClassifier {
		if probs := s.vectors.classify(collection, q); probs != nil {
			return rank(fm.Classified, kw, kq, scores, vmax, vknn, probs, topProbs(probs, n)), nil
		}
	}
	return rank(fm.Hybrid, kw, kq, scores, vmax, vknn, nil, nil), nil
}

// vectorScores scores the articles of collection for q: those KNN finds,
// else every article by the in-memory index.
func (s *Searcher) vectorScores(ctx context.Context, collection string, q []float32, n int, kw, kq []Hit) map[string]vecScore {
	if s.KNN != nil {
		scores, err := s.sourceScores(ctx, collection, q, n, kw, kq)
		if err == nil {
			return scores
		}
		if s.OnEmbedError != nil {
			s.OnEmbedError(fmt.Errorf("vector search in %s, scanned in memory instead: %w", collection, err))
		}
	}
	return s.vectors.scores(ctx, collection, q)
}

// onlyFeature returns fusion weights that weigh nothing but the named
// feature.
func onlyFeature(name string) []float64 {
	w := make([]float64, len(FeatureNames))
	w[slices.Index(FeatureNames, name)] = 1
	return w
}

// TrainClassifiers measures the Scale of every collection (or of those
// named in only) whose vectors changed since, and gives it a classifier
// (see classifier), one collection after the other: the one saved in
// Classifiers for exactly its vectors, else one it trains (and saves).
// Until a collection's classifier is ready, its searches fuse the other
// rankings only.
func (s *Searcher) TrainClassifiers(ctx context.Context, only ...string) error {
	if s.vectors == nil {
		return nil
	}
	for _, c := range s.vectors.unmeasured() {
		if len(only) == 0 || slices.Contains(only, c) {
			s.vectors.measure(c)
		}
	}
	if s.NoClassifier {
		return nil
	}
	var errs []error
	for _, c := range s.vectors.untrained() {
		if len(only) > 0 && !slices.Contains(only, c) {
			continue
		}
		errs = append(errs, s.trainClassifier(ctx, c))
	}
	return errors.Join(errs...)
}

// trainClassifier gives collection c a classifier for its vectors now.
// With a store, it first looks there, then, holding the store's lock on
// that classifier, looks again and only then trains and saves: of nodes
// sharing a store that need the same classifier, one trains it and the
// others, waiting their turn (in the background: searches go on without
// it meanwhile), load it. If the store fails, the classifier is trained
// anyway, and used unsaved.
func (s *Searcher) trainClassifier(ctx context.Context, c string) error {
	items, ver := s.vectors.snapshot(c)
	if s.Classifiers == nil || !trainable(items) {
		s.vectors.train(ctx, c, items, ver)
		return nil
	}
	fp := fingerprint(items)
	useSaved := func() (bool, error) {
		x, err := saved(ctx, s.Classifiers, c, fp)
		if x == nil {
			return false, err
		}
		x.version = ver
		s.vectors.install(c, x) // unless c changed since: then it trains again
		return true, nil
	}
	if ok, err := useSaved(); ok || ctx.Err() != nil {
		return err
	}
	ran := false
	err := s.Classifiers.WithClassifierLock(ctx, c, fingerprintKey(fp), func() error {
		ran = true
		// Another node may have saved it while this one waited.
		ok, loadErr := useSaved()
		if ok {
			return nil
		}
		x := s.vectors.train(ctx, c, items, ver)
		if x == nil {
			return loadErr // canceled, or c changed meanwhile
		}
		data, err := x.encode()
		if err == nil {
			err = s.Classifiers.SaveClassifier(ctx, c, fingerprintKey(x.fp), data)
		}
		return errors.Join(loadErr, err)
	})
	if !ran && ctx.Err() == nil {
		s.vectors.train(ctx, c, items, ver)
	}
	return err
}

// Scale returns where collection's cosines lie (see Scale), once the
// background trainer has measured it.
func (s *Searcher) Scale(collection string) (Scale, bool) {
	if s.vectors == nil {
		return Scale{}, false
	}
	return s.vectors.Scale(collection)
}

// LoadClassifiers installs the classifiers saved in Classifiers that
// were trained on the vectors now loaded (call it after LoadVectors), so
// a restart does not search without them while they train again. It
// returns how many it installed.
func (s *Searcher) LoadClassifiers(ctx context.Context) (int, error) {
	if s.vectors == nil || s.NoClassifier || s.Classifiers == nil {
		return 0, nil
	}
	return s.vectors.load(ctx, s.Classifiers)
}

// RunTrainer measures scales and retrains classifiers (TrainClassifiers)
// in the background until ctx is done:
// once at the start, then after each burst of changes has been quiet for
// settle, so an upload of many articles trains once, not once per article.
// A classifier that cannot be loaded or saved is trained and used all the
// same; onErr hears about it.
func (s *Searcher) RunTrainer(ctx context.Context, settle time.Duration, onErr func(error)) {
	if s.vectors == nil {
		return
	}
	whenSettled(ctx, s.vectors.changed, settle, func() {
		if err := s.TrainClassifiers(ctx); err != nil && onErr != nil {
			onErr(err)
		}
		if s.AfterTraining != nil {
			s.AfterTraining()
		}
	})
}

// whenSettled runs work at once, then again after each burst of signals on
// changed has been quiet for settle, until ctx is done.
func whenSettled(ctx context.Context, changed <-chan struct{}, settle time.Duration, work func()) {
	for {
		work()
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
		for quiet := false; !quiet; {
			select {
			case <-ctx.Done():
				return
			case <-changed:
			case <-time.After(settle):
				quiet = true
			}
		}
	}
}

// BuildIndexes builds the inverted files large collections lack (see
// Vectors.BuildIndexes) and returns how many; RunIndexer does it in the
// background.
func (s *Searcher) BuildIndexes() int {
	if s.vectors == nil {
		return 0
	}
	return s.vectors.BuildIndexes()
}

// RunIndexer builds inverted files in the background until ctx is done: at
// start, and once a large collection has been quiet for settle after a
// change. Searches meanwhile are exact, so none waits for a build.
func (s *Searcher) RunIndexer(ctx context.Context, settle time.Duration) {
	if s.vectors == nil {
		return
	}
	whenSettled(ctx, s.vectors.indexWanted, settle, func() { s.vectors.BuildIndexes() })
}

func (s *Searcher) fusion() *FusionModel { return s.Fusion }

// KnownTexts returns an embedder that answers with the vectors already
// indexed for the texts of arts (their titles, similar questions and
// passages, as Index embedded them) and embeds only the texts it does not
// hold: a copy of a collection is indexed again without embedding it
// again. Passages are known only with a Store to read their chunks from.
// Nil without an embedder.
func (s *Searcher) KnownTexts(ctx context.Context, arts []*kb.Article) (Embedder, error) {
	if s.embedder == nil {
		return nil, nil
	}
	known := map[string][]float32{}
	byArticle := map[string][]VectorItem{}
	seen := map[string]bool{}
	for _, a := range arts {
		if seen[a.Collection] {
			continue
		}
		seen[a.Collection] = true
		items, _ := s.vectors.snapshot(a.Collection)
		for _, it := range items {
			byArticle[it.ArticleID] = append(byArticle[it.ArticleID], it)
		}
	}
	for _, a := range arts {
		var chunks []kb.Chunk
		if s.Store != nil {
			var err error
			if chunks, err = s.Store.Chunks(ctx, a.ID); err != nil {
				return nil, err
			}
		}
		v, items := articleTexts(a, chunks), byArticle[a.ID]
		labels := 0
		for _, it := range items {
			if it.Label {
				labels++
			}
		}
		if labels != v.labels {
			continue // indexed from another version: embedded afresh
		}
		for i, t := range v.texts[:labels] {
			known[t] = items[i].Vec
		}
		if len(items) == len(v.texts) {
			for i, t := range v.texts[labels:] {
				known[t] = items[labels+i].Vec
			}
		}
	}
	return knownTexts{known: known, Embedder: s.embedder.Embedder}, nil
}

// knownTexts embeds through known first.
type knownTexts struct {
	known map[string][]float32
	Embedder
}

func (k knownTexts) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	var missing []string
	for i, t := range texts {
		if v, ok := k.known[t]; ok {
			out[i] = slices.Clone(v)
		} else {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	got, err := k.Embedder.Embed(ctx, missing)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i] == nil {
			out[i], got = got[0], got[1:]
		}
	}
	return out, nil
}

package retrieval

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"sync"

	"gonum.org/v1/gonum/blas/blas32"

	"github.com/batonhq/baton/kb"
)

// VectorItem is one embedded text of an article: its title, a similar
// question, or a passage.
type VectorItem struct {
	ArticleID string
	ChunkID   string // the passage to show when this item matches
	// Label marks the title or a similar question (stored with no chunk
	// id): it says the article matches, not which of its passages does.
	Label bool
	Vec   []float32
}

// Vectors is an exact in-process vector index: max cosine over each
// article's items. Vectors are normalised on insert so cosine is a dot product.
type Vectors struct {
	mu    sync.RWMutex
	items map[string][]VectorItem // by collection
	coll  map[string]string       // article -> collection
	hash  map[string]string       // article -> the hash of the version indexed, when known
	// ivf holds the clustering of collections above IVFThreshold, built
	// in the background (BuildIndexes) on version ivfVer of the
	// collection; searches use it only while that is the current version,
	// and search exactly meanwhile: no search ever builds an index.
	ivf    map[string]*ivf
	ivfVer map[string]uint64
	// IVFThreshold is the collection size above which search scans only
	// the nearest clusters; 0 means always exact.
	IVFThreshold int
	// version counts each collection's changes; cls holds classifiers,
	// used only while their version is current; changed is signalled
	// (without blocking) on every change, for the background trainer.
	version map[string]uint64
	cls     map[string]*classifier
	// scales holds each collection's Scale, measured in the background
	// with the classifiers; an older one serves until it is measured again.
	scales  map[string]scaleAt
	changed chan struct{}
	// indexWanted is signalled (without blocking) when a large
	// collection changes, for the background indexer.
	indexWanted chan struct{}
}

// NewVectors returns an empty index that searches collections above
// DefaultIVFThreshold vectors through an inverted file.
func NewVectors() *Vectors {
	return &Vectors{items: map[string][]VectorItem{}, coll: map[string]string{}, hash: map[string]string{},
		ivf: map[string]*ivf{}, ivfVer: map[string]uint64{}, IVFThreshold: DefaultIVFThreshold,
		version: map[string]uint64{}, cls: map[string]*classifier{}, scales: map[string]scaleAt{}, changed: make(chan struct{}, 1),
		indexWanted: make(chan struct{}, 1)}
}

// Put replaces an article's vectors.
func (v *Vectors) Put(a *kb.Article, items []VectorItem) {
	for i := range items {
		normalize(items[i].Vec)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.deleteLocked(a.ID)
	v.coll[a.ID] = a.Collection
	if a.Hash != "" {
		v.hash[a.ID] = a.Hash
	}
	v.items[a.Collection] = append(v.items[a.Collection], items...)
	v.touchLocked(a.Collection)
}

// touchLocked records a change to collection c.
func (v *Vectors) touchLocked(c string) {
	v.version[c]++
	select {
	case v.changed <- struct{}{}:
	default:
	}
	if v.large(c) {
		select {
		case v.indexWanted <- struct{}{}:
		default:
		}
	}
}

// BuildIndexes clusters every large collection whose inverted file is
// missing or older than its vectors, outside the lock (searches go on,
// exactly, meanwhile), and installs each unless the collection changed in
// between. It returns how many it installed.
func (v *Vectors) BuildIndexes() int {
	v.mu.RLock()
	var todo []string
	for c := range v.items {
		if v.needsIndex(c) {
			todo = append(todo, c)
		}
	}
	v.mu.RUnlock()
	sort.Strings(todo)
	n := 0
	for _, c := range todo {
		items, ver := v.snapshot(c)
		if len(items) == 0 {
			continue
		}
		x := buildIVF(items)
		v.mu.Lock()
		if v.version[c] == ver {
			v.ivf[c], v.ivfVer[c] = x, ver
			n++
		}
		v.mu.Unlock()
	}
	return n
}

// Delete removes an article's vectors.
func (v *Vectors) Delete(articleID string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.deleteLocked(articleID)
}

func (v *Vectors) deleteLocked(articleID string) {
	c, ok := v.coll[articleID]
	if !ok {
		return
	}
	kept := v.items[c][:0]
	for _, it := range v.items[c] {
		if it.ArticleID != articleID {
			kept = append(kept, it)
		}
	}
	v.items[c] = kept
	delete(v.coll, articleID)
	delete(v.hash, articleID)
	v.touchLocked(c)
}

// scaleAt is a collection's scale measured on version version.
type scaleAt struct {
	Scale
	ok      bool
	version uint64
}

// untrained lists the collections whose classifier is missing or older
// than their vectors, and unmeasured those whose scale is.
func (v *Vectors) untrained() []string { return v.stale(v.clsStale) }

func (v *Vectors) unmeasured() []string { return v.stale(v.scaleStale) }

func (v *Vectors) stale(is func(c string) bool) []string {
	v.mu.RLock()
	defer v.mu.RUnlock()
	var out []string
	for c := range v.version {
		if is(c) {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

func (v *Vectors) clsStale(c string) bool {
	x := v.cls[c]
	return x == nil || x.version != v.version[c]
}

func (v *Vectors) scaleStale(c string) bool {
	x, ok := v.scales[c]
	return !ok || x.version != v.version[c]
}

// measure computes collection c's scale on a snapshot of its items and
// installs it unless the collection changed since.
func (v *Vectors) measure(c string) {
	items, ver := v.snapshot(c)
	s, ok := measureScale(items)
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.version[c] == ver {
		v.scales[c] = scaleAt{s, ok, ver}
	}
}

// Scale returns collection c's scale as last measured (it may predate the
// latest change), and false when it has none.
func (v *Vectors) Scale(c string) (Scale, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	x := v.scales[c]
	return x.Scale, x.ok
}

// snapshot copies collection c's items and version, for work done without
// the lock.
func (v *Vectors) snapshot(c string) ([]VectorItem, uint64) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return append([]VectorItem(nil), v.items[c]...), v.version[c]
}

// install makes x, trained on version x.version of collection c, its
// classifier, unless the collection changed since.
func (v *Vectors) install(c string, x *classifier) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.version[c] != x.version {
		return false
	}
	v.cls[c] = x
	return true
}

// train fits collection c's classifier on items, a snapshot of its
// version ver, and installs it. Collections not worth one (see trainable)
// get an empty classifier, so they are not looked at again until they
// change. It returns the classifier installed, nil if none.
func (v *Vectors) train(ctx context.Context, c string, items []VectorItem, ver uint64) *classifier {
	x := &classifier{}
	if trainable(items) {
		if x = trainClassifier(ctx, items); x == nil {
			return nil // canceled
		}
		x.fp = fingerprint(items)
	}
	x.version = ver
	if !v.install(c, x) {
		return nil
	}
	return x
}

// saved returns the classifier saved in store for collection c trained
// on exactly the items of fingerprint fp, nil if none.
func saved(ctx context.Context, store ClassifierStore, c string, fp [4]uint64) (*classifier, error) {
	data, err := store.Classifier(ctx, c, fingerprintKey(fp))
	if errors.Is(err, kb.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	x, err := decodeClassifier(data, fp)
	if err != nil {
		return nil, fmt.Errorf("load classifier of %s: %w", c, err)
	}
	return x, nil
}

// load installs the classifiers saved in store that were trained on
// exactly the items each collection now has, and returns how many.
func (v *Vectors) load(ctx context.Context, store ClassifierStore) (int, error) {
	v.mu.RLock()
	colls := slices.Collect(maps.Keys(v.items))
	v.mu.RUnlock()
	sort.Strings(colls)
	n := 0
	for _, c := range colls {
		items, ver := v.snapshot(c)
		x, err := saved(ctx, store, c, fingerprint(items))
		if err != nil {
			return n, err
		}
		if x == nil {
			continue
		}
		x.version = ver
		if v.install(c, x) {
			n++
		}
	}
	return n, nil
}

// classify returns the probability of each article of collection c for q,
// or nil when c has no classifier. A classifier older than the vectors
// (retraining after a change takes a few seconds) is still used for the
// articles that remain; one added since gets no probability until then.
func (v *Vectors) classify(c string, q []float32) map[string]float64 {
	v.mu.RLock()
	x := v.cls[c]
	current := x != nil && x.version == v.version[c]
	v.mu.RUnlock()
	if x == nil || len(x.ids) == 0 {
		return nil
	}
	q = append([]float32(nil), q...)
	normalize(q)
	probs := x.classify(q)
	if current {
		return probs
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	for id := range probs {
		if v.coll[id] != c {
			delete(probs, id)
		}
	}
	return probs
}

// Search returns up to n articles of the collection by max cosine to q.
func (v *Vectors) Search(ctx context.Context, collection string, q []float32, n int) []Hit {
	scores := v.scores(ctx, collection, q)
	return topHits(scores, n, func(s vecScore) float64 { return s.max })
}

// vecScore is what the vectors say about one article: the best cosine of
// any of its items, and the mean of its best knnK.
type vecScore struct {
	max, knn float64
	chunkID  string
	// passage is the best cosine of the article's passages alone, and
	// passageID that passage: the part of the article that answers.
	passage   float64
	passageID string
	best      [knnK]float64
	n         int
}

// scores computes the vector scores for q of every article (exact), or,
// above IVFThreshold, of the articles with vectors in the clusters nearest q.
func (v *Vectors) scores(_ context.Context, collection string, q []float32) map[string]vecScore {
	q = append([]float32(nil), q...)
	normalize(q)
	v.mu.RLock()
	items := v.items[collection]
	// The inverted file indexes positions in items, so only the one built
	// on the current version will do; until the background indexer has
	// one, search is exact.
	if x := v.ivf[collection]; x != nil && v.large(collection) && !v.needsIndex(collection) {
		picked := make([]VectorItem, 0, len(items)/4)
		for _, i := range x.candidates(q) {
			picked = append(picked, items[i])
		}
		items = picked
	}
	m := map[string]vecScore{}
	for _, it := range items {
		m[it.ArticleID] = m[it.ArticleID].add(float64(dot(q, it.Vec)), it.ChunkID, it.Label)
	}
	v.mu.RUnlock()
	finishScores(m)
	return m
}

// add takes one item's cosine s into an article's score; chunkID is the
// item's passage, label whether it is the title or a similar question.
func (vs vecScore) add(s float64, chunkID string, label bool) vecScore {
	if vs.n == 0 || s > vs.max {
		vs.max, vs.chunkID = s, chunkID
	}
	if !label && (vs.passageID == "" || s > vs.passage) {
		vs.passage, vs.passageID = s, chunkID
	}
	// Keep the knnK best cosines, largest first; a new slot starts
	// empty (-Inf) so the first items always get in.
	if vs.n < knnK {
		vs.n++
		vs.best[vs.n-1] = math.Inf(-1)
	}
	for i := 0; i < vs.n; i++ {
		if s > vs.best[i] {
			copy(vs.best[i+1:vs.n], vs.best[i:vs.n-1])
			vs.best[i] = s
			break
		}
	}
	return vs
}

// finishScores computes each article's knn score from its best cosines.
func finishScores(m map[string]vecScore) {
	for id, vs := range m {
		var sum float64
		for _, s := range vs.best[:vs.n] {
			sum += s
		}
		vs.knn = sum / float64(vs.n)
		m[id] = vs
	}
}

// topHits returns the n best articles by score(s), ties by id.
func topHits(m map[string]vecScore, n int, score func(vecScore) float64) []Hit {
	hits := make([]Hit, 0, len(m))
	for id, s := range m {
		hits = append(hits, Hit{ArticleID: id, ChunkID: s.chunkID, Score: score(s)})
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].ArticleID < hits[j].ArticleID
	})
	if len(hits) > n {
		hits = hits[:n]
	}
	return hits
}

// dot is the dot product of two vectors of one model (0 when their sizes
// differ), by gonum's SIMD kernel (assembly on amd64, Go elsewhere): 3-5
// times the plain loop (BenchmarkDot).
func dot(a, b []float32) float32 {
	if len(a) != len(b) {
		return 0
	}
	return blas32.Dot(blas32.Vector{N: len(a), Data: a, Inc: 1}, blas32.Vector{N: len(b), Data: b, Inc: 1})
}

func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	n := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= n
	}
}

// large reports whether a collection is searched through its inverted file.
func (v *Vectors) large(collection string) bool {
	return v.IVFThreshold > 0 && len(v.items[collection]) > v.IVFThreshold
}

// needsIndex reports whether a large collection's inverted file is missing
// or older than its vectors. Callers hold v.mu.
func (v *Vectors) needsIndex(collection string) bool {
	return v.large(collection) && (v.ivf[collection] == nil || v.ivfVer[collection] != v.version[collection])
}

// Exact returns up to n articles of the collection by max cosine to q,
// scanning every vector whatever index is built: the baseline an
// approximate index is measured against.
func (v *Vectors) Exact(collection string, q []float32, n int) []Hit {
	q = append([]float32(nil), q...)
	normalize(q)
	m := map[string]vecScore{}
	v.mu.RLock()
	for _, it := range v.items[collection] {
		m[it.ArticleID] = m[it.ArticleID].add(float64(dot(q, it.Vec)), it.ChunkID, it.Label)
	}
	v.mu.RUnlock()
	finishScores(m)
	return topHits(m, n, func(s vecScore) float64 { return s.max })
}

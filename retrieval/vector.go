package retrieval

import (
	"context"
	"math"
	"sort"
	"sync"

	"github.com/batonhq/baton/kb"
)

// VectorItem is one embedded text of an article: its title, a similar
// question, or a passage.
type VectorItem struct {
	ArticleID string
	ChunkID   string // the passage to show when this item matches
	Vec       []float32
}

// Vectors is an exact in-process vector index: max cosine over each
// article's items. Vectors are normalised on insert so cosine is a dot product.
type Vectors struct {
	mu    sync.RWMutex
	items map[string][]VectorItem // by collection
	coll  map[string]string       // article -> collection
}

// NewVectors returns an empty index.
func NewVectors() *Vectors {
	return &Vectors{items: map[string][]VectorItem{}, coll: map[string]string{}}
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
	v.items[a.Collection] = append(v.items[a.Collection], items...)
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
}

// Search returns up to n articles of the collection by max cosine to q.
func (v *Vectors) Search(_ context.Context, collection string, q []float32, n int) []Hit {
	q = append([]float32(nil), q...)
	normalize(q)
	v.mu.RLock()
	best := map[string]Hit{}
	for _, it := range v.items[collection] {
		s := float64(dot(q, it.Vec))
		if h, ok := best[it.ArticleID]; !ok || s > h.Score {
			best[it.ArticleID] = Hit{ArticleID: it.ArticleID, ChunkID: it.ChunkID, Score: s}
		}
	}
	v.mu.RUnlock()
	hits := make([]Hit, 0, len(best))
	for _, h := range best {
		hits = append(hits, h)
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

func dot(a, b []float32) float32 {
	if len(a) != len(b) {
		return 0
	}
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
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

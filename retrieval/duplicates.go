package retrieval

import (
	"cmp"
	"slices"
)

// DefaultDuplicateThreshold is the average cosine similarity of two
// articles' question centroids at which DuplicateArticles groups them (see
// README, "Near-duplicate articles").
const DefaultDuplicateThreshold = 0.95

// DuplicateArticles groups a collection's articles that answer the same
// question: average-linkage clusters (Cluster) of each article's centroid,
// the normalised mean of its title and similar questions' vectors. Only
// groups of two or more are returned, largest first, each sorted by id;
// nil without vectors.
func (s *Searcher) DuplicateArticles(collection string, threshold float64) [][]string {
	if s.vectors == nil {
		return nil
	}
	ids, vecs := s.vectors.centroids(collection)
	if len(ids) < 2 {
		return nil
	}
	labels := Cluster(vecs, threshold)
	groups := map[int][]string{}
	for i, l := range labels {
		groups[l] = append(groups[l], ids[i])
	}
	var out [][]string
	for _, g := range groups {
		if len(g) > 1 {
			slices.Sort(g)
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b []string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return cmp.Compare(a[0], b[0])
	})
	return out
}

// centroids returns each article of collection c with the normalised mean
// of its title and similar-question vectors (its passages when it has
// nothing else), in article id order.
func (v *Vectors) centroids(c string) ([]string, [][]float32) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	sums := map[string][]float32{}
	passages := map[string][]float32{}
	for _, it := range v.items[c] {
		m := sums
		if it.ChunkID != "" {
			m = passages
		}
		acc, ok := m[it.ArticleID]
		if !ok {
			acc = make([]float32, len(it.Vec))
			m[it.ArticleID] = acc
		}
		axpy(1, it.Vec, acc)
	}
	for id, p := range passages {
		if _, ok := sums[id]; !ok {
			sums[id] = p
		}
	}
	ids := make([]string, 0, len(sums))
	for id := range sums {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	vecs := make([][]float32, len(ids))
	for i, id := range ids {
		normalize(sums[id])
		vecs[i] = sums[id]
	}
	return ids, vecs
}

package retrieval

import (
	"math"
	"math/rand/v2"
	"sort"
)

// DefaultIVFThreshold is the number of vectors in a collection above which
// search scans only the clusters nearest the question (an inverted file,
// IVF) instead of every vector: exact search costs about 1.2 ms per 1,000
// vectors here (README, BenchmarkVectorSearch), so at 20,000 it passes
// 20 ms a turn.
const DefaultIVFThreshold = 20000

// ivfProbe is how many clusters a search scans.
const ivfProbe = 12

// ivf partitions a collection's vectors by spherical k-means; a search
// scans the vectors of the ivfProbe clusters whose centroids are nearest.
type ivf struct {
	centroids [][]float32
	lists     [][]int // cluster -> indexes into the collection's items
}

// buildIVF clusters items (unit vectors) into about sqrt(n) clusters.
func buildIVF(items []VectorItem) *ivf {
	n := len(items)
	k := max(1, int(math.Sqrt(float64(n))))
	rng := rand.New(rand.NewPCG(1, uint64(n))) // deterministic: same data, same index
	cent := make([][]float32, k)
	for i := range cent {
		cent[i] = append([]float32(nil), items[rng.IntN(n)].Vec...)
	}
	assign := make([]int, n)
	for iter := 0; iter < 8; iter++ {
		for i, it := range items {
			assign[i] = nearest(cent, it.Vec)
		}
		sums := make([][]float32, k)
		for c := range sums {
			sums[c] = make([]float32, len(items[0].Vec))
		}
		for i, it := range items {
			s := sums[assign[i]]
			for d, x := range it.Vec {
				s[d] += x
			}
		}
		for c := range cent {
			var norm float64
			for _, x := range sums[c] {
				norm += float64(x) * float64(x)
			}
			if norm > 0 { // an empty cluster keeps its old centroid
				normalize(sums[c])
				cent[c] = sums[c]
			}
		}
	}
	x := &ivf{centroids: cent, lists: make([][]int, k)}
	for i, c := range assign {
		x.lists[c] = append(x.lists[c], i)
	}
	return x
}

func nearest(cent [][]float32, v []float32) int {
	best, bestS := 0, float32(math.Inf(-1))
	for c, ce := range cent {
		if s := dot(ce, v); s > bestS {
			best, bestS = c, s
		}
	}
	return best
}

// candidates returns the indexes of the vectors in the clusters nearest q.
func (x *ivf) candidates(q []float32) []int {
	order := make([]int, len(x.centroids))
	sims := make([]float32, len(x.centroids))
	for c := range order {
		order[c], sims[c] = c, dot(x.centroids[c], q)
	}
	sort.Slice(order, func(i, j int) bool { return sims[order[i]] > sims[order[j]] })
	var out []int
	for _, c := range order[:min(ivfProbe, len(order))] {
		out = append(out, x.lists[c]...)
	}
	return out
}

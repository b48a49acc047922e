package retrieval

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// DefaultClusterThreshold is the average cosine similarity at which Cluster
// joins two groups of bge-small-zh-v1.5 vectors. It was chosen with
// `baton eval --task clusters --sweep` on the banking77_faq (English) and
// zh_bq_faq (Chinese) dev sets, treating in-scope queries as misses and
// their gold article as the true group. The mean adjusted Rand index of
// the two is flat (.19 to .21) from .775 to .8125 and falls fast below
// .775, where large mixed groups form; one value for both languages, in
// the middle of that plateau, keeps off the edge and favours pure groups,
// which are what an editor can act on. Another model needs its own value.
const DefaultClusterThreshold = 0.8

// agglomerateMax is the most vectors Cluster agglomerates in one piece: the
// similarity matrix holds n(n-1)/2 float32, 32 MB at 4,000.
const agglomerateMax = 4000

// Cluster groups unit vectors by meaning and returns a cluster label per
// vector: 0..k-1, label 0 the largest cluster, ties broken by the earliest
// member. The result depends only on the vectors and their order.
//
// The method is average-linkage agglomerative clustering on cosine
// similarity (UPGMA): every vector starts alone and the two groups whose
// members are on average most similar merge, as long as that average is at
// least threshold. Unlike k-means it needs no number of groups, which an
// inbox of misses never knows; unlike single linkage it does not chain
// unrelated questions through intermediate ones; unlike complete linkage
// one outlying phrasing does not keep a question out of its group; and the
// threshold reads plainly: members of a group are on average at least that
// similar to each other. Threshold 1 or above keeps every vector alone
// (bar exact duplicates at 1), 0 or below merges nearly everything.
//
// It runs the nearest-neighbour chain algorithm over a similarity matrix
// updated by the Lance-Williams formula: O(n²·d) time for the matrix,
// O(n²) for the merges, n(n-1)/2 float32 of memory. Up to 4,000 vectors
// (32 MB, a couple of seconds) that is the whole story. Above that,
// Cluster agglomerates an evenly spaced sample of 4,000, then joins every
// other vector to the sampled group whose members it is on average most
// similar to, when that average reaches threshold (the test a merge
// passes); the vectors that join none are clustered the same way among
// themselves. Memory stays bounded and large groups, well represented in
// the sample, come out as they would; small ones may split, and time grows
// as n·k·d for k sampled groups.
//
// All vectors must have the same length; Cluster panics otherwise.
func Cluster(vecs [][]float32, threshold float64) []int {
	return cluster(vecs, threshold, agglomerateMax)
}

func cluster(vecs [][]float32, threshold float64, maxN int) []int {
	if len(vecs) == 0 {
		return []int{}
	}
	for i, v := range vecs {
		if len(v) != len(vecs[0]) {
			panic(fmt.Sprintf("retrieval.Cluster: vector %d has %d dimensions, vector 0 has %d", i, len(v), len(vecs[0])))
		}
	}
	return relabel(clusterRaw(vecs, threshold, maxN))
}

// clusterRaw returns arbitrary non-negative group ids, one per vector.
func clusterRaw(vecs [][]float32, threshold float64, maxN int) []int {
	n := len(vecs)
	if n <= maxN {
		return agglomerate(vecs, threshold)
	}
	sample := make([]int, maxN)
	inSample := make([]bool, n)
	sampled := make([][]float32, maxN)
	for i := range sample {
		sample[i] = i * n / maxN
		inSample[sample[i]] = true
		sampled[i] = vecs[sample[i]]
	}
	sampleLabels := relabel(agglomerate(sampled, threshold))
	k := slices.Max(sampleLabels) + 1
	sums, sizes := make([][]float64, k), make([]float64, k)
	for i, c := range sampleLabels {
		if sums[c] == nil {
			sums[c] = make([]float64, len(vecs[0]))
		}
		for j, x := range sampled[i] {
			sums[c][j] += float64(x)
		}
		sizes[c]++
	}
	labels := make([]int, n)
	for i, c := range sampleLabels {
		labels[sample[i]] = c
	}
	// Joining does not move the sampled groups, so each vector's choice is
	// independent of the others' and of the order they are tried in.
	var rest []int
	for i, v := range vecs {
		if inSample[i] {
			continue
		}
		best, bestSim := -1, math.Inf(-1)
		for c := range k {
			var s float64
			for j, x := range v {
				s += float64(x) * sums[c][j]
			}
			if s /= sizes[c]; s > bestSim {
				best, bestSim = c, s
			}
		}
		if bestSim >= threshold {
			labels[i] = best
		} else {
			rest = append(rest, i)
		}
	}
	if len(rest) > 0 {
		restVecs := make([][]float32, len(rest))
		for j, i := range rest {
			restVecs[j] = vecs[i]
		}
		for j, c := range clusterRaw(restVecs, threshold, maxN) {
			labels[rest[j]] = k + c
		}
	}
	return labels
}

// relabel numbers groups by size, largest first, ties by earliest member.
func relabel(raw []int) []int {
	type group struct{ id, size, first int }
	index := map[int]int{}
	var groups []group
	for i, id := range raw {
		g, ok := index[id]
		if !ok {
			g = len(groups)
			index[id] = g
			groups = append(groups, group{id: id, first: i})
		}
		groups[g].size++
	}
	slices.SortFunc(groups, func(a, b group) int {
		return cmp.Or(cmp.Compare(b.size, a.size), cmp.Compare(a.first, b.first))
	})
	label := make(map[int]int, len(groups))
	for l, g := range groups {
		label[g.id] = l
	}
	out := make([]int, len(raw))
	for i, id := range raw {
		out[i] = label[id]
	}
	return out
}

// agglomerate runs average-linkage clustering to the end with the
// nearest-neighbour chain and keeps the merges at or above threshold. It
// returns, per vector, the index of one member of its group.
//
// Average linkage is reducible (a merged group is never more similar to a
// third than the closer of its parts was), so the chain finds the same
// merges as repeatedly merging the globally most similar pair, and the
// merges at or above threshold are exactly those that greedy process makes
// before it stops at threshold.
func agglomerate(vecs [][]float32, threshold float64) []int {
	n := len(vecs)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	if n < 2 {
		return parent
	}
	sim := newSimMatrix(vecs)
	size := make([]float64, n)
	active := make([]bool, n)
	for i := range n {
		size[i], active[i] = 1, true
	}
	type merge struct {
		keep, drop int
		sim        float64
	}
	merges := make([]merge, 0, n-1)
	chain := make([]int, 0, n)
	first := 0 // lowest index that may still be active
	for len(merges) < n-1 {
		if len(chain) == 0 {
			for !active[first] {
				first++
			}
			chain = append(chain, first)
		}
		a := chain[len(chain)-1]
		// The previous link wins ties, which is what keeps the chain from
		// cycling; other ties go to the lowest index.
		best, bestSim := -1, math.Inf(-1)
		if len(chain) >= 2 {
			best = chain[len(chain)-2]
			bestSim = sim.at(a, best)
		}
		for x := range n {
			if !active[x] || x == a {
				continue
			}
			if s := sim.at(a, x); s > bestSim || best < 0 {
				best, bestSim = x, s
			}
		}
		if len(chain) < 2 || best != chain[len(chain)-2] {
			chain = append(chain, best)
			continue
		}
		chain = chain[:len(chain)-2]
		keep, drop := min(a, best), max(a, best)
		for x := range n {
			if active[x] && x != keep && x != drop {
				s := (size[keep]*sim.at(keep, x) + size[drop]*sim.at(drop, x)) / (size[keep] + size[drop])
				sim.set(keep, x, s)
			}
		}
		size[keep] += size[drop]
		active[drop] = false
		merges = append(merges, merge{keep, drop, bestSim})
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, m := range merges {
		if m.sim >= threshold {
			parent[find(m.drop)] = find(m.keep)
		}
	}
	for i := range parent {
		parent[i] = find(i)
	}
	return parent
}

// simMatrix is a symmetric similarity matrix without its diagonal, stored
// as the rows of its upper triangle.
type simMatrix struct {
	n int
	s []float32
}

func newSimMatrix(vecs [][]float32) simMatrix {
	n := len(vecs)
	m := simMatrix{n: n, s: make([]float32, n*(n-1)/2)}
	// Rows are independent, so workers take them in any order and the
	// matrix comes out the same.
	rows := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range rows {
				off := m.offset(i)
				for j := i + 1; j < n; j++ {
					s := dot(vecs[i], vecs[j])
					if s != s {
						s = -1 // NaN from a broken vector: never similar
					}
					m.s[off+j-i-1] = s
				}
			}
		})
	}
	for i := range n - 1 {
		rows <- i
	}
	close(rows)
	wg.Wait()
	return m
}

// offset is where row i of the upper triangle starts.
func (m simMatrix) offset(i int) int { return i * (2*m.n - i - 1) / 2 }

func (m simMatrix) at(i, j int) float64 {
	if i > j {
		i, j = j, i
	}
	return float64(m.s[m.offset(i)+j-i-1])
}

func (m simMatrix) set(i, j int, s float64) {
	if i > j {
		i, j = j, i
	}
	m.s[m.offset(i)+j-i-1] = float32(s)
}

// ClusterMembers returns each cluster's members, given the labels Cluster
// returned, most central first: ordered by their average similarity to the
// cluster's members (their dot product with the members' mean), ties by
// index. The first member is the cluster's medoid, and the first few are
// the examples an editor should see.
func ClusterMembers(vecs [][]float32, labels []int) [][]int {
	if len(labels) == 0 {
		return nil
	}
	k := slices.Max(labels) + 1
	members := make([][]int, k)
	sums := make([][]float64, k)
	for i, c := range labels {
		members[c] = append(members[c], i)
		if sums[c] == nil {
			sums[c] = make([]float64, len(vecs[i]))
		}
		for j, x := range vecs[i] {
			sums[c][j] += float64(x)
		}
	}
	for c, ms := range members {
		score := make(map[int]float64, len(ms))
		for _, i := range ms {
			var s float64
			for j, x := range vecs[i] {
				s += float64(x) * sums[c][j]
			}
			score[i] = s
		}
		slices.SortStableFunc(ms, func(a, b int) int { return cmp.Compare(score[b], score[a]) })
	}
	return members
}

package evaluate

import (
	"context"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/ingest"
	"github.com/batonhq/baton/retrieval"
)

// ClusterSweep is the range of thresholds `baton eval --task clusters
// --sweep` tries: below .5 the model calls nearly any two questions of one
// domain alike, above .95 only near-copies; the steps are finest where the
// dev sets' scores peak.
var ClusterSweep = []float64{0.5, 0.55, 0.6, 0.65, 0.675, 0.7, 0.725, 0.75, 0.7625, 0.775, 0.7875, 0.8, 0.8125, 0.825, 0.85, 0.875, 0.9, 0.95}

// ClusterQuery is an in-scope query of an evaluation set, treated as a
// miss.
type ClusterQuery struct {
	set, collection, lang string
	gold                  string // collection-qualified, so sets never share a group
	text                  string
	vec                   []float32
}

// ClusterScores are the figures of one clustering of the misses of one set
// (or all sets) in one language (or all).
type ClusterScores struct {
	Set        string  `json:"set"`
	Lang       string  `json:"lang"`
	Threshold  float64 `json:"threshold"`
	N          int     `json:"n"`
	GoldGroups int     `json:"gold_groups"`
	Clusters   int     `json:"clusters"`
	Multi      int     `json:"clusters_2plus"`
	// Purity is the share of misses in their cluster's majority article:
	// how often an editor's group is about one thing. InversePurity is the
	// share of misses in their article's largest cluster: how much of one
	// thing lands in one group.
	Purity        float64 `json:"purity"`
	InversePurity float64 `json:"inverse_purity"`
	ARI           float64 `json:"ari"`
}

// ReadClusterQueries reads the in-scope queries of the sets in dirs as
// misses; a query without a language gets the one detected in its text.
func ReadClusterQueries(dirs []string) ([]ClusterQuery, error) {
	var qs []ClusterQuery
	for _, dir := range dirs {
		rows, err := ReadQueries(filepath.Join(dir, "queries.jsonl"))
		if err != nil {
			return nil, fmt.Errorf("eval clusters: %w", err)
		}
		for _, r := range rows {
			if r.GoldID == nil {
				continue // out of scope: no article to group by
			}
			lang := r.Lang
			if lang == "" {
				lang = ingest.DetectLang(r.Query)
			}
			qs = append(qs, ClusterQuery{set: filepath.Base(dir), collection: r.Collection, lang: lang, gold: r.Collection + "\x00" + *r.GoldID, text: r.Query})
		}
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("eval clusters: no in-scope queries in %s", strings.Join(dirs, ", "))
	}
	return qs, nil
}

// ClusterRun is what Clusters measured, and how long it took.
type ClusterRun struct {
	Scores              []ClusterScores
	Embedded, Clustered time.Duration
}

// Clusters embeds the queries with emb and clusters them at each of
// thresholds as the misses inbox would, scoring the clusters against the
// queries' gold articles per set and language.
func Clusters(ctx context.Context, emb escalate.Embedder, qs []ClusterQuery, thresholds []float64) (ClusterRun, error) {
	var run ClusterRun
	start := time.Now()
	err := parallel(len(qs), func(i int) error {
		v, err := emb.Embed(ctx, []string{qs[i].text})
		if err != nil {
			return fmt.Errorf("query %q: %w", qs[i].text, err)
		}
		qs[i].vec = v[0]
		return nil
	})
	if err != nil {
		return run, fmt.Errorf("eval clusters: %w", err)
	}
	run.Embedded = time.Since(start)
	start = time.Now()
	for _, t := range thresholds {
		run.Scores = append(run.Scores, scoreClusters(qs, clusterMisses(qs, t), t)...)
	}
	run.Clustered = time.Since(start)
	return run, nil
}

// clusterMisses clusters the queries of each set and collection apart, as
// the inbox would, and returns one label per query, unique across groups.
func clusterMisses(qs []ClusterQuery, threshold float64) []int {
	byGroup := map[[2]string][]int{}
	var order [][2]string
	for i, q := range qs {
		k := [2]string{q.set, q.collection}
		if _, ok := byGroup[k]; !ok {
			order = append(order, k)
		}
		byGroup[k] = append(byGroup[k], i)
	}
	labels := make([]int, len(qs))
	next := 0
	for _, k := range order {
		idx := byGroup[k]
		vecs := make([][]float32, len(idx))
		for j, i := range idx {
			vecs[j] = qs[i].vec
		}
		count := 0
		for j, l := range retrieval.Cluster(vecs, threshold) {
			labels[idx[j]] = next + l
			count = max(count, l+1)
		}
		next += count
	}
	return labels
}

// scoreClusters scores labels per set and language: each set in each of
// its languages, each set as a whole when it has several, and each
// language over all sets when several sets have it.
func scoreClusters(qs []ClusterQuery, labels []int, threshold float64) []ClusterScores {
	type key struct{ set, lang string }
	members := map[key][]int{}
	langSets := map[string]map[string]bool{}
	setLangs := map[string]map[string]bool{}
	var sets []string
	for i, q := range qs {
		if setLangs[q.set] == nil {
			setLangs[q.set] = map[string]bool{}
			sets = append(sets, q.set)
		}
		if langSets[q.lang] == nil {
			langSets[q.lang] = map[string]bool{}
		}
		setLangs[q.set][q.lang], langSets[q.lang][q.set] = true, true
		members[key{q.set, q.lang}] = append(members[key{q.set, q.lang}], i)
		members[key{q.set, "all"}] = append(members[key{q.set, "all"}], i)
		members[key{"all", q.lang}] = append(members[key{"all", q.lang}], i)
	}
	var keys []key
	for _, set := range sets {
		for _, lang := range slices.Sorted(maps.Keys(setLangs[set])) {
			keys = append(keys, key{set, lang})
		}
		if len(setLangs[set]) > 1 {
			keys = append(keys, key{set, "all"})
		}
	}
	for _, lang := range slices.Sorted(maps.Keys(langSets)) {
		if len(langSets[lang]) > 1 {
			keys = append(keys, key{"all", lang})
		}
	}
	out := make([]ClusterScores, 0, len(keys))
	for _, k := range keys {
		idx := members[k]
		truth, pred := make([]int, len(idx)), make([]int, len(idx))
		golds := map[string]int{}
		for j, i := range idx {
			g, ok := golds[qs[i].gold]
			if !ok {
				g = len(golds)
				golds[qs[i].gold] = g
			}
			truth[j], pred[j] = g, labels[i]
		}
		sizes := map[int]int{}
		for _, p := range pred {
			sizes[p]++
		}
		multi := 0
		for _, n := range sizes {
			if n > 1 {
				multi++
			}
		}
		out = append(out, ClusterScores{
			Set: k.set, Lang: k.lang, Threshold: threshold, N: len(idx),
			GoldGroups: len(golds), Clusters: len(sizes), Multi: multi,
			Purity:        round3(purity(truth, pred)),
			InversePurity: round3(purity(pred, truth)),
			ARI:           round3(adjustedRand(truth, pred)),
		})
	}
	return out
}

// contingency counts the items of each (true group, cluster) pair.
func contingency(truth, pred []int) map[[2]int]int {
	if len(truth) != len(pred) {
		panic(fmt.Sprintf("contingency: %d true labels, %d predicted", len(truth), len(pred)))
	}
	n := map[[2]int]int{}
	for i := range truth {
		n[[2]int{truth[i], pred[i]}]++
	}
	return n
}

// purity is the share of items that belong to the majority true group of
// their cluster; 1 when there are no items. It rewards splitting (all
// singletons score 1), so read it with purity(pred, truth), the inverse
// purity, which rewards merging.
func purity(truth, pred []int) float64 {
	if len(truth) == 0 {
		return 1
	}
	best := map[int]int{}
	for tp, n := range contingency(truth, pred) {
		best[tp[1]] = max(best[tp[1]], n)
	}
	sum := 0
	for _, n := range best {
		sum += n
	}
	return float64(sum) / float64(len(truth))
}

// adjustedRand is the adjusted Rand index of Hubert and Arabie (1985): the
// share of item pairs the two partitions agree on (together in both, or
// apart in both), rescaled so that chance agreement scores 0 and identical
// partitions 1; it can go below 0. With n_ij items in true group i and
// cluster j, a_i and b_j the group and cluster sizes:
//
//	ARI = (Σ C(n_ij,2) - E) / ((Σ C(a_i,2) + Σ C(b_j,2))/2 - E),
//	E   = Σ C(a_i,2) · Σ C(b_j,2) / C(n,2)
//
// The denominator is 0 only when both partitions are all singletons or
// both one group, that is identical: 1.
func adjustedRand(truth, pred []int) float64 {
	pairs := func(n int) float64 { return float64(n) * float64(n-1) / 2 }
	var index, sumA, sumB float64
	a, b := map[int]int{}, map[int]int{}
	for tp, n := range contingency(truth, pred) {
		index += pairs(n)
		a[tp[0]] += n
		b[tp[1]] += n
	}
	for _, n := range a {
		sumA += pairs(n)
	}
	for _, n := range b {
		sumB += pairs(n)
	}
	expected := sumA * sumB / pairs(len(truth))
	maxIndex := (sumA + sumB) / 2
	if maxIndex == expected || math.IsNaN(expected) {
		return 1
	}
	return (index - expected) / (maxIndex - expected)
}

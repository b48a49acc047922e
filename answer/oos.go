package answer

import (
	"math"
	"sort"

	"github.com/batonhq/baton/retrieval"
)

// OOSNames names the candidate out-of-scope features OOSFeatures returns,
// in order. They look beyond the top candidate: how the best score stands
// out from the rest of the collection's nearest articles (its top oosK in
// each ranking), and how the fused top article fares in the vector
// rankings. The vector ones are 0 without vectors. Features carries
// kw_peak, kq_peak and knn_top; the others were measured with
// `baton calibrate --loso --loso-extra NAME` and did not help.
var OOSNames = []string{"vec_peak", "knn_top", "knn_peak", "top_vec_gap", "top_knn", "vec_spread", "kw_peak", "kq_peak", "vec_z", "cls_top", "top_cls"}

// Positions in OOSNames of the features the confidence model uses.
const (
	oosKnnTop = 1
	oosKwPeak = 6
	oosKqPeak = 7
)

// oosK is how many nearest articles the peak features compare against.
const oosK = 10

// OOSFeatures computes the features named by OOSNames from the fused hits
// (every candidate any ranking put in its top n, best first).
func OOSFeatures(hits []retrieval.Fused) []float64 {
	f := make([]float64, len(OOSNames))
	if len(hits) == 0 {
		return f
	}
	// keyword peak: top keyword score over the mean of the keyword top-k.
	if kws := ranked(hits, retrieval.RankKeyword); len(kws) > 0 && kws[0] > 0 {
		f[6] = 1 - mean(kws[1:])/kws[0]
	}
	if kqs := ranked(hits, retrieval.RankQuestions); len(kqs) > 0 && kqs[0] > 0 {
		f[7] = 1 - mean(kqs[1:])/kqs[0]
	}
	// The classifier's best probability (how sure it is of any article:
	// low for a question unlike all of them) and the fused top article's.
	if len(hits[0].Ranks) > retrieval.RankClassify {
		for _, h := range hits {
			f[9] = math.Max(f[9], h.Scores[retrieval.RankClassify])
		}
		f[10] = hits[0].Scores[retrieval.RankClassify]
	}
	if len(hits[0].Ranks) <= retrieval.RankVectorKNN {
		return f
	}
	vs := ranked(hits, retrieval.RankVector)
	ks := ranked(hits, retrieval.RankVectorKNN)
	if len(vs) == 0 || vs[0] == 0 {
		return f
	}
	f[0] = vs[0] - mean(vs[1:])
	// Every candidate carries its exact knn cosine, ranked or not (in
	// vector-only search there is no knn ranking): take the best.
	for _, h := range hits {
		f[1] = math.Max(f[1], h.Scores[retrieval.RankVectorKNN])
	}
	if len(ks) > 0 {
		f[2] = ks[0] - mean(ks[1:])
	}
	f[3] = vs[0] - hits[0].Scores[retrieval.RankVector]
	f[4] = hits[0].Scores[retrieval.RankVectorKNN]
	f[5] = stddev(vs)
	if sd := stddev(vs[1:]); sd > 0 {
		f[8] = (vs[0] - mean(vs[1:])) / sd
	}
	return f
}

// ranked returns the scores of ranking r's top oosK articles, best first.
func ranked(hits []retrieval.Fused, r int) []float64 {
	var s []float64
	type rs struct {
		rank  int
		score float64
	}
	var all []rs
	for _, h := range hits {
		if len(h.Ranks) > r && h.Ranks[r] > 0 && h.Ranks[r] <= oosK {
			all = append(all, rs{h.Ranks[r], h.Scores[r]})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].rank < all[j].rank })
	for _, a := range all {
		s = append(s, a.score)
	}
	return s
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func stddev(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m := mean(xs)
	var s float64
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)))
}

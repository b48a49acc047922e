package answer

import (
	"math"
	"sort"
)

// AUROC is the probability that a randomly chosen positive scores above a
// randomly chosen negative (ties count half). It is 0.5 when one class is empty.
func AUROC(scores []float64, positive []bool) float64 {
	type pair struct {
		s float64
		p bool
	}
	ps := make([]pair, len(scores))
	var npos, nneg float64
	for i, s := range scores {
		ps[i] = pair{s, positive[i]}
		if positive[i] {
			npos++
		} else {
			nneg++
		}
	}
	if npos == 0 || nneg == 0 {
		return 0.5
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].s < ps[j].s })
	// Rank-sum (Mann-Whitney U) with average ranks for ties.
	var rankSum float64
	for i := 0; i < len(ps); {
		j := i
		for j < len(ps) && ps[j].s == ps[i].s {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks are 1-based: (i+1 + j) / 2
		for k := i; k < j; k++ {
			if ps[k].p {
				rankSum += avg
			}
		}
		i = j
	}
	return (rankSum - npos*(npos+1)/2) / (npos * nneg)
}

// ECE is the expected calibration error over bins equal-width bins of
// confidence: the bin-size-weighted mean of |accuracy - mean confidence|.
func ECE(conf []float64, correct []bool, bins int) float64 {
	if len(conf) == 0 {
		return 0
	}
	n := make([]float64, bins)
	sumConf := make([]float64, bins)
	sumAcc := make([]float64, bins)
	for i, c := range conf {
		b := int(c * float64(bins))
		b = max(0, min(b, bins-1))
		n[b]++
		sumConf[b] += c
		if correct[i] {
			sumAcc[b]++
		}
	}
	var e float64
	for b := range n {
		if n[b] > 0 {
			e += math.Abs(sumAcc[b]-sumConf[b]) / float64(len(conf))
		}
	}
	return e
}

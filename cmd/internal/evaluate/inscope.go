package evaluate

import (
	"fmt"
	"math"
	"sort"

	"github.com/batonhq/baton/answer"
)

// LabelledSet is one evaluation set's turns for fitting the in-scope
// estimate: each turn's InScopeVector, whether it is in scope, and whether
// a trigger other than low confidence handed it off anyway (a threshold
// cannot undo that).
type LabelledSet struct {
	Name  string
	X     [][]float64
	In    []bool
	Other []bool
}

// InScopeFold is one set's figures under a model fitted without it.
type InScopeFold struct {
	Set string `json:"set"`
	// RecallAtFH10 is the best hand-off recall at most 10% of in-scope
	// questions handed off, other triggers on; Threshold is where.
	RecallAtFH10 float64 `json:"handoff_recall_at_false_0.10"`
	Threshold    float64 `json:"threshold"`
	AUROC        float64 `json:"auroc"`
	ECE          float64 `json:"ece"`
}

// InScopeLOSO fits the in-scope model on all sets but one and scores the
// one left out, for each set in turn, and then fits on every set; pooled
// is the ECE of all the left-out scores together.
func InScopeLOSO(sets []LabelledSet, l2 float64) (folds []InScopeFold, pooled float64, all *answer.InScopeModel, err error) {
	var ps []float64
	var ys []bool
	for k, test := range sets {
		m, err := fitSets(sets, k, l2)
		if err != nil {
			return nil, 0, nil, err
		}
		sc := make([]float64, len(test.X))
		for i, x := range test.X {
			sc[i] = m.Prob(x)
		}
		rec, t := RecallAtFalse(sc, test.In, test.Other, 0.10)
		folds = append(folds, InScopeFold{Set: test.Name, RecallAtFH10: round3(rec), Threshold: round3(t),
			AUROC: round3(answer.AUROC(sc, test.In)), ECE: round3(answer.ECE(sc, test.In, 10))})
		ps = append(ps, sc...)
		ys = append(ys, test.In...)
	}
	if all, err = fitSets(sets, -1, l2); err != nil {
		return nil, 0, nil, err
	}
	return folds, round3(answer.ECE(ps, ys, 10)), all, nil
}

// fitSets fits on every set but skip (-1: none).
func fitSets(sets []LabelledSet, skip int, l2 float64) (*answer.InScopeModel, error) {
	var xs [][]float64
	var ys []bool
	var names []string
	for j, s := range sets {
		if j == skip {
			continue
		}
		xs = append(xs, s.X...)
		ys = append(ys, s.In...)
		for range s.X {
			names = append(names, s.Name)
		}
	}
	if len(xs) == 0 {
		return nil, fmt.Errorf("fit in-scope: no rows")
	}
	return answer.FitInScope(xs, ys, names, l2)
}

// RecallAtFalse returns the best share of out-of-scope turns handed off
// by a threshold on score (hand off below it), turns in other always
// handed off, with at most maxFalse of in-scope turns handed off; and the
// threshold.
func RecallAtFalse(score []float64, in, other []bool, maxFalse float64) (recall, threshold float64) {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return score[idx[a]] < score[idx[b]] })
	var nIn, nOut, hIn, hOut int
	for i := range in {
		if in[i] {
			nIn++
		} else {
			nOut++
		}
		if other[i] {
			if in[i] {
				hIn++
			} else {
				hOut++
			}
		}
	}
	if nIn == 0 || nOut == 0 || float64(hIn) > maxFalse*float64(nIn) {
		return 0, 0
	}
	best, bestT := float64(hOut)/float64(nOut), 0.0
	for j, i := range idx {
		if !other[i] {
			if in[i] {
				hIn++
			} else {
				hOut++
			}
		}
		if j+1 < len(idx) && score[idx[j+1]] == score[i] {
			continue // a threshold cannot split equal scores
		}
		if float64(hIn) > maxFalse*float64(nIn) {
			break
		}
		// Handing off below the next score takes everything up to here.
		next := math.Inf(1)
		if j+1 < len(idx) {
			next = score[idx[j+1]]
		}
		best, bestT = float64(hOut)/float64(nOut), next
	}
	return best, bestT
}

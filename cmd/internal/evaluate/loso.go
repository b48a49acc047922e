package evaluate

import (
	"fmt"
	"math"
	"slices"

	"github.com/batonhq/baton/answer"
)

// RowSet is one evaluation set's hybrid rows.
type RowSet struct {
	Name string
	Rows []Row
}

// OOSFeatureIndexes returns the places in answer.OOSNames of the named
// out-of-scope features.
func OOSFeatureIndexes(names []string) ([]int, error) {
	var idx []int
	for _, name := range names {
		i := slices.Index(answer.OOSNames, name)
		if i < 0 {
			return nil, fmt.Errorf("unknown feature %q (have %v)", name, answer.OOSNames)
		}
		idx = append(idx, i)
	}
	return idx, nil
}

// LOSOFold is one held-out set's figures under the confidence model fitted
// on the other sets, with the baseline features and with the extras.
type LOSOFold struct {
	Set             string
	Baseline, Extra LOSOScore
}

// LOSOScore is how a confidence model scores held-out rows: AUROC and ECE
// of "the cited article is right", and the best hand-off recall on
// out-of-scope rows over hand-off thresholds that hand off at most 10% of
// in-scope rows, other triggers' hand-offs kept as they were (as `baton
// eval --sweep` counts them).
type LOSOScore struct{ AUROC, ECE, Recall float64 }

// LeaveOneSetOut fits the confidence model on all sets but one and scores
// the one left out, for each set in turn: the features the model had
// before the out-of-scope ones (baseline; with current, the current
// model's features) and the baseline plus the out-of-scope features at
// extra (see OOSFeatureIndexes), side by side on the same rows. A set the
// model never saw is what a new customer's knowledge base looks like.
func LeaveOneSetOut(sets []RowSet, l2 float64, extra []int, current bool) ([]LOSOFold, error) {
	// Extras are recomputed from each row's hits, so rows cached by an
	// older build compare the same.
	n := answer.LegacyFeatures
	if current {
		n = len(answer.Names)
	}
	base := func(r Row) []float64 { return r.Features.Vector()[:n] }
	withExtra := func(r Row) []float64 {
		x := base(r)
		o := answer.OOSFeatures(r.Fused())
		for _, i := range extra {
			x = append(x, o[i])
		}
		return x
	}
	var folds []LOSOFold
	for held := range sets {
		var res [2]LOSOScore
		for v, feat := range []func(Row) []float64{base, withExtra} {
			var xs [][]float64
			var ys []bool
			var ws []float64
			for i, s := range sets {
				if i == held {
					continue
				}
				for _, r := range s.Rows {
					xs = append(xs, feat(r))
					ys = append(ys, r.Correct)
					ws = append(ws, 1000/float64(len(s.Rows)))
				}
			}
			m, err := answer.Fit(xs, ys, ws, l2)
			if err != nil {
				return nil, err
			}
			res[v] = scoreHeldOut(m, sets[held].Rows, feat)
		}
		folds = append(folds, LOSOFold{Set: sets[held].Name, Baseline: res[0], Extra: res[1]})
	}
	return folds, nil
}

// scoreHeldOut scores rows with m over the features feat gives.
func scoreHeldOut(m *answer.Model, rows []Row, feat func(Row) []float64) LOSOScore {
	conf := make([]float64, len(rows))
	ys := make([]bool, len(rows))
	for i, r := range rows {
		x := feat(r)
		z := m.Bias
		for j, w := range m.Weights {
			z += w * x[j]
		}
		conf[i] = 1 / (1 + math.Exp(-z))
		ys[i] = r.Correct
	}
	rec, _ := recallAtFalse(rows, conf, otherTriggers(rows), 0.10)
	return LOSOScore{answer.AUROC(conf, ys), answer.ECE(conf, ys, 10), rec}
}

// InScopeSet is a set's rows as the in-scope fit takes them.
func InScopeSet(s RowSet) LabelledSet {
	ls := LabelledSet{Name: s.Name}
	for _, r := range s.Rows {
		x := r.InScopeFeatures
		if len(x) != len(answer.InScopeNames) {
			x = answer.InScopeVector(r.Features, answer.OOSFeatures(r.Fused()), r.Confidence)
		}
		ls.X = append(ls.X, x)
		ls.In = append(ls.In, r.Gold != "")
		ls.Other = append(ls.Other, r.OtherTrigger())
	}
	return ls
}

package evaluate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/retrieval"
)

// FitConfidence fits the confidence model on the rows of several sets,
// pooled so one model serves every kind of knowledge base: sets[i] holds
// set i's hybrid rows then its keyword-only rows, which get a model each
// (answer.Model.Keyword). Each set weighs the same in total, whatever its
// size.
func FitConfidence(names []string, sets [][][]Row, l2 float64) (*answer.Model, error) {
	xs, ys, ws := make([][][]float64, 2), make([][]bool, 2), make([][]float64, 2)
	var offsets []float64
	for _, set := range sets {
		for m, mrows := range set[:2] {
			for _, r := range mrows {
				xs[m] = append(xs[m], r.Features.Vector())
				ys[m] = append(ys[m], r.Correct)
				ws[m] = append(ws[m], 1000/float64(len(mrows)))
				if m == 0 {
					offsets = append(offsets, answer.PriorShift(answer.DefaultPriorRef, r.Features.Scale))
				}
			}
		}
	}
	// The hybrid model learns what the features say beyond each
	// collection's prior (answer.Model.PriorRef).
	m, err := answer.FitOffset(xs[0], ys[0], ws[0], offsets, l2)
	if err != nil {
		return nil, err
	}
	m.PriorRef = answer.DefaultPriorRef
	if m.Keyword, err = answer.Fit(xs[1], ys[1], ws[1], l2); err != nil {
		return nil, err
	}
	m.FittedOn = fmt.Sprintf("baton calibrate on %s (%d rows)", strings.Join(names, ", "), len(xs[0]))
	return m, nil
}

// Refitted is how the built-in confidence and a refitted one score the
// labelled questions they were refitted on.
type Refitted struct {
	N, Right                 int // questions, and those answered right
	BuiltinAUROC, BuiltinECE float64
	AUROC, ECE               float64 // in-sample
}

// Refit refits the confidence model on an organisation's labelled
// questions, each composed by c against its knowledge base (searched, not
// stored as a conversation). The refit replaces the model of the mode the
// questions were searched in (keyword-only when keyword); the other keeps
// the built-in coefficients. The figures are in-sample: label more than
// you fit on, and check on the rest.
func Refit(ctx context.Context, c *answer.Composer, keyword bool, qs []Query, l2 float64) (*answer.Model, Refitted, error) {
	base := c.Model
	var xs [][]float64
	var ys []bool
	var before []float64
	for _, q := range qs {
		res, err := c.Compose(ctx, q.Collection, q.Query)
		if err != nil {
			return nil, Refitted{}, fmt.Errorf("calibrate %q: %w", q.Query, err)
		}
		xs = append(xs, res.Features.Vector())
		ys = append(ys, AnsweredRight(q, res))
		before = append(before, res.ModelConfidence)
	}
	m, err := answer.Fit(xs, ys, nil, l2)
	if err != nil {
		return nil, Refitted{}, err
	}
	if keyword {
		kw := *m
		m = &answer.Model{Weights: base.Weights, Bias: base.Bias, Keyword: &kw}
	} else {
		m.Keyword = base.Keyword
	}
	after := make([]float64, len(xs))
	for i := range qs {
		after[i] = m.Prob(answer.FeaturesFromVector(xs[i]))
	}
	return m, Refitted{N: len(qs), Right: count(ys),
		BuiltinAUROC: answer.AUROC(before, ys), BuiltinECE: answer.ECE(before, ys, 10),
		AUROC: answer.AUROC(after, ys), ECE: answer.ECE(after, ys, 10)}, nil
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// RecalDrawN labelled questions, drawn RecalDraws times, measure what a
// collection's recalibration (answer.Recalibration) buys.
const (
	RecalDrawN = 100
	RecalDraws = 20
)

const recalSeed = 20261125

// recalibratedECE simulates a collection's recalibration as the server
// fits it: RecalDrawN rows drawn at random stand for the labelled
// questions (those the search found something for), the rest are scored;
// it returns the median ECE over RecalDraws draws of the built-in
// confidence on the scored rows and of the recalibrated one.
func recalibratedECE(rows []Row) (builtin, recal float64, err error) {
	rng := rand.New(rand.NewPCG(recalSeed, 0))
	var before, after []float64
	for range RecalDraws {
		idx := rng.Perm(len(rows))
		n := min(RecalDrawN, len(rows)/2)
		labelled, scored := idx[:n], idx[n:]
		var conf []float64
		var right []bool
		for _, i := range labelled {
			if len(rows[i].Top) > 0 {
				conf = append(conf, rows[i].Confidence)
				right = append(right, rows[i].Correct)
			}
		}
		r, err := answer.FitRecalibration(conf, right)
		if err != nil {
			return 0, 0, err
		}
		var ps, qs []float64
		var ys []bool
		for _, i := range scored {
			p := rows[i].Confidence
			q := p
			if len(rows[i].Top) > 0 {
				q = r.Apply(p)
			}
			ps, qs, ys = append(ps, p), append(qs, q), append(ys, rows[i].Correct)
		}
		before = append(before, answer.ECE(ps, ys, 10))
		after = append(after, answer.ECE(qs, ys, 10))
	}
	slices.Sort(before)
	slices.Sort(after)
	return before[len(before)/2], after[len(after)/2], nil
}

// CVFolds is the number of folds of CrossValidate.
const CVFolds = 5

// CrossValidated compares, on one set, the built-in confidence with one
// refitted on the set itself, each query scored by a model that never saw
// it, and with the built-in one recalibrated on part of the set.
type CrossValidated struct {
	BuiltinAUROC, BuiltinECE, BuiltinRecall float64
	AUROC, ECE, Recall                      float64 // refitted, out of fold
	// RecalBefore and RecalAfter are the median ECE of the built-in
	// confidence and of the recalibrated one on the rows a draw of
	// RecalDrawN labels leaves out (see recalibratedECE).
	RecalBefore, RecalAfter float64
}

// CrossValidate shows what an organisation gets by refitting confidence on
// its own labelled questions: a model fitted on four fifths of the rows is
// scored on the remaining fifth, fold by fold. Recall is the best hand-off
// recall at most 10% of in-scope rows handed off.
func CrossValidate(rows []Row, l2 float64) (CrossValidated, error) {
	ys := make([]bool, len(rows))
	other := otherTriggers(rows)
	builtin := make([]float64, len(rows))
	for i, r := range rows {
		ys[i], builtin[i] = r.Correct, r.Confidence
	}
	oof := make([]float64, len(rows))
	for f := 0; f < CVFolds; f++ {
		var xs [][]float64
		var fy []bool
		for i, r := range rows {
			if i%CVFolds != f {
				xs = append(xs, r.Features.Vector())
				fy = append(fy, r.Correct)
			}
		}
		m, err := answer.Fit(xs, fy, nil, l2)
		if err != nil {
			return CrossValidated{}, err
		}
		for i, r := range rows {
			if i%CVFolds == f {
				oof[i] = m.Prob(r.Features)
			}
		}
	}
	var cv CrossValidated
	cv.BuiltinRecall, _ = recallAtFalse(rows, builtin, other, 0.10)
	cv.Recall, _ = recallAtFalse(rows, oof, other, 0.10)
	var err error
	if cv.RecalBefore, cv.RecalAfter, err = recalibratedECE(rows); err != nil {
		return CrossValidated{}, err
	}
	cv.BuiltinAUROC, cv.BuiltinECE = answer.AUROC(builtin, ys), answer.ECE(builtin, ys, 10)
	cv.AUROC, cv.ECE = answer.AUROC(oof, ys), answer.ECE(oof, ys, 10)
	return cv, nil
}

// FusionSet is one evaluation set's rows for fitting the fusion, searched
// keyword-only and hybrid.
type FusionSet struct {
	Name            string
	Keyword, Hybrid []Row
}

// FusionHeldOut is one set's hybrid top-1 under the fusion fitted on the
// other sets, on all of them, and without the classifier.
type FusionHeldOut struct {
	Set                        string
	HeldOut, All, NoClassifier float64
}

// FitFusion fits the linear fusion of the rankings: for every in-scope
// query of every set, each candidate article is a row labelled by whether
// it is the gold one. Keyword-only and hybrid get their own weights. With
// several sets it also returns, for the hybrid weights, each set's top-1
// when fitted on the other sets only, to show the fit carries over.
func FitFusion(sets []FusionSet, l2 float64) (*retrieval.FusionModel, []FusionHeldOut, error) {
	in := make([][2][]Row, len(sets)) // set -> keyword, hybrid in-scope rows
	var names []string
	for i, s := range sets {
		for m, rows := range [][]Row{s.Keyword, s.Hybrid} {
			for _, r := range rows {
				if r.Gold != "" {
					in[i][m] = append(in[i][m], r)
				}
			}
		}
		names = append(names, s.Name)
	}
	fit := func(mode int, skip int, keep func(Hit) (Hit, bool)) (retrieval.Linear, error) {
		var xs [][]float64
		var ys []bool
		var ws []float64
		for i, set := range in {
			if i == skip {
				continue
			}
			for _, r := range set[mode] {
				for _, h := range keptHits(r.Hits, keep) {
					xs = append(xs, h.Features)
					ys = append(ys, h.ID == r.Gold)
					// Each set weighs the same in total, whatever its size.
					ws = append(ws, 1000/float64(len(set[mode])))
				}
			}
		}
		lr, err := answer.Fit(xs, ys, ws, l2)
		if err != nil {
			return retrieval.Linear{}, err
		}
		return retrieval.Linear{Weights: lr.Weights, Bias: lr.Bias}, nil
	}
	var fm retrieval.FusionModel
	var err error
	if fm.Keyword, err = fit(0, -1, nil); err != nil {
		return nil, nil, err
	}
	if fm.Hybrid, err = fit(1, -1, withoutClassifier); err != nil {
		return nil, nil, err
	}
	if fm.Classified, err = fit(1, -1, nil); err != nil {
		return nil, nil, err
	}
	var held []FusionHeldOut
	if len(in) > 1 {
		for i := range in {
			lin, err := fit(1, i, nil)
			if err != nil {
				return nil, nil, err
			}
			held = append(held, FusionHeldOut{Set: names[i], HeldOut: fusionTop1(lin, in[i][1], nil),
				All: fusionTop1(fm.Classified, in[i][1], nil), NoClassifier: fusionTop1(fm.Hybrid, in[i][1], withoutClassifier)})
		}
	}
	fm.FittedOn = fmt.Sprintf("baton calibrate --task fusion on %s", strings.Join(names, ", "))
	return &fm, held, nil
}

// withoutClassifier is a hit as the hybrid weights see it: they serve a
// collection whose classifier is not trained yet, so they see the same
// rows without the classifier's features or the candidates only it found.
func withoutClassifier(h Hit) (Hit, bool) {
	if slices.Equal(h.Ranks[:retrieval.RankClassify], make([]int, retrieval.RankClassify)) {
		return h, false
	}
	f := slices.Clone(h.Features)
	for _, name := range []string{"cls", "cls_log", "cls_rr"} {
		f[slices.Index(retrieval.FeatureNames, name)] = 0
	}
	h.Features = f
	return h, true
}

// keptHits returns the hits keep keeps, as it returns them; all of them
// when keep is nil.
func keptHits(hs []Hit, keep func(Hit) (Hit, bool)) []Hit {
	if keep == nil {
		return hs
	}
	out := make([]Hit, 0, len(hs))
	for _, h := range hs {
		if h, ok := keep(h); ok {
			out = append(out, h)
		}
	}
	return out
}

// fusionTop1 re-ranks each query's candidates with lin and counts the gold
// article first.
func fusionTop1(lin retrieval.Linear, rows []Row, keep func(Hit) (Hit, bool)) float64 {
	ok := 0
	for _, r := range rows {
		best, bestScore := "", math.Inf(-1)
		for _, h := range keptHits(r.Hits, keep) {
			z := lin.Bias
			for j, x := range h.Features {
				z += lin.Weights[j] * x
			}
			if z > bestScore {
				best, bestScore = h.ID, z
			}
		}
		if best == r.Gold {
			ok++
		}
	}
	return ratio(ok, len(rows))
}

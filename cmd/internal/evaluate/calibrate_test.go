package evaluate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/retrieval"
)

// separableRows draws n rows, every other one right. Searched with
// vectors (keyword false), the cosine VecTop tells right from wrong and
// LogTop is noise; searched keyword-only (VecTop 0), LogTop tells them.
func separableRows(rng *rand.Rand, n int, keyword bool) []Row {
	rows := make([]Row, n)
	for i := range rows {
		right := i%2 == 0
		r := Row{Gold: "g", Top: []string{"g"}, Correct: right}
		if keyword {
			r.Features.LogTop = 1 + 0.2*rng.NormFloat64()
			if right {
				r.Features.LogTop += 1
			}
		} else {
			r.Features.LogTop = 3 * rng.Float64()
			r.Features.VecTop = 0.55 + 0.04*rng.NormFloat64()
			if right {
				r.Features.VecTop += 0.25
			}
		}
		rows[i] = r
	}
	return rows
}

// sides returns the AUROC of m on rows and the share of rows on the
// right side of 0.5.
func sides(m *answer.Model, rows []Row) (auroc, onSide float64) {
	ps := make([]float64, len(rows))
	ys := make([]bool, len(rows))
	ok := 0
	for i, r := range rows {
		ps[i], ys[i] = m.Prob(r.Features), r.Correct
		if (ps[i] >= 0.5) == r.Correct {
			ok++
		}
	}
	return answer.AUROC(ps, ys), float64(ok) / float64(len(rows))
}

// TestFitConfidenceSeparates: fitted on two sets, the model ranks fresh
// rows by the feature that tells right from wrong, in each search mode.
func TestFitConfidenceSeparates(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	sets := [][][]Row{
		{separableRows(rng, 200, false), separableRows(rng, 200, true)},
		{separableRows(rng, 80, false), separableRows(rng, 80, true)},
	}
	m, err := FitConfidence([]string{"a", "b"}, sets, 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Keyword == nil || m.PriorRef != answer.DefaultPriorRef {
		t.Fatalf("model %+v, want a keyword model and the default prior reference", m)
	}
	for _, mode := range []struct {
		name    string
		keyword bool
	}{{"hybrid", false}, {"keyword", true}} {
		held := separableRows(rng, 200, mode.keyword)
		if auroc, side := sides(m, held); auroc < 0.99 || side < 0.95 {
			t.Errorf("%s held-out rows: AUROC %.3f, %.2f on the right side of 0.5; want about 1 and all", mode.name, auroc, side)
		}
	}
}

// sameRows returns n rows with the same features, right of them the
// first right, in a collection measured at scale.
func sameRows(n, right int, scale retrieval.Scale) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{Gold: "g", Correct: i < right, Features: answer.Features{VecTop: 0.7, Coverage: 0.5, Scale: scale}}
	}
	return rows
}

func TestFitConfidenceWeighsSetsAndPriors(t *testing.T) {
	kw := sameRows(10, 5, retrieval.Scale{})
	for i := range kw {
		kw[i].Features.VecTop = 0
	}
	ref := retrieval.Scale{SelfTop1: answer.DefaultPriorRef, SelfN: 256}
	twins := retrieval.Scale{SelfTop1: 0.5, SelfN: 256}
	tests := []struct {
		name string
		sets [][][]Row
		// want is the confidence of each set's rows.
		want []float64
	}{
		// 90% right in a large set, 10% in a small one: each set weighs
		// the same, so the pooled answer is 50%, not 82%.
		{"sets weigh the same", [][][]Row{{sameRows(90, 81, retrieval.Scale{}), kw}, {sameRows(10, 1, retrieval.Scale{}), kw}}, []float64{0.5, 0.5}},
		// The same features in a collection of near-twins, as right as
		// its prior says (odds 0.8 scaled by those of 0.5 over 0.85):
		// the fit leaves the prior to tell them apart.
		{"priors", [][][]Row{{sameRows(100, 80, ref), kw}, {sameRows(100, 41, twins), kw}}, []float64{0.8, 0.414}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := FitConfidence([]string{"a", "b"}, tc.sets, 1)
			if err != nil {
				t.Fatal(err)
			}
			for i, set := range tc.sets {
				if got := m.Prob(set[0][0].Features); math.Abs(got-tc.want[i]) > 0.01 {
					t.Errorf("set %d: confidence %.3f, want %.3f", i, got, tc.want[i])
				}
			}
		})
	}
}

func TestFitConfidenceNoKeywordRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2))
	if _, err := FitConfidence([]string{"a"}, [][][]Row{{separableRows(rng, 20, false), nil}}, 1); err == nil {
		t.Error("FitConfidence without keyword-only rows: no error")
	}
}

// cvRows draws n rows, a third each right, wrong and out of scope, that
// VecTop tells apart; the built-in confidence they were scored with is
// noise, and overconfident.
func cvRows(rng *rand.Rand, n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		r := Row{Top: []string{"a"}, Confidence: 0.6 + 0.4*rng.Float64()}
		switch i % 3 {
		case 0:
			r.Gold, r.Correct, r.Features.VecTop = "a", true, 0.85
		case 1:
			r.Gold, r.Features.VecTop = "b", 0.6
		default:
			r.Features.VecTop = 0.35
		}
		r.Features.VecTop += 0.03 * rng.NormFloat64()
		r.Features.LogTop = rng.Float64()
		rows[i] = r
	}
	return rows
}

// TestCrossValidate: refitted on the set, confidence finds what the
// built-in one missed, and recalibration fixes the built-in one's
// overconfidence.
func TestCrossValidate(t *testing.T) {
	cv, err := CrossValidate(cvRows(rand.New(rand.NewPCG(3, 4)), 300), 1)
	if err != nil {
		t.Fatal(err)
	}
	if cv.AUROC < 0.99 || cv.BuiltinAUROC > 0.6 {
		t.Errorf("AUROC refitted %.3f, built-in %.3f; want about 1 and about 0.5", cv.AUROC, cv.BuiltinAUROC)
	}
	if cv.Recall < 0.9 || cv.BuiltinRecall > 0.3 {
		t.Errorf("hand-off recall refitted %.3f, built-in %.3f; want about 1 and low", cv.Recall, cv.BuiltinRecall)
	}
	// A third right at confidence about 0.8.
	if cv.BuiltinECE < 0.4 || cv.RecalBefore < 0.4 || cv.RecalAfter > 0.1 {
		t.Errorf("ECE built-in %.3f, before recalibration %.3f, after %.3f; want about 0.47, 0.47 and low",
			cv.BuiltinECE, cv.RecalBefore, cv.RecalAfter)
	}
}

// TestCrossValidateOutOfFold: when a feature marks each fold and folds 0,
// 2 and 4 are right, a model that saw a row knows its label, while one
// that never did has only the other folds' balance, which leans the
// wrong way: out-of-fold AUROC falls to 0.5 or below.
func TestCrossValidateOutOfFold(t *testing.T) {
	rows := make([]Row, 100)
	for i := range rows {
		f := make([]float64, len(answer.Names))
		f[i%CVFolds] = 1
		rows[i] = Row{Gold: "g", Top: []string{"g"}, Correct: i%CVFolds%2 == 0, Confidence: 0.5, Features: answer.FeaturesFromVector(f)}
	}
	cv, err := CrossValidate(rows, 1)
	if err != nil {
		t.Fatal(err)
	}
	if cv.AUROC > 0.5 {
		t.Errorf("out-of-fold AUROC %.3f, want at most 0.5: rows scored by a model that saw them", cv.AUROC)
	}
}

// rankedRows draws in-scope queries of four candidates each, whose
// ranking right (a position in retrieval.FeatureNames, a reciprocal
// rank) always puts the gold article first and whose other rankings are
// shuffled; then oos out-of-scope queries.
func rankedRows(rng *rand.Rand, n, oos int, right string) []Row {
	ids := []string{"a", "b", "c", "d"}
	var rows []Row
	for q := range n + oos {
		r := Row{}
		if q < n {
			r.Gold = ids[rng.IntN(len(ids))]
		}
		perm := map[string][]int{}
		for _, name := range []string{"kw_rr", "kq_rr", "vec_rr"} {
			perm[name] = rng.Perm(len(ids))
		}
		if r.Gold != "" {
			g := slices.Index(ids, r.Gold)
			p := perm[right]
			first := slices.Index(p, 0)
			p[g], p[first] = p[first], p[g]
		}
		for i, id := range ids {
			f := make([]float64, len(retrieval.FeatureNames))
			ranks := make([]int, 5)
			for k, name := range []string{"kw_rr", "kq_rr", "vec_rr"} {
				rank := perm[name][i] + 1
				f[slices.Index(retrieval.FeatureNames, name)] = 1 / float64(rank)
				ranks[[]int{retrieval.RankKeyword, retrieval.RankQuestions, retrieval.RankVector}[k]] = rank
			}
			r.Hits = append(r.Hits, Hit{ID: id, Ranks: ranks, Features: f})
		}
		rows = append(rows, r)
	}
	return rows
}

// largest returns the name of the largest weight.
func largest(w []float64) string {
	best := 0
	for i := range w {
		if w[i] > w[best] {
			best = i
		}
	}
	return retrieval.FeatureNames[best]
}

// TestFitFusion: the ranking that is always right weighs most, in each
// mode, and carries over to each set when fitted on the others.
func TestFitFusion(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var sets []FusionSet
	for _, name := range []string{"a", "b", "c"} {
		sets = append(sets, FusionSet{Name: name, Keyword: rankedRows(rng, 60, 20, "kw_rr"), Hybrid: rankedRows(rng, 60, 20, "vec_rr")})
	}
	fm, held, err := FitFusion(sets, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := largest(fm.Keyword.Weights); got != "kw_rr" {
		t.Errorf("keyword weights %v: largest %s, want kw_rr", fm.Keyword.Weights, got)
	}
	for name, w := range map[string][]float64{"hybrid": fm.Hybrid.Weights, "classified": fm.Classified.Weights} {
		if got := largest(w); got != "vec_rr" {
			t.Errorf("%s weights %v: largest %s, want vec_rr", name, w, got)
		}
	}
	if len(held) != 3 {
		t.Fatalf("held-out %+v, want one per set", held)
	}
	for i, h := range held {
		// Out-of-scope queries have no gold article to put first.
		if h.Set != sets[i].Name || h.HeldOut != 1 || h.All != 1 || h.NoClassifier != 1 {
			t.Errorf("held-out %+v, want set %s at top-1 1", h, sets[i].Name)
		}
	}
	if _, held, err := FitFusion(sets[:1], 1); err != nil || len(held) != 0 {
		t.Errorf("one set: held-out %+v (err %v), want none", held, err)
	}
}

// TestFitFusionHeldOut: a set whose good ranking the other does not
// share is held out from its own fit: near chance (one in four) held
// out, better once its rows count.
func TestFitFusionHeldOut(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	sets := []FusionSet{
		{Name: "vec", Keyword: rankedRows(rng, 60, 0, "kw_rr"), Hybrid: rankedRows(rng, 60, 0, "vec_rr")},
		{Name: "kw", Keyword: rankedRows(rng, 60, 0, "kw_rr"), Hybrid: rankedRows(rng, 60, 0, "kw_rr")},
	}
	_, held, err := FitFusion(sets, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range held {
		if h.HeldOut > 0.4 || h.All < h.HeldOut+0.2 {
			t.Errorf("%s: held-out top-1 %.3f, fitted on all %.3f; want near chance and better with its own rows", h.Set, h.HeldOut, h.All)
		}
	}
}

// TestFitFusionClassifier: the classifier's features count in the
// classified weights only; the hybrid ones serve collections without a
// classifier, and never see the candidates only it found.
func TestFitFusionClassifier(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	var sets []FusionSet
	for _, name := range []string{"a", "b"} {
		hybrid := rankedRows(rng, 80, 0, "vec_rr")
		for i := range hybrid {
			r := &hybrid[i]
			// The vector ranking is right four times in five; the
			// classifier always.
			if i%5 == 0 {
				a, b := slices.IndexFunc(r.Hits, func(h Hit) bool { return h.ID == r.Gold }), (i/5)%3
				if b >= a {
					b++
				}
				v := slices.Index(retrieval.FeatureNames, "vec_rr")
				r.Hits[a].Features[v], r.Hits[b].Features[v] = r.Hits[b].Features[v], r.Hits[a].Features[v]
			}
			for j := range r.Hits {
				cls := 0.1
				if r.Hits[j].ID == r.Gold {
					cls = 0.9
				}
				r.Hits[j].Features[slices.Index(retrieval.FeatureNames, "cls_rr")] = cls
			}
			// A candidate only the classifier found, never right.
			f := make([]float64, len(retrieval.FeatureNames))
			f[slices.Index(retrieval.FeatureNames, "cls_rr")] = 0.5
			r.Hits = append(r.Hits, Hit{ID: "only-cls", Ranks: []int{0, 0, 0, 0, 5}, Features: f})
		}
		sets = append(sets, FusionSet{Name: name, Keyword: rankedRows(rng, 40, 0, "kw_rr"), Hybrid: hybrid})
	}
	fm, held, err := FitFusion(sets, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := largest(fm.Classified.Weights); got != "cls_rr" {
		t.Errorf("classified weights %v: largest %s, want cls_rr", fm.Classified.Weights, got)
	}
	for _, name := range []string{"cls", "cls_log", "cls_rr"} {
		if w := fm.Hybrid.Weights[slices.Index(retrieval.FeatureNames, name)]; w != 0 {
			t.Errorf("hybrid weight of %s = %v, want 0", name, w)
		}
	}
	if got := largest(fm.Hybrid.Weights); got != "vec_rr" {
		t.Errorf("hybrid weights %v: largest %s, want vec_rr", fm.Hybrid.Weights, got)
	}
	for _, h := range held {
		if h.All != 1 || h.NoClassifier < 0.75 || h.NoClassifier > 0.85 {
			t.Errorf("%+v: want top-1 1 with the classifier, the vector ranking's 0.8 without", h)
		}
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"slices"

	"github.com/batonhq/baton/answer"
	evalpkg "github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/retrieval"
)

// losoSet is one evaluation set's hybrid rows.
type losoSet struct {
	name string
	rows []evalRow
}

// leaveOneSetOut fits the confidence model on all sets but one and scores
// the one left out, for each set in turn: the features the model had
// before the out-of-scope ones (baseline) and the baseline plus the extra
// out-of-scope features named in extra (see answer.OOSNames), side by side
// on the same rows. A set the model never saw is what a new customer's
// knowledge base looks like.
// With cache, each set's rows are read from (or written to)
// cache/<set>.rows.jsonl so that variants can be compared without
// re-running the queries.
func leaveOneSetOut(ctx context.Context, cfg Config, dirs []string, l2 float64, extra []string, current bool, cache string, stdout, stderr io.Writer, log *slog.Logger) error {
	var idx []int
	for _, name := range extra {
		i := slices.Index(answer.OOSNames, name)
		if i < 0 {
			return fmt.Errorf("calibrate --loso: unknown feature %q (have %v)", name, answer.OOSNames)
		}
		idx = append(idx, i)
	}
	var sets []losoSet
	for _, dir := range dirs {
		name := filepath.Base(dir)
		rows, err := cachedRows(ctx, cfg, dir, cache, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s: %d rows\n", name, len(rows))
		sets = append(sets, losoSet{name, rows})
	}
	// The baseline is the features the model had before the out-of-scope
	// ones; extras are recomputed from each row's hits, so rows cached by
	// an older build compare the same.
	n := answer.LegacyFeatures
	if current {
		n = len(answer.Names)
	}
	base := func(r evalRow) []float64 { return r.Features.Vector()[:n] }
	withExtra := func(r evalRow) []float64 {
		x := base(r)
		o := answer.OOSFeatures(fusedHits(r.Hits))
		for _, i := range idx {
			x = append(x, o[i])
		}
		return x
	}
	fmt.Fprintf(stdout, "extra features: %v\n\n", extra)
	fmt.Fprintln(stdout, "| held-out set | baseline AUROC | +extra AUROC | baseline ECE | +extra ECE | baseline recall@FH<=0.10 | +extra recall@FH<=0.10 |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|")
	for held := range sets {
		var res [2]losoScore
		for v, feat := range []func(evalRow) []float64{base, withExtra} {
			var xs [][]float64
			var ys []bool
			var ws []float64
			for i, s := range sets {
				if i == held {
					continue
				}
				for _, r := range s.rows {
					xs = append(xs, feat(r))
					ys = append(ys, r.Correct)
					ws = append(ws, 1000/float64(len(s.rows)))
				}
			}
			m, err := answer.Fit(xs, ys, ws, l2)
			if err != nil {
				return err
			}
			res[v] = scoreHeldOut(m, sets[held].rows, feat)
		}
		fmt.Fprintf(stdout, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", sets[held].name,
			res[0].auroc, res[1].auroc, res[0].ece, res[1].ece, res[0].recall, res[1].recall)
	}
	return nil
}

type losoScore struct{ auroc, ece, recall float64 }

// scoreHeldOut scores rows with m: AUROC and ECE of "the cited article is
// right", and the best hand-off recall on out-of-scope rows over hand-off
// thresholds that hand off at most 10% of in-scope rows, other triggers'
// hand-offs kept as they were (as `baton eval --sweep` counts them).
func scoreHeldOut(m *answer.Model, rows []evalRow, feat func(evalRow) []float64) losoScore {
	conf := make([]float64, len(rows))
	ys := make([]bool, len(rows))
	other := make([]bool, len(rows))
	for i, r := range rows {
		x := feat(r)
		z := m.Bias
		for j, w := range m.Weights {
			z += w * x[j]
		}
		conf[i] = 1 / (1 + math.Exp(-z))
		ys[i] = r.Correct
		other[i] = otherTrigger(r)
	}
	rec, _ := recallAtFalse(rows, conf, other, 0.10)
	return losoScore{answer.AUROC(conf, ys), answer.ECE(conf, ys, 10), rec}
}

// recallAtFalse is the largest share of out-of-scope rows handed off (by
// another trigger or confidence below t) over thresholds t that hand off
// at most maxFalse of the in-scope rows, and the largest such t.
func recallAtFalse(rows []evalRow, conf []float64, other []bool, maxFalse float64) (recall, threshold float64) {
	in := make([]bool, len(rows))
	for i, r := range rows {
		in[i] = r.Gold != ""
	}
	return evalpkg.RecallAtFalse(conf, in, other, maxFalse)
}

func fusedHits(hs []evalHit) []retrieval.Fused {
	out := make([]retrieval.Fused, len(hs))
	for i, h := range hs {
		out[i] = retrieval.Fused{ArticleID: h.ID, Ranks: h.Ranks, Scores: h.Scores, Features: h.Features}
	}
	return out
}

func readRows(path string) ([]evalRow, error) { return readJSONL[evalRow](path) }

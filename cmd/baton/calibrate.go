package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

var timeNow = time.Now

// runCalibrate fits the confidence model on labelled sets. Each argument is
// a directory holding kb.jsonl and queries.jsonl; rows of all sets are
// pooled so one model serves every kind of knowledge base.
func runCalibrate(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	out := fs.String("out", "", "write the fitted model here (JSON); stdout when empty")
	l2 := fs.Float64("l2", 1, "L2 penalty")
	task := fs.String("task", "", "fit another model instead of confidence: fusion or inscope (on DIR...; inscope reports leave-one-set-out figures and keeps rows in --loso-cache), sentiment or rephrase (with --file)")
	file := fs.String("file", "", "labelled file for --task")
	kbPaths := fs.String("kb", "", "with --task rephrase: comma-separated knowledge bases (kb.jsonl or a directory holding one) to search the pairs' messages in; fits the retrieval regression for their languages")
	cv := fs.Bool("cv", false, "with DIR...: report, per set, 5-fold cross-validated AUROC and ECE of a model refitted on that set alone, next to the built-in model; writes nothing")
	loso := fs.Bool("loso", false, "with DIR...: leave-one-set-out: fit on all sets but one, score the one left out, for the features models had before the out-of-scope ones and with --loso-extra added; writes nothing")
	losoExtra := fs.String("loso-extra", "", "with --loso: comma-separated extra out-of-scope features to compare (answer.OOSNames)")
	losoCurrent := fs.Bool("loso-current", false, "with --loso: the baseline is the current model's features, not those before the out-of-scope ones")
	losoCache := fs.String("loso-cache", "", "with --loso: directory to keep each set's rows in, to compare variants without re-running the queries")
	queries := fs.String("queries", "", "refit on your own labelled questions (queries.jsonl schema: query, gold_id or null, collection) against the knowledge base in --data")
	recalibrate := fs.Bool("recalibrate", false, "refit, for each collection in --data with at least --recalibrate-min labelled questions (agents' verdicts, customers' thumbs), the two numbers that adapt the confidence to it, and save them for the server (which also refits them every --recalibrate-every)")
	verdicts := fs.Bool("verdicts", false, "also refit on the verdicts agents gave on closed hand-offs in --data (bot right, article missing or wrong, needless hand-off)")
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	if *recalibrate {
		app, err := OpenApp(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer app.Close()
		if err := app.Searcher.TrainClassifiers(ctx); err != nil { // as a server would have them
			return err
		}
		rs, err := app.Recalibrate(ctx, cfg.RecalibrateMin)
		if err != nil {
			return err
		}
		printRecalibrations(stdout, rs, cfg.RecalibrateMin)
		return nil
	}
	if *task == "fusion" {
		return fitFusion(ctx, cfg, fs.Args(), *out, *l2, stdout, stderr, log)
	}
	if *task == "inscope" {
		return fitInScope(ctx, cfg, fs.Args(), *losoCache, *out, *l2, stdout, stderr, log)
	}
	if *task != "" {
		return runFitTask(ctx, cfg, *task, *file, splitList(*kbPaths), *out, stdout, stderr, log)
	}
	if *queries != "" || *verdicts {
		return calibrateOwn(ctx, cfg, *queries, *verdicts, *out, *l2, stdout, stderr, log)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("calibrate: give --queries labelled.jsonl, or directories holding kb.jsonl and queries.jsonl")
	}
	if *loso {
		var extra []string
		if *losoExtra != "" {
			extra = strings.Split(*losoExtra, ",")
		}
		return leaveOneSetOut(ctx, cfg, fs.Args(), *l2, extra, *losoCurrent, *losoCache, stdout, stderr, log)
	}
	if *cv {
		return crossValidate(ctx, cfg, fs.Args(), *l2, stdout, log)
	}
	// Hybrid turns and keyword-only turns (no embedder, or it failing)
	// get a model each.
	modes := []string{"", "keyword"}
	xs, ys, ws := make([][][]float64, 2), make([][]bool, 2), make([][]float64, 2)
	var names []string
	for _, dir := range fs.Args() {
		rows, _, err := evaluateModes(ctx, cfg, filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "queries.jsonl"), modes, log)
		if err != nil {
			return err
		}
		for m, mrows := range rows {
			// Each set weighs the same in total, whatever its size.
			for _, r := range mrows {
				xs[m] = append(xs[m], r.Features.Vector())
				ys[m] = append(ys[m], r.Correct)
				ws[m] = append(ws[m], 1000/float64(len(mrows)))
			}
		}
		names = append(names, filepath.Base(dir))
		fmt.Fprintf(stderr, "%s: %d rows\n", dir, len(rows[0]))
	}
	m, err := answer.Fit(xs[0], ys[0], ws[0], *l2)
	if err != nil {
		return err
	}
	if m.Keyword, err = answer.Fit(xs[1], ys[1], ws[1], *l2); err != nil {
		return err
	}
	m.FittedOn = fmt.Sprintf("baton calibrate on %s (%d rows)", strings.Join(names, ", "), len(xs[0]))
	return writeModel(*out, stdout, m)
}

// fitFusion fits the linear fusion of the rankings: for every in-scope
// query of every set, each candidate article is a row labelled by whether
// it is the gold one. Keyword-only and hybrid get their own weights. With
// several sets it also reports, for the hybrid weights, each set's top-1
// when fitted on the other sets only, to show the fit carries over.
func fitFusion(ctx context.Context, cfg Config, dirs []string, out string, l2 float64, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(dirs) == 0 {
		return fmt.Errorf("calibrate --task fusion: name directories holding kb.jsonl and queries.jsonl")
	}
	modes := []string{"keyword", ""}
	cfg.bootstrapClassified = true
	sets := make([][][]evalRow, len(dirs)) // set -> mode -> in-scope rows
	var names []string
	for i, dir := range dirs {
		rows, _, err := evaluateModes(ctx, cfg, filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "queries.jsonl"), modes, log)
		if err != nil {
			return err
		}
		for _, mrows := range rows {
			var in []evalRow
			for _, r := range mrows {
				if r.Gold != "" {
					in = append(in, r)
				}
			}
			sets[i] = append(sets[i], in)
		}
		names = append(names, filepath.Base(dir))
		fmt.Fprintf(stderr, "%s: done\n", dir)
	}
	// The hybrid weights serve a collection whose classifier is not
	// trained yet: they see the same rows without the classifier's
	// features or the candidates only it found.
	noCls := func(h evalHit) (evalHit, bool) {
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
	fit := func(mode int, skip int, keep func(evalHit) (evalHit, bool)) (retrieval.Linear, error) {
		var xs [][]float64
		var ys []bool
		var ws []float64
		for i, set := range sets {
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
		return err
	}
	if fm.Hybrid, err = fit(1, -1, noCls); err != nil {
		return err
	}
	if fm.Classified, err = fit(1, -1, nil); err != nil {
		return err
	}
	if len(sets) > 1 {
		for i := range sets {
			held, err := fit(1, i, nil)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "hybrid top-1 on %s: %.3f fitted on the other sets, %.3f fitted on all; %.3f without the classifier\n",
				names[i], fusionTop1(held, sets[i][1], nil), fusionTop1(fm.Classified, sets[i][1], nil), fusionTop1(fm.Hybrid, sets[i][1], noCls))
		}
	}
	fm.FittedOn = fmt.Sprintf("baton calibrate --task fusion on %s", strings.Join(names, ", "))
	return writeModel(out, stdout, fm)
}

// keptHits returns the hits keep keeps, as it returns them; all of them
// when keep is nil.
func keptHits(hs []evalHit, keep func(evalHit) (evalHit, bool)) []evalHit {
	if keep == nil {
		return hs
	}
	out := make([]evalHit, 0, len(hs))
	for _, h := range hs {
		if h, ok := keep(h); ok {
			out = append(out, h)
		}
	}
	return out
}

// fusionTop1 re-ranks each query's candidates with lin and counts the gold
// article first.
func fusionTop1(lin retrieval.Linear, rows []evalRow, keep func(evalHit) (evalHit, bool)) float64 {
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

// calibrateOwn refits the confidence model on an organisation's labelled
// questions against its own knowledge base (the data directory). Questions
// are only searched, never stored as conversations. It prints AUROC and ECE
// of the built-in model and of the refitted one on those questions (the
// latter in-sample: label more than you fit on, and check on the rest).
func calibrateOwn(ctx context.Context, cfg Config, path string, verdicts bool, out string, l2 float64, stdout, stderr io.Writer, log *slog.Logger) error {
	var qs []evalQuery
	if path != "" {
		var err error
		if qs, err = readQueries(path); err != nil {
			return err
		}
	}
	app, err := OpenApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()
	source := filepath.Base(path)
	if verdicts {
		vs, err := verdictQueries(ctx, app.Store)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%d labelled questions from agents' verdicts\n", len(vs))
		qs = append(qs, vs...)
		source = strings.TrimPrefix(source+" + agents' verdicts", ". + ")
	}
	if len(qs) < 2 {
		return fmt.Errorf("calibrate: %d labelled questions; label more before refitting: %w", len(qs), kb.ErrInvalid)
	}
	if err := app.Searcher.TrainClassifiers(ctx); err != nil { // as a server would have them
		return err
	}
	base := app.Bot.Composer.Model
	var xs [][]float64
	var ys []bool
	var before []float64
	for _, q := range qs {
		res, err := app.Bot.Composer.Compose(ctx, q.Collection, q.Query)
		if err != nil {
			return fmt.Errorf("calibrate %q: %w", q.Query, err)
		}
		xs = append(xs, res.Features.Vector())
		ys = append(ys, answeredRight(q, res))
		before = append(before, res.ModelConfidence)
	}
	m, err := answer.Fit(xs, ys, nil, l2)
	if err != nil {
		return err
	}
	// The refit replaces the mode the questions were searched in; the other
	// mode keeps the built-in coefficients.
	if app.Searcher.Mode() == "keyword" {
		kw := *m
		m = &answer.Model{Weights: base.Weights, Bias: base.Bias, Keyword: &kw}
	} else {
		m.Keyword = base.Keyword
	}
	m.FittedOn = fmt.Sprintf("baton calibrate on %s (%d questions)", source, len(qs))
	after := make([]float64, len(xs))
	for i := range qs {
		after[i] = m.Prob(answer.FeaturesFromVector(xs[i]))
	}
	fmt.Fprintf(stderr, "%d questions, %d answered right: built-in AUROC %.3f ECE %.3f; refitted (in-sample) AUROC %.3f ECE %.3f\n",
		len(qs), count(ys), answer.AUROC(before, ys), answer.ECE(before, ys, 10), answer.AUROC(after, ys), answer.ECE(after, ys, 10))
	return writeModel(out, stdout, m)
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

// writeModel writes fitted coefficients as indented JSON to path, or to
// stdout when path is empty.
func writeModel(path string, stdout io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// recalDrawN labelled questions, drawn recalDraws times, measure what a
// collection's recalibration (answer.Recalibration) buys.
const (
	recalDrawN = 100
	recalDraws = 20
)

// recalibratedECE simulates a collection's recalibration as the server
// fits it: recalDrawN rows drawn at random stand for the labelled
// questions (those the search found something for), the rest are scored;
// it returns the median ECE over recalDraws draws of the built-in
// confidence on the scored rows and of the recalibrated one.
func recalibratedECE(rows []evalRow) (builtin, recal float64, err error) {
	rng := rand.New(rand.NewPCG(recalSeed, 0))
	var before, after []float64
	for range recalDraws {
		idx := rng.Perm(len(rows))
		n := min(recalDrawN, len(rows)/2)
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

const recalSeed = 20261125

// cvFolds is the number of folds of crossValidate.
const cvFolds = 5

// crossValidate shows what an organisation gets by refitting confidence on
// its own labelled questions: for each set, a model fitted on four fifths
// of its queries is scored on the remaining fifth, fold by fold, so every
// query is scored by a model that never saw it.
func crossValidate(ctx context.Context, cfg Config, dirs []string, l2 float64, stdout io.Writer, log *slog.Logger) error {
	fmt.Fprintf(stdout, "| set | built-in AUROC | built-in ECE | built-in recall at FH<=0.10 | refitted AUROC (5-fold) | refitted ECE (5-fold) | refitted recall at FH<=0.10 | ECE on the rest of %d draws of %d labels (median): built-in, recalibrated |\n", recalDraws, recalDrawN)
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|")
	for _, dir := range dirs {
		rows, _, err := evaluate(ctx, cfg, filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "queries.jsonl"), log)
		if err != nil {
			return err
		}
		ys := make([]bool, len(rows))
		other := make([]bool, len(rows))
		builtin := make([]float64, len(rows))
		for i, r := range rows {
			ys[i], other[i], builtin[i] = r.Correct, otherTrigger(r), r.Confidence
		}
		oof := make([]float64, len(rows))
		for f := 0; f < cvFolds; f++ {
			var xs [][]float64
			var fy []bool
			for i, r := range rows {
				if i%cvFolds != f {
					xs = append(xs, r.Features.Vector())
					fy = append(fy, r.Correct)
				}
			}
			m, err := answer.Fit(xs, fy, nil, l2)
			if err != nil {
				return err
			}
			for i, r := range rows {
				if i%cvFolds == f {
					oof[i] = m.Prob(r.Features)
				}
			}
		}
		recBuiltin, _ := recallAtFalse(rows, builtin, other, 0.10)
		recOOF, _ := recallAtFalse(rows, oof, other, 0.10)
		recalBefore, recalAfter, err := recalibratedECE(rows)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f, %.3f |\n", filepath.Base(dir),
			answer.AUROC(builtin, ys), answer.ECE(builtin, ys, 10), recBuiltin,
			answer.AUROC(oof, ys), answer.ECE(oof, ys, 10), recOOF, recalBefore, recalAfter)
	}
	return nil
}

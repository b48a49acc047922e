package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/kb"
)

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
	losoPrior := fs.Bool("loso-prior", false, "with --loso: compare the confidence fitted without and with each collection's prior (its similar questions' self top-1), AUROC, ECE and answers at the default thresholds")
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
		return fitFusion(ctx, cfg, fs.Args(), *out, *l2, stdout, stderr)
	}
	if *task == "inscope" {
		return fitInScope(ctx, cfg, fs.Args(), *losoCache, *out, *l2, stdout, stderr)
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
	if *loso && *losoPrior {
		return priorLOSO(ctx, cfg, fs.Args(), *l2, *losoCache, stdout, stderr)
	}
	if *loso {
		var extra []string
		if *losoExtra != "" {
			extra = strings.Split(*losoExtra, ",")
		}
		return leaveOneSetOut(ctx, cfg, fs.Args(), *l2, extra, *losoCurrent, *losoCache, stdout, stderr)
	}
	if *cv {
		return crossValidate(ctx, cfg, fs.Args(), *l2, stdout)
	}
	// Hybrid turns and keyword-only turns (no embedder, or it failing)
	// get a model each.
	h := evalHarness(cfg)
	var sets [][][]evaluate.Row
	var names []string
	for _, dir := range fs.Args() {
		kbPath, queriesPath := evaluate.SetFiles(dir)
		rows, _, err := h.EvaluateModes(ctx, kbPath, queriesPath, []string{"", "keyword"})
		if err != nil {
			return err
		}
		sets = append(sets, rows)
		names = append(names, filepath.Base(dir))
		fmt.Fprintf(stderr, "%s: %d rows\n", dir, len(rows[0]))
	}
	m, err := evaluate.FitConfidence(names, sets, *l2)
	if err != nil {
		return err
	}
	return writeModel(*out, stdout, m)
}

// fitFusion fits the linear fusion of the rankings (evaluate.FitFusion)
// on the sets in dirs and writes it to out (stdout when empty); with
// several sets it reports on stderr how the fit carries over to a set
// left out of it.
func fitFusion(ctx context.Context, cfg Config, dirs []string, out string, l2 float64, stdout, stderr io.Writer) error {
	if len(dirs) == 0 {
		return fmt.Errorf("calibrate --task fusion: name directories holding kb.jsonl and queries.jsonl")
	}
	h := evalHarness(cfg)
	h.BootstrapClassified = true
	var sets []evaluate.FusionSet
	for _, dir := range dirs {
		kbPath, queriesPath := evaluate.SetFiles(dir)
		rows, _, err := h.EvaluateModes(ctx, kbPath, queriesPath, []string{"keyword", ""})
		if err != nil {
			return err
		}
		sets = append(sets, evaluate.FusionSet{Name: filepath.Base(dir), Keyword: rows[0], Hybrid: rows[1]})
		fmt.Fprintf(stderr, "%s: done\n", dir)
	}
	fm, held, err := evaluate.FitFusion(sets, l2)
	if err != nil {
		return err
	}
	for _, f := range held {
		fmt.Fprintf(stderr, "hybrid top-1 on %s: %.3f fitted on the other sets, %.3f fitted on all; %.3f without the classifier\n",
			f.Set, f.HeldOut, f.All, f.NoClassifier)
	}
	return writeModel(out, stdout, fm)
}

// calibrateOwn refits the confidence model on an organisation's labelled
// questions against its own knowledge base (the data directory), and with
// verdicts on those agents' verdicts and customers' thumbs gave. It prints
// AUROC and ECE of the built-in model and of the refitted one on those
// questions (see evaluate.Refit).
func calibrateOwn(ctx context.Context, cfg Config, path string, verdicts bool, out string, l2 float64, stdout, stderr io.Writer, log *slog.Logger) error {
	var qs []evaluate.Query
	if path != "" {
		var err error
		if qs, err = evaluate.ReadQueries(path); err != nil {
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
	m, f, err := evaluate.Refit(ctx, app.Bot.Composer, app.Searcher.Mode() == "keyword", qs, l2)
	if err != nil {
		return err
	}
	m.FittedOn = fmt.Sprintf("baton calibrate on %s (%d questions)", source, len(qs))
	fmt.Fprintf(stderr, "%d questions, %d answered right: built-in AUROC %.3f ECE %.3f; refitted (in-sample) AUROC %.3f ECE %.3f\n",
		f.N, f.Right, f.BuiltinAUROC, f.BuiltinECE, f.AUROC, f.ECE)
	return writeModel(out, stdout, m)
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

// crossValidate prints, per set, what an organisation gets by refitting
// confidence on its own labelled questions (evaluate.CrossValidate).
func crossValidate(ctx context.Context, cfg Config, dirs []string, l2 float64, stdout io.Writer) error {
	fmt.Fprintf(stdout, "| set | built-in AUROC | built-in ECE | built-in recall at FH<=0.10 | refitted AUROC (%d-fold) | refitted ECE (%d-fold) | refitted recall at FH<=0.10 | ECE on the rest of %d draws of %d labels (median): built-in, recalibrated |\n", evaluate.CVFolds, evaluate.CVFolds, evaluate.RecalDraws, evaluate.RecalDrawN)
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|")
	h := evalHarness(cfg)
	for _, dir := range dirs {
		kbPath, queriesPath := evaluate.SetFiles(dir)
		rows, _, err := h.Evaluate(ctx, kbPath, queriesPath)
		if err != nil {
			return err
		}
		cv, err := evaluate.CrossValidate(rows, l2)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f, %.3f |\n", filepath.Base(dir),
			cv.BuiltinAUROC, cv.BuiltinECE, cv.BuiltinRecall, cv.AUROC, cv.ECE, cv.Recall, cv.RecalBefore, cv.RecalAfter)
	}
	return nil
}

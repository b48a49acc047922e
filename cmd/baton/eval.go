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
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	kbPath := fs.String("kb", "", "knowledge base, kb.jsonl schema; with --task rephrase, comma-separated knowledge bases (kb.jsonl or a directory holding one) to search the pairs' messages in, for the retrieval features")
	queries := fs.String("queries", "", "queries, queries.jsonl schema")
	asJSON := fs.Bool("json", false, "print one JSON object")
	out := fs.String("out", "", "write per-query rows (JSONL) to this file")
	sets := fs.String("sets", "", "comma-separated evaluation-set directories (kb.jsonl + queries.jsonl each); prints a Markdown table")
	sweep := fs.Bool("sweep", false, "also print hand-off recall and false hand-off for hand-off thresholds 0.05..0.75; with --task clusters, the scores over cluster thresholds 0.5..0.95")
	compare := fs.Bool("compare", false, "with --sets: keyword-only, vector-only (max cosine), classifier-only and hybrid side by side")
	task := fs.String("task", "", "evaluate a trigger instead of retrieval: sentiment, rephrase or dialogues (with --file), clusters (misses inbox grouping, with --sets), duplicates (near-duplicate articles and what merging them does, with --sets), or smalltalk (the sets' questions taken for small talk, with --sets; held-back phrasings missed, with --file)")
	file := fs.String("file", "", "labelled file for --task")
	threshold := fs.Float64("threshold", 0, "with --task clusters: average cosine similarity at which misses group (default: the shipped one)")
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	if *task == "duplicates" {
		return evalDuplicates(ctx, cfg, strings.Split(*sets, ","), *threshold, *sweep, *asJSON, stdout)
	}
	if *task == "smalltalk" {
		return evalSmallTalk(strings.Split(*sets, ","), *file, *asJSON, stdout)
	}
	if *task == "clusters" {
		return evalClusters(ctx, cfg, strings.Split(*sets, ","), *threshold, *sweep, *asJSON, stdout, log)
	}
	if *task != "" {
		return runEvalTask(ctx, cfg, *task, *file, splitList(*kbPath), *asJSON, stdout, log)
	}
	if *sets != "" {
		modes := []string{""}
		if *compare {
			modes = []string{"keyword", "vector", "classifier", ""}
		}
		return evalSets(ctx, evalHarness(cfg), strings.Split(*sets, ","), modes, *asJSON, stdout)
	}
	if *kbPath == "" || *queries == "" {
		return fmt.Errorf("eval: --kb and --queries are required")
	}
	rows, rep, err := evalHarness(cfg).Evaluate(ctx, *kbPath, *queries)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := evaluate.WriteRows(*out, rows); err != nil {
			return err
		}
	}
	if *sweep {
		evaluate.WriteSweep(stdout, rows)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "search %s: in-scope %d, out-of-scope %d\ntop-1 %.3f  recall@5 %.3f\nhand-off recall %.3f  false hand-off %.3f  clarify %.3f  answered wrong %.3f  gold in suggestions %.3f\nconfidence AUROC %.3f  ECE %.3f\nin_scope AUROC %.3f  ECE %.3f  recall at false hand-off <= 0.10 %.3f (plain cosine %.3f)\n",
		rep.Search, rep.NIn, rep.NOOS, rep.Top1, rep.Recall5, rep.HandoffRecal, rep.FalseHandoff, rep.ClarifyRate, rep.AnsweredWrong, rep.GoldSuggested,
		rep.AUROC, rep.ECE, rep.InScopeAUROC, rep.InScopeECE, rep.RecallAtFH10, rep.CosineAtFH10)
	return nil
}

// evalHarness runs evaluation queries on apps configured by cfg, each on
// a throwaway data directory (openEvalApp).
func evalHarness(cfg Config) evaluate.Harness {
	return evaluate.Harness{Open: func(ctx context.Context, kbPath string) (evaluate.Env, func(), error) {
		app, closeApp, err := openEvalApp(ctx, cfg, kbPath)
		if err != nil {
			return evaluate.Env{}, nil, err
		}
		// As a server does once its classifiers are trained.
		var failed error
		app.MeasureSelfThresholds(ctx, func(c string, err error) { failed = fmt.Errorf("measure hand-off threshold of %s: %w", c, err) })
		if failed != nil {
			closeApp()
			return evaluate.Env{}, nil, failed
		}
		return evaluate.Env{Bot: app.Bot, Searcher: app.Searcher}, closeApp, nil
	}}
}

// openEvalApp opens an app on a throwaway data directory holding the
// knowledge base at kbPath, its classifiers trained; closeApp closes it
// and removes the directory.
func openEvalApp(ctx context.Context, cfg Config, kbPath string) (app *App, closeApp func(), err error) {
	tmp, err := os.MkdirTemp("", "baton-eval-")
	if err != nil {
		return nil, nil, err
	}
	cfg.Data = tmp
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	if app, err = OpenApp(ctx, cfg, quiet); err != nil {
		os.RemoveAll(tmp)
		return nil, nil, err
	}
	closeApp = func() {
		app.Close()
		os.RemoveAll(tmp)
	}
	sum, err := app.Ingester.IngestPaths(ctx, []string{kbPath}, cfg.Collection)
	if err == nil && sum.Failed > 0 {
		err = fmt.Errorf("eval: ingest %s: %s", kbPath, sum.Files[0].Err)
	}
	// A server trains classifiers and builds inverted files in the
	// background; here every query should see them, so both come first.
	if err == nil {
		err = app.Searcher.TrainClassifiers(ctx)
		app.Searcher.BuildIndexes()
	}
	if err != nil {
		closeApp()
		return nil, nil, err
	}
	return app, closeApp, nil
}

// evalSets evaluates several sets, one table row (or JSON line) each.
func evalSets(ctx context.Context, h evaluate.Harness, dirs []string, modes []string, asJSON bool, stdout io.Writer) error {
	if !asJSON {
		fmt.Fprintln(stdout, "| set | search | n_in | n_oos | top1 | recall5 | in_scope auroc | in_scope ece | confidence ece | recall at false <= 0.10 (in_scope threshold) | plain cosine, same | default: false hand-off | hand-off recall | answered wrong | clarify | gold in suggestions |")
		fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	}
	// Every set's rows, per mode, for the pooled row after them.
	pooled := make([][]evaluate.Row, len(modes))
	var search []string
	for _, dir := range dirs {
		kbPath, queriesPath := evaluate.SetFiles(dir)
		rows, reps, err := h.EvaluateModes(ctx, kbPath, queriesPath, modes)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		search = search[:0]
		for i, rep := range reps {
			if err := printSetRow(stdout, filepath.Base(dir), rep, asJSON); err != nil {
				return err
			}
			pooled[i] = append(pooled[i], rows[i]...)
			search = append(search, rep.Search)
		}
	}
	if len(dirs) < 2 {
		return nil
	}
	for i, rows := range pooled {
		rep := evaluate.Summarize(rows)
		rep.Search = search[i]
		if err := printSetRow(stdout, pooledSet, rep, asJSON); err != nil {
			return err
		}
	}
	return nil
}

// pooledSet names the row of every set's questions taken together.
const pooledSet = "pooled"

func printSetRow(stdout io.Writer, name string, rep evaluate.Report, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(struct {
			Set string `json:"set"`
			evaluate.Report
		}{name, rep})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	_, err := fmt.Fprintf(stdout, "| %s | %s | %d | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f (%.2f) | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", name, rep.Search, rep.NIn, rep.NOOS,
		rep.Top1, rep.Recall5, rep.InScopeAUROC, rep.InScopeECE, rep.ECE, rep.RecallAtFH10, rep.AtThreshold, rep.CosineAtFH10,
		rep.FalseHandoff, rep.HandoffRecal, rep.AnsweredWrong, rep.ClarifyRate, rep.GoldSuggested)
	return err
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

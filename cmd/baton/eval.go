package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

// evalQuery is one line of an evaluation queries.jsonl.
type evalQuery struct {
	Query      string  `json:"query"`
	Lang       string  `json:"lang"`
	GoldID     *string `json:"gold_id"`
	Collection string  `json:"collection"`
	// inScope, from agents' verdicts and thumbs, says whether some article
	// answers the question (article_wrong: yes, but not the one given;
	// article_missing: no); nil when the label does not say.
	inScope *bool
}

// evalRow is the per-query record written by --out.
type evalRow struct {
	Query      string   `json:"query"`
	Collection string   `json:"collection"`
	Gold       string   `json:"gold"`
	Top        []string `json:"top"`
	Band       string   `json:"band"`
	Reasons    []string `json:"reasons"`
	Confidence float64  `json:"confidence"`
	InScope    float64  `json:"in_scope"`
	Negative   float64  `json:"negative"` // the sentiment model's P(negative) of the question
	// Suggested are the "did you mean" choices of a clarify turn.
	Suggested []string        `json:"suggested,omitempty"`
	Correct   bool            `json:"correct"`
	Features  answer.Features `json:"features"`
	// Hits are every fused candidate with its rank and score per ranking,
	// for tuning fusion offline.
	Hits []evalHit `json:"hits,omitempty"`
}

type evalHit struct {
	ID       string    `json:"id"`
	Ranks    []int     `json:"ranks"`
	Scores   []float64 `json:"scores"`
	Features []float64 `json:"features,omitempty"`
}

// evalReport is what `baton eval --json` prints.
type evalReport struct {
	Search       string  `json:"search"`
	NIn          int     `json:"n_in"`
	NOOS         int     `json:"n_oos"`
	Top1         float64 `json:"top1"`
	Recall5      float64 `json:"recall5"`
	HandoffRecal float64 `json:"handoff_recall"`
	FalseHandoff float64 `json:"false_handoff"`
	ClarifyRate  float64 `json:"clarify_rate"`
	AUROC        float64 `json:"auroc"`
	ECE          float64 `json:"ece"`
	// InScopeAUROC and InScopeECE measure in_scope on in- vs out-of-scope
	// questions (AUROC and ECE above: confidence on "answered with the
	// right article").
	InScopeAUROC float64 `json:"in_scope_auroc"`
	InScopeECE   float64 `json:"in_scope_ece"`
	// AnsweredWrong is the share of answered turns answered with a wrong
	// article or answering an out-of-scope question; GoldSuggested the
	// share of in-scope clarify turns whose suggestions hold the right
	// article.
	AnsweredWrong float64 `json:"answered_wrong"`
	GoldSuggested float64 `json:"gold_in_suggestions"`
	// CosineAtFH10 is the plain max-cosine baseline on the same rows: the
	// best hand-off recall of a threshold on the best cosine of the
	// question to any article text, no other trigger, handing off at most
	// 10% of in-scope questions.
	CosineAtFH10 float64 `json:"cosine_recall_at_false_0.10"`
	// NegativeFire is the share of in-scope questions the negative
	// sentiment trigger handed off: plain questions, not upset customers.
	NegativeFire float64 `json:"negative_fire_in_scope"`
	// RecallAtFH10 is the best hand-off recall over in_scope thresholds
	// that hand off at most 10% of in-scope questions, every other trigger
	// on, and AtThreshold that threshold: what the estimate allows,
	// whatever the policy.
	RecallAtFH10 float64        `json:"handoff_recall_at_false_0.10"`
	AtThreshold  float64        `json:"at_threshold"`
	Reasons      map[string]int `json:"reasons"`
	Seconds      float64        `json:"seconds"`
}

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
		return evalDuplicates(ctx, cfg, strings.Split(*sets, ","), *threshold, *sweep, *asJSON, stdout, log)
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
		return evalSets(ctx, cfg, strings.Split(*sets, ","), modes, *asJSON, stdout, log)
	}
	if *kbPath == "" || *queries == "" {
		return fmt.Errorf("eval: --kb and --queries are required")
	}
	rows, rep, err := evaluate(ctx, cfg, *kbPath, *queries, log)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := writeRows(*out, rows); err != nil {
			return err
		}
	}
	if *sweep {
		printSweep(stdout, rows)
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

// evaluate ingests the KB into a throwaway data directory and runs every
// query through the bot, a fresh conversation each, as a customer would.
func evaluate(ctx context.Context, cfg Config, kbPath, queriesPath string, log *slog.Logger) ([]evalRow, evalReport, error) {
	rows, reps, err := evaluateModes(ctx, cfg, kbPath, queriesPath, []string{""}, log)
	if err != nil {
		return nil, evalReport{}, err
	}
	return rows[0], reps[0], nil
}

// evaluateModes ingests once and runs the queries once per search mode
// ("" for the configured one, "keyword", "vector", "classifier").
func evaluateModes(ctx context.Context, cfg Config, kbPath, queriesPath string, modes []string, log *slog.Logger) ([][]evalRow, []evalReport, error) {
	app, closeApp, err := openEvalApp(ctx, cfg, kbPath)
	if err != nil {
		return nil, nil, err
	}
	defer closeApp()
	if fm := app.Searcher.Fusion; cfg.bootstrapClassified && len(fm.Classified.Weights) == 0 {
		boot := *fm
		boot.Classified = retrieval.Linear{Weights: slices.Clone(fm.Hybrid.Weights), Bias: fm.Hybrid.Bias}
		app.Searcher.Fusion = &boot
	}
	qs, err := readQueries(queriesPath)
	if err != nil {
		return nil, nil, err
	}
	var allRows [][]evalRow
	var reps []evalReport
	for _, mode := range modes {
		app.Searcher.Only = mode
		rows, rep, err := runQueries(ctx, app, qs)
		if err != nil {
			return nil, nil, err
		}
		allRows = append(allRows, rows)
		reps = append(reps, rep)
	}
	return allRows, reps, nil
}

// runQueries asks every query in a fresh conversation.
func runQueries(ctx context.Context, app *App, qs []evalQuery) ([]evalRow, evalReport, error) {
	var rep evalReport
	start := timeNow()
	rows := make([]evalRow, 0, len(qs))
	for _, q := range qs {
		conv, _, err := app.Bot.Start(ctx, q.Collection, "auto", nil)
		if err != nil {
			return nil, rep, err
		}
		res, err := app.Bot.Turn(ctx, conv, q.Query)
		if err != nil {
			return nil, rep, fmt.Errorf("eval %q: %w", q.Query, err)
		}
		row := evalRow{Query: q.Query, Collection: q.Collection, Band: res.Reply.Band, Reasons: res.Reply.Reasons, Confidence: res.Reply.Confidence, InScope: res.Reply.InScope, Negative: res.Signals.Negative}
		if res.Reply.Band == kb.BandClarify {
			for _, sg := range res.Reply.Suggestions {
				row.Suggested = append(row.Suggested, sg.ArticleID)
			}
		}
		if q.GoldID != nil {
			row.Gold = *q.GoldID
		}
		if res.Composed != nil {
			row.Features = res.Composed.Features
			for i, h := range res.Composed.Hits {
				if i < 5 {
					row.Top = append(row.Top, h.ArticleID)
				}
				row.Hits = append(row.Hits, evalHit{h.ArticleID, h.Ranks, h.Scores, h.Features})
			}
		}
		row.Correct = row.Gold != "" && len(res.Reply.Citations) > 0 && res.Reply.Citations[0].ArticleID == row.Gold
		rows = append(rows, row)
	}
	rep = report(rows)
	rep.Search = app.Searcher.Mode()
	rep.Seconds = math.Round(timeNow().Sub(start).Seconds()*100) / 100
	return rows, rep, nil
}

// evalSets evaluates several sets, one table row (or JSON line) each.
func evalSets(ctx context.Context, cfg Config, dirs []string, modes []string, asJSON bool, stdout io.Writer, log *slog.Logger) error {
	if !asJSON {
		fmt.Fprintln(stdout, "| set | search | n_in | n_oos | top1 | recall5 | in_scope auroc | in_scope ece | confidence ece | recall at false <= 0.10 (in_scope threshold) | plain cosine, same | default: false hand-off | hand-off recall | answered wrong | clarify | gold in suggestions |")
		fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	}
	for _, dir := range dirs {
		_, reps, err := evaluateModes(ctx, cfg, filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "queries.jsonl"), modes, log)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		for _, rep := range reps {
			if err := printSetRow(stdout, filepath.Base(dir), rep, asJSON); err != nil {
				return err
			}
		}
	}
	return nil
}

func printSetRow(stdout io.Writer, name string, rep evalReport, asJSON bool) error {
	if asJSON {
		b, err := json.Marshal(struct {
			Set string `json:"set"`
			evalReport
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

// otherTrigger reports whether a trigger other than low confidence handed
// the row off: a hand-off threshold cannot undo it.
func otherTrigger(r evalRow) bool {
	return slices.ContainsFunc(r.Reasons, func(s string) bool { return s != kb.ReasonLowConfidence })
}

// printSweep shows what the hand-off threshold alone trades: for each
// threshold, the share of out-of-scope queries and of in-scope queries that
// would be handed off, other triggers' hand-offs kept as they were.
func printSweep(w io.Writer, rows []evalRow) {
	fmt.Fprintln(w, "| hand-off threshold (in_scope) | hand-off recall | false hand-off |")
	fmt.Fprintln(w, "|---|---|---|")
	for t := 0.05; t < 0.76; t += 0.05 {
		var in, oos, hin, hoos int
		for _, r := range rows {
			other := otherTrigger(r)
			handoff := other || r.InScope < t
			if r.Gold == "" {
				oos++
				if handoff {
					hoos++
				}
			} else {
				in++
				if handoff {
					hin++
				}
			}
		}
		fmt.Fprintf(w, "| %.2f | %.3f | %.3f |\n", t, ratio(hoos, oos), ratio(hin, in))
	}
}

func report(rows []evalRow) evalReport {
	rep := evalReport{Reasons: map[string]int{}}
	var top1, r5, fh, hr, clar, answered, wrong, clarIn, suggested, negIn int
	conf := make([]float64, len(rows))
	correct := make([]bool, len(rows))
	inScope := make([]float64, len(rows))
	cosine := make([]float64, len(rows))
	isIn := make([]bool, len(rows))
	for i, r := range rows {
		conf[i], correct[i] = r.Confidence, r.Correct
		inScope[i], cosine[i], isIn[i] = r.InScope, r.Features.VecTop, r.Gold != ""
		if r.Band == kb.BandAnswer {
			answered++
			if !r.Correct {
				wrong++
			}
		}
		if r.Gold != "" && slices.Contains(r.Reasons, kb.ReasonNegativeSentiment) {
			negIn++
		}
		if r.Band == kb.BandClarify && r.Gold != "" {
			clarIn++
			if slices.Contains(r.Suggested, r.Gold) {
				suggested++
			}
		}
		for _, reason := range r.Reasons {
			rep.Reasons[reason]++
		}
		if r.Band == kb.BandClarify {
			clar++
		}
		if r.Gold == "" {
			rep.NOOS++
			if r.Band == kb.BandHandoff {
				hr++
			}
			continue
		}
		rep.NIn++
		if r.Correct {
			top1++
		}
		for _, id := range r.Top {
			if id == r.Gold {
				r5++
				break
			}
		}
		if r.Band == kb.BandHandoff {
			fh++
		}
	}
	rep.Top1 = ratio(top1, rep.NIn)
	rep.Recall5 = ratio(r5, rep.NIn)
	rep.FalseHandoff = ratio(fh, rep.NIn)
	rep.HandoffRecal = ratio(hr, rep.NOOS)
	rep.ClarifyRate = ratio(clar, len(rows))
	rep.AUROC = round3(answer.AUROC(conf, correct))
	rep.ECE = round3(answer.ECE(conf, correct, 10))
	other := make([]bool, len(rows))
	for i, r := range rows {
		other[i] = otherTrigger(r)
	}
	rec, t := recallAtFalse(rows, inScope, other, 0.10)
	rep.RecallAtFH10, rep.AtThreshold = round3(rec), round3(t)
	rec, _ = recallAtFalse(rows, cosine, make([]bool, len(rows)), 0.10)
	rep.CosineAtFH10 = round3(rec)
	rep.InScopeAUROC = round3(answer.AUROC(inScope, isIn))
	rep.InScopeECE = round3(answer.ECE(inScope, isIn, 10))
	rep.AnsweredWrong = round3(ratio(wrong, answered))
	rep.GoldSuggested = round3(ratio(suggested, clarIn))
	rep.NegativeFire = round3(ratio(negIn, rep.NIn))
	return rep
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return round3(float64(a) / float64(b))
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func readQueries(path string) ([]evalQuery, error) {
	qs, err := readJSONL[evalQuery](path)
	if err != nil {
		return nil, err
	}
	for i := range qs {
		if qs[i].Collection == "" {
			qs[i].Collection = kb.DefaultCollection
		}
	}
	return qs, nil
}

// readJSONL decodes a file of JSON values, one after another (JSON Lines).
func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	dec := json.NewDecoder(bufio.NewReader(f))
	for n := 1; ; n++ {
		var v T
		err := dec.Decode(&v)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", path, n, err)
		}
		out = append(out, v)
	}
}

func writeRows(path string, rows []evalRow) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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

package evaluate

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/retrieval"
)

// Env is a bot over a throwaway data directory holding one knowledge
// base, its classifiers trained and its indexes built: what a server has
// in the end, there from the first query.
type Env struct {
	Bot      *answer.Bot
	Searcher *retrieval.Searcher
}

// Opener opens an Env holding the knowledge base at kbPath; closeEnv
// closes it and removes its data directory. cmd/baton opens one from its
// App, which this package cannot import.
type Opener func(ctx context.Context, kbPath string) (env Env, closeEnv func(), err error)

// Harness runs evaluation queries on the bots Open opens.
type Harness struct {
	Open Opener
	// BootstrapClassified, for fitting the fusion, uses the classifier
	// ranking even when the fusion model has no weights for it yet.
	BootstrapClassified bool
}

// SetFiles returns the knowledge base and queries of the evaluation set
// in dir.
func SetFiles(dir string) (kbPath, queriesPath string) {
	return filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "queries.jsonl")
}

// Evaluate ingests the knowledge base into a throwaway data directory and
// runs every query through the bot, a fresh conversation each, as a
// customer would.
func (h Harness) Evaluate(ctx context.Context, kbPath, queriesPath string) ([]Row, Report, error) {
	rows, reps, err := h.EvaluateModes(ctx, kbPath, queriesPath, []string{""})
	if err != nil {
		return nil, Report{}, err
	}
	return rows[0], reps[0], nil
}

// EvaluateModes ingests once and runs the queries once per search mode
// ("" for the configured one, "keyword", "vector", "classifier").
func (h Harness) EvaluateModes(ctx context.Context, kbPath, queriesPath string, modes []string) ([][]Row, []Report, error) {
	env, closeEnv, err := h.Open(ctx, kbPath)
	if err != nil {
		return nil, nil, err
	}
	defer closeEnv()
	if fm := env.Searcher.Fusion; h.BootstrapClassified && len(fm.Classified.Weights) == 0 {
		boot := *fm
		boot.Classified = retrieval.Linear{Weights: slices.Clone(fm.Hybrid.Weights), Bias: fm.Hybrid.Bias}
		env.Searcher.Fusion = &boot
	}
	qs, err := ReadQueries(queriesPath)
	if err != nil {
		return nil, nil, err
	}
	var allRows [][]Row
	var reps []Report
	for _, mode := range modes {
		env.Searcher.Only = mode
		rows, rep, err := Run(ctx, env, qs)
		if err != nil {
			return nil, nil, err
		}
		allRows = append(allRows, rows)
		reps = append(reps, rep)
	}
	return allRows, reps, nil
}

// CachedRows returns the hybrid rows of the set in dir, from
// cache/<set>.rows.jsonl when present (written there otherwise); with no
// cache, always by running the queries.
func (h Harness) CachedRows(ctx context.Context, dir, cache string) ([]Row, error) {
	path := ""
	if cache != "" {
		path = filepath.Join(cache, filepath.Base(dir)+".rows.jsonl")
		if rows, err := ReadRows(path); err == nil && len(rows) > 0 {
			return rows, nil
		}
	}
	kbPath, queriesPath := SetFiles(dir)
	rows, _, err := h.Evaluate(ctx, kbPath, queriesPath)
	if err != nil {
		return nil, err
	}
	if path != "" {
		if err := WriteRows(path, rows); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// Run asks every query in a fresh conversation and reports on the turns.
func Run(ctx context.Context, env Env, qs []Query) ([]Row, Report, error) {
	var rep Report
	start := time.Now()
	rows := make([]Row, 0, len(qs))
	for _, q := range qs {
		conv, _, err := env.Bot.Start(ctx, q.Collection, "auto", nil)
		if err != nil {
			return nil, rep, err
		}
		res, err := env.Bot.Turn(ctx, conv, q.Query)
		if err != nil {
			return nil, rep, fmt.Errorf("eval %q: %w", q.Query, err)
		}
		rows = append(rows, RowOf(q, res))
	}
	rep = Summarize(rows)
	rep.Search = env.Searcher.Mode()
	rep.Seconds = math.Round(time.Since(start).Seconds()*100) / 100
	return rows, rep, nil
}

// RowOf records the turn the bot took on q: correct when its first
// citation is q's gold article.
func RowOf(q Query, res *answer.TurnResult) Row {
	row := Row{Query: q.Query, Collection: q.Collection, Band: res.Reply.Band, Reasons: res.Reply.Reasons, Confidence: res.Reply.Confidence, InScope: res.Reply.InScope, Negative: res.Signals.Negative}
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
		row.InScopeFeatures = res.Composed.InScopeFeatures
		for i, h := range res.Composed.Hits {
			if i < 5 {
				row.Top = append(row.Top, h.ArticleID)
			}
			row.Hits = append(row.Hits, Hit{h.ArticleID, h.Ranks, h.Scores, h.Features})
		}
	}
	row.Correct = row.Gold != "" && len(res.Reply.Citations) > 0 && res.Reply.Citations[0].ArticleID == row.Gold
	return row
}

// AnsweredRight reports whether the bot's first article for q is q's
// right one (never, when q has none).
func AnsweredRight(q Query, res *answer.Result) bool {
	return q.GoldID != nil && len(res.Reply.Citations) > 0 && res.Reply.Citations[0].ArticleID == *q.GoldID
}

package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/cmd/internal/evaluate"
)

// recalibrationFile, in the data directory, holds each collection's
// recalibration of the confidence model.
const recalibrationFile = "recalibration.json"

// timeNow stamps the recalibrations.
var timeNow = time.Now

// Defaults of the per-collection recalibration: a collection needs this
// many labelled questions (agents' verdicts, customers' thumbs) before its
// confidence is refitted, and the server refits this often.
const (
	defaultRecalibrateMin   = 100
	defaultRecalibrateEvery = time.Hour
)

// Recalibrate refits the confidence of every collection with at least
// minLabels labelled questions (see verdictQueries) on them, installs the
// recalibrations and saves them; collections with fewer keep the model's
// own confidence. Each question is asked again against the knowledge base
// as it is now, so the fit sees what the bot would answer today.
func (a *App) Recalibrate(ctx context.Context, minLabels int) (map[string]answer.Recalibration, error) {
	qs, err := verdictQueries(ctx, a.Store)
	if err != nil {
		return nil, fmt.Errorf("recalibrate: %w", err)
	}
	byCollection := map[string][]evaluate.Query{}
	for _, q := range qs {
		byCollection[q.Collection] = append(byCollection[q.Collection], q)
	}
	out := map[string]answer.Recalibration{}
	for c, cqs := range byCollection {
		if len(cqs) < minLabels {
			continue
		}
		var conf, scope []float64
		var right, in []bool
		for _, q := range cqs {
			res, err := a.Bot.Composer.Compose(ctx, c, q.Query)
			if err != nil {
				return nil, fmt.Errorf("recalibrate %s: %w", c, err)
			}
			if len(res.Hits) == 0 {
				continue // handed off whatever the confidence
			}
			conf = append(conf, res.ModelConfidence)
			right = append(right, evaluate.AnsweredRight(q, res))
			if q.InScope != nil {
				scope = append(scope, res.ModelInScope)
				in = append(in, *q.InScope)
			}
		}
		if len(conf) < minLabels {
			continue
		}
		r, err := answer.FitRecalibration(conf, right)
		if err != nil {
			return nil, fmt.Errorf("recalibrate %s: %w", c, err)
		}
		if len(scope) >= minLabels {
			s, err := answer.FitRecalibration(scope, in)
			if err != nil {
				return nil, fmt.Errorf("recalibrate %s in scope: %w", c, err)
			}
			r.InScopeA, r.InScopeB, r.InScopeN, r.InScopeIn = s.A, s.B, s.N, s.Correct
		}
		r.FittedAt = timeNow().UTC()
		out[c] = r
	}
	a.Bot.Composer.Recalibrations.Set(out)
	if err := a.Bot.Composer.Recalibrations.Save(filepath.Join(a.Config.Data, recalibrationFile)); err != nil {
		return nil, err
	}
	return out, nil
}

// RunRecalibrator refits the recalibrations every interval until ctx
// ends; onErr hears failures, and report the collections refitted.
func (a *App) RunRecalibrator(ctx context.Context, every time.Duration, minLabels int, report func(map[string]answer.Recalibration), onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rs, err := a.Recalibrate(ctx, minLabels)
		switch {
		case err != nil && ctx.Err() == nil:
			onErr(err)
		case err == nil:
			report(rs)
		}
	}
}

// printRecalibrations writes one line per collection.
func printRecalibrations(w io.Writer, rs map[string]answer.Recalibration, minLabels int) {
	if len(rs) == 0 {
		fmt.Fprintf(w, "no collection has %d labelled questions yet; confidence stays the model's own\n", minLabels)
		return
	}
	for _, c := range slices.Sorted(maps.Keys(rs)) {
		r := rs[c]
		fmt.Fprintf(w, "%s: %d labelled questions, %d answered right; confidence = sigmoid(%.3f * logit(model) %+.3f)\n", c, r.N, r.Correct, r.A, r.B)
	}
}

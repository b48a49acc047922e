package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres"
)

// recalibrationFile, in the data directory, holds each collection's
// recalibration of the confidence model on SQLite; on PostgreSQL it is
// the recalibrationsSetting every node shares.
const recalibrationFile = "recalibration.json"

// Keys in PostgreSQL's settings: the recalibrations, and the claim of the
// periodic refit that one node per period wins (see recalibrateOnce).
const (
	recalibrationsSetting = "recalibrations"
	recalibrateClaim      = "recalibrations.refit"
)

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
	if err := a.saveRecalibrations(ctx, a.Bot.Composer.Recalibrations); err != nil {
		return nil, err
	}
	return out, nil
}

// loadRecalibrations reads the saved recalibrations: from the database on
// PostgreSQL, so every node has the same, else from the data directory;
// none saved yet is none.
func (a *App) loadRecalibrations(ctx context.Context) (*answer.Recalibrations, error) {
	doc, err := a.sharedDoc(ctx, recalibrationsSetting, recalibrationFile)
	if errors.Is(err, kb.ErrNotFound) {
		return &answer.Recalibrations{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load recalibrations: %w", err)
	}
	return answer.DecodeRecalibrations(doc)
}

// saveRecalibrations saves rs where loadRecalibrations reads them; on
// PostgreSQL the other nodes are told to reload them.
func (a *App) saveRecalibrations(ctx context.Context, rs *answer.Recalibrations) error {
	doc, err := rs.Encode()
	if err != nil {
		return err
	}
	if err := a.saveSharedDoc(ctx, recalibrationsSetting, recalibrationFile, doc, escalate.EventRecalibrations); err != nil {
		return fmt.Errorf("save recalibrations: %w", err)
	}
	return nil
}

// reloadRecalibrations applies the recalibrations saved in the database
// (why says what changed them, for the log); a failure keeps those in
// force and is logged.
func (a *App) reloadRecalibrations(ctx context.Context, why string) {
	rs, err := a.loadRecalibrations(ctx)
	if err != nil {
		a.Log.Error("recalibrations not reloaded", "err", err)
		return
	}
	a.Bot.Composer.Recalibrations.Set(rs.All())
	a.Log.Info("recalibrations reloaded: "+why, "collections", len(rs.All()))
}

// recalibrateOnce is the server's periodic refit: on SQLite it refits;
// on PostgreSQL one node per period does (the one that claims it, see
// postgres.Store.ClaimPeriod) and the others reload what it saved
// instead, so nodes never refit the same labels side by side nor
// disagree. The claim lapses a tenth of every early, so a node whose
// ticker fires a moment before the period is up still wins its next
// turn. fitted says whether this node refitted.
func (a *App) recalibrateOnce(ctx context.Context, every time.Duration, minLabels int) (rs map[string]answer.Recalibration, fitted bool, err error) {
	if pg, ok := a.Store.(*postgres.Store); ok {
		won, err := pg.ClaimPeriod(ctx, recalibrateClaim, every-every/10)
		if err != nil {
			return nil, false, fmt.Errorf("recalibrate: %w", err)
		}
		if !won {
			// Another node refits, or just has; its event reloads them
			// here too, this catches one that was lost.
			a.reloadRecalibrations(ctx, "refitted by another node")
			return nil, false, nil
		}
	}
	rs, err = a.Recalibrate(ctx, minLabels)
	return rs, err == nil, err
}

// RunRecalibrator refits the recalibrations every interval until ctx
// ends (once per interval among the nodes sharing a PostgreSQL database,
// see recalibrateOnce); onErr hears failures, and report the collections
// this node refitted.
func (a *App) RunRecalibrator(ctx context.Context, every time.Duration, minLabels int, report func(map[string]answer.Recalibration), onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rs, fitted, err := a.recalibrateOnce(ctx, every, minLabels)
		switch {
		case err != nil && ctx.Err() == nil:
			onErr(err)
		case fitted:
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

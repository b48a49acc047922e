package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/cmd/internal/bench"
	"github.com/batonhq/baton/kb"
)

// measureSelfThreshold measures a collection's own hand-off threshold
// (see answer.SelfQuantile) on a throwaway copy of its articles, with
// answer.SelfHoldOut of its similar questions taken out and asked. ok is
// false when the collection has too few similar questions to measure
// one. The threshold's Key is left to the caller.
func (a *App) measureSelfThreshold(ctx context.Context, collection string, arts []*kb.Article) (t answer.SelfThreshold, ok bool, err error) {
	n := answer.SelfHoldOut(arts)
	if n == 0 {
		return t, false, nil
	}
	reduced, held := answer.HoldOutQuestions(arts, n)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, r := range reduced {
		if err := enc.Encode(bench.Article{ID: r.ID, Title: r.Title, Body: r.Body, Lang: r.Lang, Questions: r.Questions, Collection: collection}); err != nil {
			return t, false, err
		}
	}
	tmp, err := os.MkdirTemp("", "baton-self-")
	if err != nil {
		return t, false, err
	}
	defer os.RemoveAll(tmp)
	kbPath := filepath.Join(tmp, "kb.jsonl")
	if err := os.WriteFile(kbPath, buf.Bytes(), 0o600); err != nil {
		return t, false, err
	}
	// The copy: the embedded store, this app's model and models, no
	// policies, recalibrations or database of its own.
	cfg := a.Config
	cfg.DatabaseURL, cfg.Policy, cfg.Collection = "", "", collection
	if cfg.embedder, err = a.Searcher.KnownTexts(ctx, arts); err != nil {
		return t, false, err
	}
	shadow, closeShadow, err := openEvalApp(ctx, cfg, kbPath)
	if err != nil {
		return t, false, err
	}
	defer closeShadow()
	recal, hasRecal := a.Bot.Composer.Recalibrations.Get(collection)
	scores := make([]float64, 0, len(held))
	for _, h := range held {
		res, err := shadow.Bot.Composer.Compose(ctx, collection, h.Text)
		if err != nil {
			return t, false, fmt.Errorf("measure hand-off threshold of %s: %w", collection, err)
		}
		s := res.ModelInScope
		if len(res.Hits) == 0 {
			s = 0
		}
		// Compared with the in_scope the collection's turns get, which is
		// after its recalibration.
		if hasRecal {
			s = recal.ApplyInScope(s)
		}
		scores = append(scores, s)
	}
	thr, ok := answer.SelfThresholdOf(scores)
	return answer.SelfThreshold{Threshold: thr, Questions: len(held)}, ok, nil
}

// MeasureSelfThresholds measures the hand-off threshold of every
// collection whose articles changed since it was last measured, and
// installs it in the bot. onErr hears of a collection that failed; the
// others go on.
func (a *App) MeasureSelfThresholds(ctx context.Context, onErr func(string, error)) {
	if a.Searcher.Embedder() == nil {
		return // keyword-only: in_scope is the confidence, nothing to measure
	}
	colls, err := a.Store.Collections(ctx)
	if err != nil {
		onErr("", err)
		return
	}
	for _, c := range colls {
		arts, err := a.Store.Articles(ctx, c)
		if err != nil {
			onErr(c, err)
			continue
		}
		key := answer.ArticlesKey(arts)
		if t, ok := a.Bot.SelfThresholds.Get(c); ok && t.Key == key {
			continue
		}
		start := time.Now()
		t, ok, err := a.measureSelfThreshold(ctx, c, arts)
		if err != nil {
			if ctx.Err() == nil {
				onErr(c, err)
			}
			continue
		}
		if !ok {
			t = answer.SelfThreshold{} // measured: too few questions
		}
		t.Key = key
		a.Bot.SelfThresholds.Set(c, t)
		if ok {
			a.Log.Info("hand-off threshold measured", "collection", c, "threshold", fmt.Sprintf("%.3f", t.Threshold), "questions", t.Questions, "took", time.Since(start).Round(time.Millisecond))
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/retrieval/onnx"
)

// evalRephrase scores every pair of file with the shipped rephrase model
// (evaluate.EvalRephrase). The shipped model was fitted on the same dev
// file, so these figures are in-sample; `baton calibrate --task rephrase`
// reports cross-validated ones.
func evalRephrase(ctx context.Context, cfg Config, file string, kbPaths []string, asJSON bool, stdout io.Writer, log *slog.Logger) error {
	pairs, err := evaluate.ReadRephrasePairs(file)
	if err != nil {
		return err
	}
	search, err := evalHarness(cfg).OpenRephraseSearch(ctx, kbPaths)
	if err != nil {
		return err
	}
	defer search.Close()
	emb, err := openTriggerEmbedder(cfg, log, "rephrase")
	if err != nil {
		return err
	}
	model := "lexical"
	var r *escalate.Rephraser
	if emb != nil {
		defer emb.Close()
		model = "lexical+" + onnx.ModelName
		r = escalate.NewRephraser(evaluate.Memo(emb))
		if search != nil {
			model += "+retrieval"
		}
	} else {
		r = escalate.NewRephraser(nil)
	}
	byLang, err := evaluate.EvalRephrase(ctx, r, search, pairs)
	if err != nil {
		return err
	}
	report := struct {
		N        int                       `json:"n"`
		Model    string                    `json:"model"`
		InSample bool                      `json:"in_sample"`
		EN       *evaluate.RephraseMetrics `json:"en,omitempty"`
		ZH       *evaluate.RephraseMetrics `json:"zh,omitempty"`
	}{N: len(pairs), Model: model, InSample: true}
	if m, ok := byLang["en"]; ok {
		report.EN = &m
	}
	if m, ok := byLang["zh"]; ok {
		report.ZH = &m
	}
	if asJSON {
		b, err := json.Marshal(report)
		if err != nil {
			return fmt.Errorf("eval rephrase: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	fmt.Fprintf(stdout, "rephrase, model %s, %d pairs (in-sample: the shipped model was fitted on this file)\n", model, len(pairs))
	fmt.Fprintf(stdout, "%-4s %6s %9s %10s %7s %6s\n", "lang", "n", "accuracy", "precision", "recall", "f1")
	for _, lang := range slices.Sorted(maps.Keys(byLang)) {
		m := byLang[lang]
		fmt.Fprintf(stdout, "%-4s %6d %9.3f %10.3f %7.3f %6.3f\n", lang, m.N, m.Accuracy, m.Precision, m.Recall, m.F1)
	}
	return nil
}

// fitRephrase fits the rephrase regressions (evaluate.FitRephrase),
// reports their cross-validated figures and weights on stderr and writes
// the model to out (stdout when empty). The embedding model must be
// installed.
func fitRephrase(ctx context.Context, cfg Config, file string, kbPaths []string, out string, stdout, stderr io.Writer, log *slog.Logger) error {
	pairs, err := evaluate.ReadRephrasePairs(file)
	if err != nil {
		return err
	}
	search, err := evalHarness(cfg).OpenRephraseSearch(ctx, kbPaths)
	if err != nil {
		return err
	}
	defer search.Close()
	emb, err := openTriggerEmbedder(cfg, log, "rephrase")
	if err != nil {
		return err
	}
	if emb == nil {
		return fmt.Errorf("calibrate --task rephrase: fitting both variants needs the local embedding model (not --embedder none); install it with `bash scripts/setup-model.sh`")
	}
	defer emb.Close()
	m, cvs, err := evaluate.FitRephrase(ctx, evaluate.Memo(emb), search, pairs, file, kbPaths)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "rephrase: %d-fold stratified cross-validation (seed %d); decision: cue or p >= 0.5\n", evaluate.RephraseFolds, evaluate.RephraseSeed)
	fmt.Fprintf(stderr, "%-4s %-36s %6s %9s %10s %7s %6s\n", "lang", "model", "n", "accuracy", "precision", "recall", "f1")
	for _, cv := range cvs {
		fmt.Fprintf(stderr, "%-4s %-36s %6d %9.3f %10.3f %7.3f %6.3f\n", cv.Lang, cv.Variant, cv.N, cv.Accuracy, cv.Precision, cv.Recall, cv.F1)
	}
	langs := map[string]bool{}
	for _, cv := range cvs {
		langs[cv.Lang] = true
	}
	for _, lang := range slices.Sorted(maps.Keys(langs)) {
		for _, v := range []struct {
			name string
			reg  escalate.RephraseRegression
		}{{"lexical", m.Lexical[lang]}, {"embedding", m.Embedding[lang]}, {"retrieval", m.Retrieval[lang]}} {
			if len(v.reg.Weights) == 0 {
				continue
			}
			fmt.Fprintf(stderr, "%s %s weights:", lang, v.name)
			for i, w := range v.reg.Weights {
				fmt.Fprintf(stderr, " %s=%.2f", v.reg.Features[i], w)
			}
			fmt.Fprintf(stderr, " bias=%.2f\n", v.reg.Bias)
		}
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if err := writeModel(out, stdout, m); err != nil {
		return fmt.Errorf("calibrate rephrase: %w", err)
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/escalate"
)

// evalSentiment scores every row of file with the shipped model, as the bot
// does, and prints precision, recall and F1 of the negative class per
// language (evaluate.EvalSentiment).
func evalSentiment(ctx context.Context, cfg Config, file string, asJSON bool, stdout io.Writer, log *slog.Logger) error {
	rows, sum, err := evaluate.ReadSentimentRows(file)
	if err != nil {
		return err
	}
	shipped, err := escalate.ShippedSentimentModel()
	if err != nil {
		return err
	}
	emb, err := openTriggerEmbedder(cfg, log, "sentiment")
	if err != nil {
		return err
	}
	var s *escalate.Sentiment
	if emb != nil {
		defer emb.Close()
		s = escalate.NewSentiment(emb)
	} else {
		s = escalate.NewSentiment(nil)
	}
	rep, err := evaluate.EvalSentiment(ctx, s, shipped, rows, sum)
	if err != nil {
		return err
	}
	if asJSON {
		b, err := json.Marshal(rep)
		if err != nil {
			return fmt.Errorf("eval sentiment: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	fmt.Fprintf(stdout, "sentiment, model %s, %d rows, negative if p >= %.2f\n", rep.Model, rep.N, rep.Threshold)
	if rep.Note != "" {
		fmt.Fprintf(stdout, "note: %s\n", rep.Note)
	}
	printSentimentTable(stdout, "", map[string]*evaluate.SentimentPRF{"en": rep.EN, "zh": rep.ZH})
	for _, line := range rep.CV {
		fmt.Fprintf(stdout, "cv: %s\n", line)
	}
	return nil
}

// fitSentiment fits the lexicon-only and the embedding variants
// (evaluate.FitSentiment), reports their cross-validated figures per
// language on stderr, and writes the model to out (stdout when empty).
// Without the embedding model only the lexicon variant is written.
func fitSentiment(ctx context.Context, cfg Config, file, out string, stdout, stderr io.Writer, log *slog.Logger) error {
	rows, sum, err := evaluate.ReadSentimentRows(file)
	if err != nil {
		return err
	}
	emb, err := openTriggerEmbedder(cfg, log, "sentiment")
	if err != nil {
		return err
	}
	var e escalate.Embedder
	if emb != nil {
		defer emb.Close()
		e = emb
	}
	m, variants, err := evaluate.FitSentiment(ctx, e, rows, sum, file)
	if err != nil {
		return err
	}
	if emb == nil {
		fmt.Fprintf(stderr, "sentiment: no embedding model (--embedder none, or not installed: bash scripts/setup-model.sh): fitting the lexicon variant only\n")
	}
	fmt.Fprintf(stderr, "sentiment: %d-fold cross-validation stratified by language and label (seed %d), negative if p >= %.2f\n",
		evaluate.SentimentFolds, evaluate.SentimentSeed, evaluate.SentimentThreshold)
	for _, v := range variants {
		for _, t := range v.Trials {
			printSentimentTable(stderr, fmt.Sprintf("%s %s", v.Name, t.Penalty), t.Scores)
		}
		fmt.Fprintf(stderr, "%s: %s chosen (the strongest within %.3f F1 of the best in each language)\n", v.Name, v.Trials[v.Chosen].Penalty, evaluate.SentimentL2Slack)
	}
	fmt.Fprintf(stderr, "lexicon weights:")
	for i, w := range m.Lexicon.Weights {
		fmt.Fprintf(stderr, " %s=%.2f", escalate.SentimentFeatureNames[i], w)
	}
	fmt.Fprintf(stderr, " bias=%.2f\n", m.Lexicon.Bias)
	if err := writeModel(out, stdout, m); err != nil {
		return fmt.Errorf("calibrate sentiment: %w", err)
	}
	return nil
}

func printSentimentTable(w io.Writer, title string, scores map[string]*evaluate.SentimentPRF) {
	if title != "" {
		fmt.Fprintf(w, "%s\n", title)
	}
	fmt.Fprintf(w, "  %-4s %6s %10s %7s %6s\n", "lang", "n", "precision", "recall", "f1")
	for _, lang := range []string{"en", "zh"} {
		if s := scores[lang]; s != nil {
			fmt.Fprintf(w, "  %-4s %6d %10.3f %7.3f %6.3f\n", lang, s.N, s.Precision, s.Recall, s.F1)
		}
	}
}

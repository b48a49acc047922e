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

// evalDialogues prints how early the conversation-level triggers would
// hand off the dialogues of file (evaluate.Dialogues), with the
// configured embedder and policy.
func evalDialogues(ctx context.Context, cfg Config, file string, asJSON bool, stdout io.Writer, log *slog.Logger) error {
	ds, err := evaluate.ReadDialogues(file)
	if err != nil {
		return err
	}
	emb, err := openEmbedder(cfg)
	if err != nil {
		return err
	}
	if c, ok := emb.(io.Closer); ok {
		defer c.Close()
	}
	var e escalate.Embedder
	if emb != nil {
		e = emb
	}
	sent, reph := escalate.NewSentiment(e), escalate.NewRephraser(e)
	policy := escalate.DefaultPolicy
	if cfg.Policy != "" {
		pc, err := escalate.LoadConfig(cfg.Policy)
		if err != nil {
			return err
		}
		policy = pc.Default
	}
	reps, err := evaluate.Dialogues(ctx, policy, sent, reph, ds)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"task": "dialogues", "n": len(ds), "sentiment": sent.Variant(), "languages": reps})
	}
	fmt.Fprintln(stdout, "| lang | dissatisfied | handed off | at first turn | median turn | satisfied | handed off (false alarm) |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|")
	for _, r := range reps {
		fmt.Fprintf(stdout, "| %s | %d | %.3f | %.3f | %.1f of %.1f | %d | %.3f |\n", r.Lang, r.Dissatisfied, r.DissatisfiedHandoff,
			r.HandoffAtFirstTurn, r.MedianHandoffTurn, r.MeanCustomerTurns, r.Satisfied, r.SatisfiedHandoff)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/escalate"
)

// leaveOneSetOut prints, for each set, the confidence model fitted on the
// other sets scored on it, with the baseline features and with the extra
// out-of-scope features added (evaluate.LeaveOneSetOut). With cache, each
// set's rows are read from (or written to) cache/<set>.rows.jsonl so that
// variants can be compared without re-running the queries.
func leaveOneSetOut(ctx context.Context, cfg Config, dirs []string, l2 float64, extra []string, current bool, cache string, stdout, stderr io.Writer) error {
	idx, err := evaluate.OOSFeatureIndexes(extra)
	if err != nil {
		return fmt.Errorf("calibrate --loso: %w", err)
	}
	sets, err := cachedSets(ctx, cfg, dirs, cache, stderr)
	if err != nil {
		return err
	}
	folds, err := evaluate.LeaveOneSetOut(sets, l2, idx, current)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "extra features: %v\n\n", extra)
	fmt.Fprintln(stdout, "| held-out set | baseline AUROC | +extra AUROC | baseline ECE | +extra ECE | baseline recall@FH<=0.10 | +extra recall@FH<=0.10 |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|")
	for _, f := range folds {
		fmt.Fprintf(stdout, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", f.Set,
			f.Baseline.AUROC, f.Extra.AUROC, f.Baseline.ECE, f.Extra.ECE, f.Baseline.Recall, f.Extra.Recall)
	}
	return nil
}

// cachedSets reads each set's hybrid rows (see Harness.CachedRows).
func cachedSets(ctx context.Context, cfg Config, dirs []string, cache string, stderr io.Writer) ([]evaluate.RowSet, error) {
	h := evalHarness(cfg)
	var sets []evaluate.RowSet
	for _, dir := range dirs {
		name := filepath.Base(dir)
		rows, err := h.CachedRows(ctx, dir, cache)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "%s: %d rows\n", name, len(rows))
		sets = append(sets, evaluate.RowSet{Name: name, Rows: rows})
	}
	return sets, nil
}

// priorLOSO prints evaluate.PriorLOSO at the default policy's thresholds.
func priorLOSO(ctx context.Context, cfg Config, dirs []string, l2 float64, cache string, stdout, stderr io.Writer) error {
	sets, err := cachedSets(ctx, cfg, dirs, cache, stderr)
	if err != nil {
		return err
	}
	p := escalate.DefaultPolicy
	folds, err := evaluate.PriorLOSO(sets, l2, p.AnswerThreshold, p.HandoffThreshold)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "confidence fitted without each set, at answer %.2f / hand-off %.2f\n\n", p.AnswerThreshold, p.HandoffThreshold)
	fmt.Fprintln(stdout, "| held-out set | self top-1 | AUROC | with prior | ECE | with prior | answered (wrong) | with prior |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|")
	for _, f := range folds {
		self := "none (no shift)"
		if f.SelfTop1 > 0 {
			self = fmt.Sprintf("%.3f", f.SelfTop1)
		}
		fmt.Fprintf(stdout, "| %s | %s | %.3f | %.3f | %.3f | %.3f | %d (%.3f) | %d (%.3f) |\n", f.Set, self,
			f.Without.AUROC, f.With.AUROC, f.Without.ECE, f.With.ECE,
			f.Without.Answered, f.Without.AnsweredWrong, f.With.Answered, f.With.AnsweredWrong)
	}
	return nil
}

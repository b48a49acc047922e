package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/batonhq/baton/answer"
	evalpkg "github.com/batonhq/baton/cmd/internal/evaluate"
)

// fitInScope fits the in-scope estimate on the sets' turns, printing each
// set's figures with that set left out of the fit, and writes the model
// fitted on all of them to out (stdout when empty).
func fitInScope(ctx context.Context, cfg Config, dirs []string, cache, out string, l2 float64, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(dirs) < 2 {
		return fmt.Errorf("calibrate --task inscope: want at least two set directories, got %d", len(dirs))
	}
	var sets []evalpkg.LabelledSet
	for _, dir := range dirs {
		rows, err := cachedRows(ctx, cfg, dir, cache, log)
		if err != nil {
			return err
		}
		s := evalpkg.LabelledSet{Name: filepath.Base(dir)}
		for _, r := range rows {
			s.X = append(s.X, answer.InScopeVector(r.Features, answer.OOSFeatures(fusedHits(r.Hits)), r.Confidence))
			s.In = append(s.In, r.Gold != "")
			s.Other = append(s.Other, otherTrigger(r))
		}
		fmt.Fprintf(stderr, "%s: %d rows\n", s.Name, len(rows))
		sets = append(sets, s)
	}
	folds, pooled, m, err := evalpkg.InScopeLOSO(sets, l2)
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr, "| set (left out of the fit) | hand-off recall at false <= 0.10 (threshold) | in_scope AUROC | in_scope ECE |")
	fmt.Fprintln(stderr, "|---|---|---|---|")
	var mean float64
	for _, f := range folds {
		fmt.Fprintf(stderr, "| %s | %.3f (%.2f) | %.3f | %.3f |\n", f.Set, f.RecallAtFH10, f.Threshold, f.AUROC, f.ECE)
		mean += f.RecallAtFH10 / float64(len(folds))
	}
	fmt.Fprintf(stderr, "mean recall %.3f; ECE of the left-out scores pooled %.3f\n", mean, pooled)
	m.FittedOn = fmt.Sprintf("%d sets, each weighing the same: %v", len(sets), names(sets))
	return writeModel(out, stdout, m)
}

func names(sets []evalpkg.LabelledSet) []string {
	var n []string
	for _, s := range sets {
		n = append(n, s.Name)
	}
	return n
}

// cachedRows returns a set's hybrid rows, from cache/<set>.rows.jsonl when
// present (written there otherwise).
func cachedRows(ctx context.Context, cfg Config, dir, cache string, log *slog.Logger) ([]evalRow, error) {
	path := ""
	if cache != "" {
		path = filepath.Join(cache, filepath.Base(dir)+".rows.jsonl")
		if rows, err := readRows(path); err == nil && len(rows) > 0 {
			return rows, nil
		}
	}
	rows, _, err := evaluate(ctx, cfg, filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "queries.jsonl"), log)
	if err != nil {
		return nil, err
	}
	if path != "" {
		if err := writeRows(path, rows); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

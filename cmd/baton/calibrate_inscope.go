package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/batonhq/baton/cmd/internal/evaluate"
)

// fitInScope fits the in-scope estimate on the sets' turns, printing each
// set's figures with that set left out of the fit, and writes the model
// fitted on all of them to out (stdout when empty).
func fitInScope(ctx context.Context, cfg Config, dirs []string, cache, out string, l2 float64, stdout, stderr io.Writer) error {
	if len(dirs) < 2 {
		return fmt.Errorf("calibrate --task inscope: want at least two set directories, got %d", len(dirs))
	}
	h := evalHarness(cfg)
	var sets []evaluate.LabelledSet
	var names []string
	for _, dir := range dirs {
		rows, err := h.CachedRows(ctx, dir, cache)
		if err != nil {
			return err
		}
		s := evaluate.InScopeSet(evaluate.RowSet{Name: filepath.Base(dir), Rows: rows})
		fmt.Fprintf(stderr, "%s: %d rows\n", s.Name, len(rows))
		sets = append(sets, s)
		names = append(names, s.Name)
	}
	folds, pooled, m, err := evaluate.InScopeLOSO(sets, l2)
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
	m.FittedOn = fmt.Sprintf("%d sets, each weighing the same: %v", len(sets), names)
	return writeModel(out, stdout, m)
}

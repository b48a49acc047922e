package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/retrieval"
)

// evalDuplicates groups each set's near-duplicate articles, as the editor
// lists them, and estimates what merging every group would do to top-1
// and recall@5; with sweep, for thresholds 0.80..0.97.
func evalDuplicates(ctx context.Context, cfg Config, dirs []string, threshold float64, sweep, asJSON bool, stdout io.Writer) error {
	if threshold == 0 {
		threshold = retrieval.DefaultDuplicateThreshold
	}
	ths := []float64{threshold}
	if sweep {
		ths = []float64{0.8, 0.85, 0.88, 0.9, 0.92, 0.95, 0.97}
	}
	if !asJSON {
		fmt.Fprintln(stdout, "| set | threshold | groups | articles in groups | top-1 | recall@5 | top-1 merged | recall@5 merged |")
		fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|")
	}
	h := evalHarness(cfg)
	for _, dir := range dirs {
		effects, err := h.Duplicates(ctx, dir, ths)
		if err != nil {
			return err
		}
		for i, e := range effects {
			t := ths[i]
			if asJSON {
				b, _ := json.Marshal(struct {
					Set       string  `json:"set"`
					Threshold float64 `json:"threshold"`
					evaluate.MergeEffect
				}{filepath.Base(dir), t, e})
				fmt.Fprintln(stdout, string(b))
				continue
			}
			fmt.Fprintf(stdout, "| %s | %.2f | %d | %d | %.3f | %.3f | %.3f | %.3f |\n", filepath.Base(dir), t, e.Groups, e.Articles, e.Top1, e.Recall5, e.Top1M, e.Recall5M)
		}
	}
	return nil
}

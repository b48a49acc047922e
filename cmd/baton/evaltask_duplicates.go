package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	evalpkg "github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/retrieval"
)

// evalDuplicates groups each set's near-duplicate articles, as the editor
// lists them, and estimates what merging every group would do to top-1
// and recall@5; with sweep, for thresholds 0.80..0.97.
func evalDuplicates(ctx context.Context, cfg Config, dirs []string, threshold float64, sweep, asJSON bool, stdout io.Writer, log *slog.Logger) error {
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
	for _, dir := range dirs {
		app, closeApp, err := openEvalApp(ctx, cfg, filepath.Join(dir, "kb.jsonl"))
		if err != nil {
			return err
		}
		qs, err := readQueries(filepath.Join(dir, "queries.jsonl"))
		if err != nil {
			closeApp()
			return err
		}
		rows, _, err := runQueries(ctx, app, qs)
		if err != nil {
			closeApp()
			return err
		}
		var rs []evalpkg.Ranked
		collections := map[string]bool{}
		for _, r := range rows {
			collections[r.Collection] = true
			if r.Gold == "" {
				continue
			}
			k := evalpkg.Ranked{Gold: r.Gold}
			for _, h := range r.Hits {
				k.Top = append(k.Top, h.ID)
			}
			rs = append(rs, k)
		}
		for _, t := range ths {
			var groups [][]string
			for c := range collections {
				groups = append(groups, app.Searcher.DuplicateArticles(c, t)...)
			}
			e := evalpkg.Merged(rs, groups)
			if asJSON {
				b, _ := json.Marshal(struct {
					Set       string  `json:"set"`
					Threshold float64 `json:"threshold"`
					evalpkg.MergeEffect
				}{filepath.Base(dir), t, e})
				fmt.Fprintln(stdout, string(b))
				continue
			}
			fmt.Fprintf(stdout, "| %s | %.2f | %d | %d | %.3f | %.3f | %.3f | %.3f |\n", filepath.Base(dir), t, e.Groups, e.Articles, e.Top1, e.Recall5, e.Top1M, e.Recall5M)
		}
		closeApp()
	}
	return nil
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/batonhq/baton/cmd/internal/evaluate"
	"github.com/batonhq/baton/retrieval"
	"github.com/batonhq/baton/retrieval/onnx"
)

// evalClusters clusters the in-scope queries of each set as if they were
// the bot's misses, with the local model, and prints the clusters' scores
// against the queries' gold articles, per set and language, at threshold
// (0: the shipped default) or, with sweep, over evaluate.ClusterSweep.
func evalClusters(ctx context.Context, cfg Config, dirs []string, threshold float64, sweep, asJSON bool, stdout io.Writer, log *slog.Logger) error {
	dirs = slices.DeleteFunc(slices.Clone(dirs), func(d string) bool { return strings.TrimSpace(d) == "" })
	if len(dirs) == 0 {
		return fmt.Errorf("eval --task clusters: --sets is required")
	}
	if threshold == 0 {
		threshold = retrieval.DefaultClusterThreshold
	}
	qs, err := evaluate.ReadClusterQueries(dirs)
	if err != nil {
		return err
	}
	emb, err := openTriggerEmbedder(cfg, log, "clusters")
	if err != nil {
		return err
	}
	if emb == nil {
		return fmt.Errorf("eval --task clusters: needs the local embedding model (not --embedder none); install it with `bash scripts/setup-model.sh`")
	}
	defer emb.Close()
	thresholds := []float64{threshold}
	if sweep {
		thresholds = evaluate.ClusterSweep
	}
	run, err := evaluate.Clusters(ctx, emb, qs, thresholds)
	if err != nil {
		return err
	}
	if asJSON {
		for _, s := range run.Scores {
			b, err := json.Marshal(s)
			if err != nil {
				return fmt.Errorf("eval clusters: %w", err)
			}
			if _, err := fmt.Fprintf(stdout, "%s\n", b); err != nil {
				return err
			}
		}
		return nil
	}
	if sweep {
		fmt.Fprintf(stdout, "clusters: %s, average linkage, thresholds %g..%g; in-scope queries as misses, their gold article as the true group\n",
			onnx.ModelName, thresholds[0], thresholds[len(thresholds)-1])
	} else {
		fmt.Fprintf(stdout, "clusters: %s, average linkage, threshold %g; in-scope queries as misses, their gold article as the true group\n", onnx.ModelName, threshold)
	}
	fmt.Fprintln(stdout, "| threshold | set | lang | n | gold groups | clusters | clusters ≥2 | purity | inverse purity | ARI |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|---|---|---|---|")
	for _, s := range run.Scores {
		fmt.Fprintf(stdout, "| %g | %s | %s | %d | %d | %d | %d | %.3f | %.3f | %.3f |\n",
			s.Threshold, s.Set, s.Lang, s.N, s.GoldGroups, s.Clusters, s.Multi, s.Purity, s.InversePurity, s.ARI)
	}
	fmt.Fprintf(stdout, "embedded %d queries in %.1fs, clustered %d time(s) in %.1fs\n", len(qs), run.Embedded.Seconds(), len(thresholds), run.Clustered.Seconds())
	return nil
}

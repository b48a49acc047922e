package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/retrieval"
)

var timeNow = time.Now

// runCalibrate fits the confidence model on labelled sets. Each argument is
// a directory holding kb.jsonl and queries.jsonl; rows of all sets are
// pooled so one model serves every kind of knowledge base.
func runCalibrate(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	out := fs.String("out", "", "write the fitted model here (JSON); stdout when empty")
	l2 := fs.Float64("l2", 1, "L2 penalty")
	task := fs.String("task", "", "fit another model instead of confidence: fusion (on DIR...), sentiment or rephrase (with --file)")
	file := fs.String("file", "", "labelled file for --task")
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	if *task == "fusion" {
		return fitFusion(ctx, cfg, fs.Args(), *out, *l2, stdout, stderr, log)
	}
	if *task != "" {
		return runFitTask(ctx, cfg, *task, *file, *out, stdout, stderr, log)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("calibrate: name directories holding kb.jsonl and queries.jsonl")
	}
	// Hybrid turns and keyword-only turns (no embedder, or it failing)
	// get a model each.
	modes := []string{"", "keyword"}
	xs, ys, ws := make([][][]float64, 2), make([][]bool, 2), make([][]float64, 2)
	var names []string
	for _, dir := range fs.Args() {
		rows, _, err := evaluateModes(ctx, cfg, filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "queries.jsonl"), modes, log)
		if err != nil {
			return err
		}
		for m, mrows := range rows {
			// Each set weighs the same in total, whatever its size.
			for _, r := range mrows {
				xs[m] = append(xs[m], r.Features.Vector())
				ys[m] = append(ys[m], r.Correct)
				ws[m] = append(ws[m], 1000/float64(len(mrows)))
			}
		}
		names = append(names, filepath.Base(dir))
		fmt.Fprintf(stderr, "%s: %d rows\n", dir, len(rows[0]))
	}
	m, err := answer.Fit(xs[0], ys[0], ws[0], *l2)
	if err != nil {
		return err
	}
	if m.Keyword, err = answer.Fit(xs[1], ys[1], ws[1], *l2); err != nil {
		return err
	}
	m.FittedOn = fmt.Sprintf("baton calibrate on %s (%d rows)", strings.Join(names, ", "), len(xs[0]))
	b, _ := json.MarshalIndent(m, "", "  ")
	b = append(b, '\n')
	if *out == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(*out, b, 0o644)
}

// fitFusion fits the linear fusion of the rankings: for every query of
// every set, each candidate article is a row labelled by whether it is the
// gold one. Keyword-only and hybrid get their own weights.
func fitFusion(ctx context.Context, cfg Config, dirs []string, out string, l2 float64, stdout, stderr io.Writer, log *slog.Logger) error {
	if len(dirs) == 0 {
		return fmt.Errorf("calibrate --task fusion: name directories holding kb.jsonl and queries.jsonl")
	}
	type data struct {
		xs [][]float64
		ys []bool
		ws []float64
	}
	modes := []string{"keyword", ""}
	per := make([]data, len(modes))
	var names []string
	for _, dir := range dirs {
		rows, _, err := evaluateModes(ctx, cfg, filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "queries.jsonl"), modes, log)
		if err != nil {
			return err
		}
		for m, mrows := range rows {
			var n int
			for _, r := range mrows {
				if r.Gold != "" {
					n++
				}
			}
			for _, r := range mrows {
				if r.Gold == "" {
					continue
				}
				for _, h := range r.Hits {
					per[m].xs = append(per[m].xs, h.Features)
					per[m].ys = append(per[m].ys, h.ID == r.Gold)
					// Each set weighs the same in total, whatever its size.
					per[m].ws = append(per[m].ws, 1000/float64(n))
				}
			}
		}
		names = append(names, filepath.Base(dir))
		fmt.Fprintf(stderr, "%s: done\n", dir)
	}
	var fm retrieval.FusionModel
	for m, d := range per {
		if len(d.xs) == 0 {
			continue
		}
		lr, err := answer.Fit(d.xs, d.ys, d.ws, l2)
		if err != nil {
			return err
		}
		lin := retrieval.Linear{Weights: lr.Weights, Bias: lr.Bias}
		if modes[m] == "keyword" {
			fm.Keyword = lin
		} else {
			fm.Hybrid = lin
		}
	}
	fm.FittedOn = fmt.Sprintf("baton calibrate --task fusion on %s", strings.Join(names, ", "))
	b, _ := json.MarshalIndent(fm, "", "  ")
	b = append(b, '\n')
	if out == "" {
		_, err := stdout.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o644)
}

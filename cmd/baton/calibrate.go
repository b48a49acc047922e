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
	task := fs.String("task", "", "fit a trigger model instead of confidence: sentiment or rephrase (with --file)")
	file := fs.String("file", "", "labelled file for --task")
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	if *task != "" {
		return runFitTask(ctx, cfg, *task, *file, *out, stdout, stderr, log)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("calibrate: name directories holding kb.jsonl and queries.jsonl")
	}
	var xs [][]float64
	var ys []bool
	var ws []float64
	var names []string
	for _, dir := range fs.Args() {
		rows, _, err := evaluate(ctx, cfg, filepath.Join(dir, "kb.jsonl"), filepath.Join(dir, "queries.jsonl"), log)
		if err != nil {
			return err
		}
		// Each set weighs the same in total, whatever its size.
		for _, r := range rows {
			xs = append(xs, r.Features.Vector())
			ys = append(ys, r.Correct)
			ws = append(ws, 1000/float64(len(rows)))
		}
		names = append(names, filepath.Base(dir))
		fmt.Fprintf(stderr, "%s: %d rows\n", dir, len(rows))
	}
	m, err := answer.Fit(xs, ys, ws, *l2)
	if err != nil {
		return err
	}
	m.FittedOn = fmt.Sprintf("baton calibrate on %s (%d rows)", strings.Join(names, ", "), len(xs))
	b, _ := json.MarshalIndent(m, "", "  ")
	b = append(b, '\n')
	if *out == "" {
		_, err = stdout.Write(b)
		return err
	}
	return os.WriteFile(*out, b, 0o644)
}

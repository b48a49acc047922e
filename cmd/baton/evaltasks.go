package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// runEvalTask evaluates one trigger model on a labelled file; kbs are the
// knowledge bases the rephrase task searches the pairs' messages in.
func runEvalTask(ctx context.Context, cfg Config, task, file string, kbs []string, asJSON bool, stdout io.Writer, log *slog.Logger) error {
	if file == "" {
		return fmt.Errorf("eval --task %s: --file is required", task)
	}
	switch task {
	case "sentiment":
		return evalSentiment(ctx, cfg, file, asJSON, stdout, log)
	case "rephrase":
		return evalRephrase(ctx, cfg, file, kbs, asJSON, stdout, log)
	case "dialogues":
		return evalDialogues(ctx, cfg, file, asJSON, stdout, log)
	default:
		return fmt.Errorf("eval: unknown task %q (want sentiment, rephrase, dialogues or clusters)", task)
	}
}

// runFitTask fits one trigger model on a labelled file; kbs as for
// runEvalTask.
func runFitTask(ctx context.Context, cfg Config, task, file string, kbs []string, out string, stdout, stderr io.Writer, log *slog.Logger) error {
	if file == "" {
		return fmt.Errorf("calibrate --task %s: --file is required", task)
	}
	switch task {
	case "sentiment":
		return fitSentiment(ctx, cfg, file, out, stdout, stderr, log)
	case "rephrase":
		return fitRephrase(ctx, cfg, file, kbs, out, stdout, stderr, log)
	default:
		return fmt.Errorf("calibrate: unknown task %q (want sentiment or rephrase)", task)
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// TEMPORARY: replaced by the sentiment task implementation.
func evalSentiment(ctx context.Context, cfg Config, file string, asJSON bool, stdout io.Writer, log *slog.Logger) error {
	return fmt.Errorf("eval --task sentiment: not implemented yet")
}

// TEMPORARY: replaced by the sentiment task implementation.
func fitSentiment(ctx context.Context, cfg Config, file, out string, stdout, stderr io.Writer, log *slog.Logger) error {
	return fmt.Errorf("calibrate --task sentiment: not implemented yet")
}

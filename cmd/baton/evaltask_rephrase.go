package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// TEMPORARY: replaced by the rephrase task implementation.
func evalRephrase(ctx context.Context, cfg Config, file string, asJSON bool, stdout io.Writer, log *slog.Logger) error {
	return fmt.Errorf("eval --task rephrase: not implemented yet")
}

// TEMPORARY: replaced by the rephrase task implementation.
func fitRephrase(ctx context.Context, cfg Config, file, out string, stdout, stderr io.Writer, log *slog.Logger) error {
	return fmt.Errorf("calibrate --task rephrase: not implemented yet")
}

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
)

// TEMPORARY: replaced by the dialogues task implementation.
func evalDialogues(ctx context.Context, cfg Config, file string, asJSON bool, stdout io.Writer, log *slog.Logger) error {
	return fmt.Errorf("eval --task dialogues: not implemented yet")
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("ingest: name at least one file or directory")
	}
	app, err := OpenApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()
	// A progress bar only on a terminal; logs and CI get the summary line.
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var bar *progressbar.ProgressBar
		app.Ingester.Progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("ingesting"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			}
			bar.Set(done)
		}
	}
	sum, err := app.Ingester.IngestPaths(ctx, fs.Args(), cfg.Collection)
	if err != nil {
		return err
	}
	for _, f := range sum.Files {
		if f.Err != "" {
			fmt.Fprintf(stderr, "%s: %s\n", f.Path, f.Err)
		}
	}
	fmt.Fprintln(stdout, sum.String())
	if sum.Failed > 0 {
		return fmt.Errorf("%d of %d files failed", sum.Failed, len(sum.Files))
	}
	return nil
}

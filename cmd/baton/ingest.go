package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

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
	// A progress bar (with the time left) on a terminal; elsewhere a log
	// line every logEvery with the rate and the time left.
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var bar *progressbar.ProgressBar
		app.Ingester.Progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription("ingesting"), progressbar.OptionShowCount(),
					progressbar.OptionSetItsString("files"), progressbar.OptionShowIts(), progressbar.OptionClearOnFinish())
			}
			if total != bar.GetMax() {
				bar.ChangeMax(total)
			}
			bar.Set(done)
		}
	} else {
		app.Ingester.Progress = progressLog(log, time.Now(), logEvery)
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

// logEvery is how often `baton ingest` logs its progress when it draws no
// progress bar.
const logEvery = 10 * time.Second

// progressLog returns an Ingester.Progress that logs, at most every
// interval since start, the files done, the rate and the time left at
// that rate.
func progressLog(log *slog.Logger, start time.Time, every time.Duration) func(done, total int) {
	last := start
	return func(done, total int) {
		now := time.Now()
		if now.Sub(last) < every || done >= total {
			return
		}
		last = now
		rate := float64(done) / now.Sub(start).Seconds()
		eta := time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second)
		log.Info("ingesting", "files", done, "of", total, "files_per_s", fmt.Sprintf("%.1f", rate), "eta", eta.String())
	}
}

// Command baton is the Baton knowledge-base bot: server, ingestion, and
// the evaluation and calibration tools, in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // business hours in any zone, even where the system has no zoneinfo
)

const usage = `baton: a customer-service knowledge-base bot that knows when to hand off

Usage:
  baton serve     [--addr 127.0.0.1:8080] [--data DIR]     run the chat API and page
  baton ingest    [--collection C] PATH...                 load articles (md, txt, html, csv, jsonl)
  baton ask       [--collection C] "question"              answer one question from the command line
  baton eval      --kb kb.jsonl --queries queries.jsonl    measure retrieval, confidence and hand-off
  baton calibrate --out model.json DIR...                  fit the confidence model on labelled sets
  baton users     add --role agent|editor|admin NAME       manage staff accounts (also: passwd, key, revoke, list)
  baton migrate   [--data DIR]                             bring the database schema up to date
  baton migrate   --database-url URL --from-data DIR       move an embedded installation into PostgreSQL
  baton gen-kb    --articles N --seed S --out kb.jsonl     generate a knowledge base from the eval sets' articles
  baton bench     [--articles 1000,10000] [--concurrency 1,16]  time retrieval and chat turns against the alternatives

Run "baton COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "baton:", err)
		}
		os.Exit(1)
	}
}

// run dispatches a command; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	log := newLogger(stderr, logFormat(args[1:]))
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr, log)
	case "ingest":
		return runIngest(ctx, rest, stdout, stderr, log)
	case "ask":
		return runAsk(ctx, rest, stdout, stderr, log)
	case "eval":
		return runEval(ctx, rest, stdout, stderr, log)
	case "calibrate":
		return runCalibrate(ctx, rest, stdout, stderr, log)
	case "users":
		return runUsers(ctx, rest, os.Stdin, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "gen-kb":
		return runGenKB(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr, log)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// parseConfig parses a command's flags and completes the config.
func parseConfig(fs *flag.FlagSet, cfg *Config, args []string) error {
	cfg.bindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.fromEnv(); err != nil {
		return err
	}
	return cfg.Validate()
}

// logFormat is --log-format's value among args (flags are parsed later,
// by each command, but the logger comes first), else BATON_LOG_FORMAT's.
func logFormat(args []string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--log-format="); ok {
			return v
		}
		if a == "--log-format" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return os.Getenv("BATON_LOG_FORMAT")
}

// newLogger logs at info level to w, as JSON lines for format "json" and
// as key=value text otherwise.
func newLogger(w io.Writer, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

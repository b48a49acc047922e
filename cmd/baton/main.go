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
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
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

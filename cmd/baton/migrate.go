package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// runMigrate brings the data directory's database schema up to date (as
// every command does when it opens it) and lists the migrations applied,
// so an operator can upgrade before starting the new version.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	ms, err := store.Migrations(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		fmt.Fprintf(stdout, "%s  %s\n", m.AppliedAt.Format("2006-01-02 15:04:05"), m.Name)
	}
	fmt.Fprintf(stdout, "schema up to date: %d migrations in %s\n", len(ms), cfg.Data)
	return nil
}

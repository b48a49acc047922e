package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/kb/sqlite"
)

// runMigrate brings the database schema up to date, the data directory's
// or the PostgreSQL one (as every command does when it opens it) and lists the migrations applied,
// so an operator can upgrade before starting the new version.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	type applied struct {
		name string
		at   time.Time
	}
	var ms []applied
	where := cfg.Data
	if cfg.DatabaseURL != "" {
		list, err := postgres.Migrate(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		for _, m := range list {
			ms = append(ms, applied{m.Name, m.AppliedAt})
		}
		where = "the PostgreSQL database"
	} else {
		store, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer store.Close()
		list, err := store.(*sqlite.DB).Migrations(ctx)
		if err != nil {
			return err
		}
		for _, m := range list {
			ms = append(ms, applied{m.Name, m.AppliedAt})
		}
	}
	for _, m := range ms {
		fmt.Fprintf(stdout, "%s  %s\n", m.at.Format("2006-01-02 15:04:05"), m.name)
	}
	fmt.Fprintf(stdout, "schema up to date: %d migrations in %s\n", len(ms), where)
	return nil
}

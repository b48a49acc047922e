package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/kb/postgres/fromsqlite"
	"github.com/batonhq/baton/kb/sqlite"
)

// runMigrate brings the database schema up to date, the data directory's
// or the PostgreSQL one (as every command does when it opens it) and lists the migrations applied,
// so an operator can upgrade before starting the new version. With
// --from-data it moves an embedded installation into the PostgreSQL
// database instead (see moveToPostgres).
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from-data", "", "copy the embedded installation in this data directory into the empty PostgreSQL database of --database-url")
	var cfg Config
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	if *from != "" {
		if cfg.DatabaseURL == "" {
			return errors.New("--from-data copies into PostgreSQL: give --database-url (or BATON_DATABASE_URL)")
		}
		return moveToPostgres(ctx, *from, cfg.DatabaseURL, stdout)
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

// moveToPostgres copies the embedded installation in data (its baton.db,
// migrated first, and the policies and recalibrations kept beside it)
// into the empty PostgreSQL database at url, in one transaction, and
// prints the rows copied per table and the check that both sides count
// the same.
func moveToPostgres(ctx context.Context, data, url string, stdout io.Writer) error {
	path := filepath.Join(data, "baton.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no embedded installation to copy in %s: %w", data, err)
	}
	settings, sources, err := fileSettings(data)
	if err != nil {
		return err
	}
	src, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer src.Close()
	fmt.Fprintf(stdout, "copying %s into the PostgreSQL database, in one transaction\n", path)
	rep, err := fromsqlite.Copy(ctx, src, url, settings)
	if rep == nil {
		return err
	}
	var rows int64
	for _, t := range rep.Tables {
		fmt.Fprintf(stdout, "  %-17s %8d rows\n", t.Table, t.Postgres)
		rows += t.Postgres
	}
	for _, k := range []string{policiesSetting, recalibrationsSetting} {
		if from, ok := sources[k]; ok {
			fmt.Fprintf(stdout, "  settings %-15s from %s\n", k, from)
		} else {
			fmt.Fprintf(stdout, "  settings %-15s none saved in %s\n", k, data)
		}
	}
	fmt.Fprintf(stdout, "check: all %d tables hold as many rows in PostgreSQL as in SQLite (%d rows)\n", len(rep.Tables), rows)
	fmt.Fprintln(stdout, "not carried, rebuilt by the nodes: the keyword index (index.bleve) and the trained classifiers (classifiers/)")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "done: start the nodes with --database-url; %s is no longer read\n", data)
	return nil
}

// fileSettings reads what an embedded installation keeps in files beside
// its store and PostgreSQL keeps in its settings table: the policies
// saved through the API and the recalibrations. Each is checked the way
// a server reads it, so a broken file stops the move before it starts.
func fileSettings(data string) (settings map[string][]byte, sources map[string]string, err error) {
	settings, sources = map[string][]byte{}, map[string]string{}
	policy := filepath.Join(data, "policy.json")
	doc, err := os.ReadFile(policy)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, nil, fmt.Errorf("read policy: %w", err)
	default:
		if _, err := escalate.ParseConfig(doc); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", policy, err)
		}
		settings[policiesSetting], sources[policiesSetting] = doc, policy
	}
	recal := filepath.Join(data, recalibrationFile)
	if _, err := os.Stat(recal); err == nil {
		rs, err := answer.LoadRecalibrations(recal)
		if err != nil {
			return nil, nil, err
		}
		if settings[recalibrationsSetting], err = rs.Encode(); err != nil {
			return nil, nil, err
		}
		sources[recalibrationsSetting] = recal
	}
	return settings, sources, nil
}

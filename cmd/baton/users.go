package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/kb/sqlite"
	"github.com/batonhq/baton/web"
)

const usersUsage = `Usage:
  baton users add [--role agent|editor|admin] [--password-stdin] [--api-key] NAME
  baton users passwd [--password-stdin] NAME
  baton users key NAME        print a new API key for NAME
  baton users revoke NAME     revoke every API key of NAME
  baton users list

The password is asked for on the terminal, or read as one line from
standard input with --password-stdin. With --api-key and no terminal or
--password-stdin, the user gets no password: only the API key, printed
once, signs them in (Authorization: Bearer KEY).
`

// runUsers manages staff accounts in the data directory's store.
func runUsers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usersUsage)
		return fmt.Errorf("users: no subcommand given")
	}
	sub := args[0]
	fs := flag.NewFlagSet("users "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usersUsage); fs.PrintDefaults() }
	role := fs.String("role", kb.UserAgent, "role: agent, editor or admin")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	withKey := fs.Bool("api-key", false, "also create an API key and print it once")
	var cfg Config
	if err := parseConfig(fs, &cfg, args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "list":
		us, err := store.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			state := ""
			if u.Disabled {
				state = " disabled"
			}
			fmt.Fprintf(stdout, "%-20s %-7s %s%s\n", u.Name, u.Role, u.CreatedAt.Format("2006-01-02"), state)
		}
		return nil
	case "add", "passwd", "key", "revoke":
	default:
		fmt.Fprint(stderr, usersUsage)
		return fmt.Errorf("users: unknown subcommand %q", sub)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("users %s: give exactly one NAME", sub)
	}
	name := fs.Arg(0)
	switch sub {
	case "key":
		u, err := store.UserByName(ctx, name)
		if err != nil {
			return err
		}
		if err := printKey(ctx, store, u, stdout); err != nil {
			return err
		}
		return auditCLI(ctx, store, "user.key", name, "API key created")
	case "revoke":
		u, err := store.UserByName(ctx, name)
		if err != nil {
			return err
		}
		n, err := store.RevokeAPIKeys(ctx, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked %d API keys of %s\n", n, name)
		return auditCLI(ctx, store, "user.revoke", name, fmt.Sprintf("%d API keys revoked", n))
	}
	hash := web.NoPassword
	if sub == "passwd" || *fromStdin || !*withKey || isTerminal(stdin) {
		pw, err := readPassword(stdin, stderr, *fromStdin)
		if err != nil {
			return err
		}
		if hash, err = web.HashPassword(pw); err != nil {
			return err
		}
	}
	if sub == "passwd" {
		u, err := store.UserByName(ctx, name)
		if err != nil {
			return err
		}
		if err := store.SetPassword(ctx, u.ID, hash); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; their sessions are signed out\n", name)
		return auditCLI(ctx, store, "user.passwd", name, "password changed")
	}
	if err := addUser(ctx, store, name, *role, hash); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %s\n", *role, name)
	detail := "role " + *role
	if *withKey {
		u, err := store.UserByName(ctx, name)
		if err != nil {
			return err
		}
		if err := printKey(ctx, store, u, stdout); err != nil {
			return err
		}
		detail += ", with an API key"
	}
	return auditCLI(ctx, store, "user.add", name, detail)
}

// auditCLI records a change made with `baton users` in the audit log, by
// "cli": whoever runs the command holds the database itself.
func auditCLI(ctx context.Context, store kb.Store, action, name, detail string) error {
	if err := store.AddAudit(ctx, &kb.AuditEntry{Actor: "cli", Action: action, Target: name, Detail: detail}); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// printKey makes an API key for u and prints it; it is never shown again.
func printKey(ctx context.Context, store kb.Store, u *kb.User, stdout io.Writer) error {
	key, _, err := web.IssueAPIKey(ctx, store, u)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "API key for %s (%s), shown once:\n%s\n", u.Name, u.Role, key)
	return nil
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// openStore opens the PostgreSQL database at DatabaseURL, or else the
// embedded SQLite database in the data directory (created if needed).
func openStore(ctx context.Context, cfg Config) (kb.Store, error) {
	if cfg.DatabaseURL != "" {
		return postgres.Open(ctx, cfg.DatabaseURL)
	}
	if err := os.MkdirAll(cfg.Data, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	return sqlite.Open(ctx, filepath.Join(cfg.Data, "baton.db"))
}

// addUser checks the name and role and stores the account.
func addUser(ctx context.Context, store kb.Store, name, role, hash string) error {
	u, err := web.NewUser(name, role, hash)
	if err != nil {
		return err
	}
	return store.CreateUser(ctx, u)
}

// readPassword asks twice on a terminal, or reads one line from stdin.
func readPassword(stdin io.Reader, stderr io.Writer, fromStdin bool) (string, error) {
	f, isFile := stdin.(*os.File)
	if fromStdin || !isFile || !term.IsTerminal(int(f.Fd())) {
		if !fromStdin {
			return "", fmt.Errorf("no terminal to ask for the password: use --password-stdin")
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	fmt.Fprint(stderr, "Password: ")
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(stderr, "Again: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(a) != string(b) {
		return "", fmt.Errorf("the passwords differ")
	}
	return string(a), nil
}

// ensureAdmin creates the first admin when there is no staff account:
// from BATON_ADMIN_USER/BATON_ADMIN_PASSWORD, else by asking on the
// terminal; without either it says how to create one.
func ensureAdmin(ctx context.Context, cfg Config, store kb.Store, stdin io.Reader, stderr io.Writer, log *slog.Logger) error {
	us, err := store.Users(ctx)
	if err != nil || len(us) > 0 {
		return err
	}
	name, pw := cfg.AdminUser, cfg.AdminPassword
	if name == "" {
		f, ok := stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			log.Warn("no staff accounts yet: create the first admin with `baton users add --role admin NAME`, or set BATON_ADMIN_USER and BATON_ADMIN_PASSWORD")
			return nil
		}
		fmt.Fprint(stderr, "No staff accounts yet. Name of the first admin: ")
		line, err := bufio.NewReader(f).ReadString('\n')
		if err != nil {
			return fmt.Errorf("read admin name: %w", err)
		}
		name = strings.TrimSpace(line)
		if pw, err = readPassword(stdin, stderr, false); err != nil {
			return err
		}
	}
	hash, err := web.HashPassword(pw)
	if err != nil {
		return fmt.Errorf("first admin: %w", err)
	}
	if err := addUser(ctx, store, name, kb.UserAdmin, hash); err != nil {
		return fmt.Errorf("first admin: %w", err)
	}
	log.Info("created the first admin", "name", name)
	return nil
}

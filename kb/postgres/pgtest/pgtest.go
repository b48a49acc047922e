// Package pgtest starts a throwaway PostgreSQL 15 cluster for tests: one
// per test process, on a free local port, with fsync off, removed when the
// tests end. Install the server and pgvector with scripts/setup-postgres.sh.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Where Debian's postgresql-15 and a pgvector built for it install.
const (
	binDir  = "/usr/lib/postgresql/15/bin"
	control = "/usr/share/postgresql/15/extension/vector.control"
)

var (
	once    sync.Once
	running *cluster
	failed  error
	dbs     atomic.Int64
)

// cluster is a running server and the directory that holds it.
type cluster struct {
	dir  string // data, socket and log, removed by stop
	data string
	port int
	// postgres is the server binary, the system's when empty.
	postgres string
}

// url is the address of one of the cluster's databases, as superuser postgres.
func (c *cluster) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// Main runs the tests of a package (call it from TestMain), then stops the
// cluster Start started, if any, and removes its files.
func Main(m *testing.M) {
	code := m.Run()
	if running != nil {
		if err := running.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
		}
	}
	os.Exit(code)
}

// Start starts the process's cluster on first use and returns the URL of
// its postgres database; the package's TestMain must call Main, which
// stops it. Without PostgreSQL 15 and pgvector installed Start skips the
// test, or fails it when CI=true.
func Start(t testing.TB) string {
	t.Helper()
	for _, f := range []string{filepath.Join(binDir, "pg_ctl"), control} {
		if _, err := os.Stat(f); err != nil {
			msg := fmt.Sprintf("PostgreSQL 15 with pgvector not installed (%v): run scripts/setup-postgres.sh", err)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	once.Do(func() { running, failed = start("") })
	if failed != nil {
		t.Fatalf("start postgres: %v", failed)
	}
	return running.url("postgres")
}

// Database creates a new empty database with the vector extension in the
// process's cluster and returns its URL, so each test starts clean.
func Database(t testing.TB) string {
	t.Helper()
	url := Start(t)
	name := fmt.Sprintf("baton_test_%d", dbs.Add(1))
	ctx := context.Background()
	if err := exec1(ctx, url, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	dbURL := running.url(name)
	if err := exec1(ctx, dbURL, "CREATE EXTENSION vector"); err != nil {
		t.Fatal(err)
	}
	return dbURL
}

// exec1 runs one statement on its own connection.
func exec1(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// StartWithoutVector starts a cluster of its own, stopped when t ends,
// whose server has no pgvector: a copy of the PostgreSQL installation
// without the extension's files. It returns the URL of its postgres
// database.
func StartWithoutVector(t testing.TB) string {
	t.Helper()
	Start(t) // the same skip or failure when PostgreSQL is missing
	tree, err := os.MkdirTemp("", "baton-pgtest-install-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tree) })
	postgres, err := installWithout(tree, "vector")
	if err != nil {
		t.Fatal(err)
	}
	c, err := start(postgres)
	if err != nil {
		t.Fatalf("start postgres without pgvector: %v", err)
	}
	t.Cleanup(func() {
		if err := c.stop(); err != nil {
			t.Error(err)
		}
	})
	return c.url("postgres")
}

// installWithout lays out under root a PostgreSQL installation that is the
// system's one without the extension ext, and returns its server binary.
// The server finds its share and lib directories relative to its own path,
// so a copied binary beside symlinks to everything else is enough.
func installWithout(root, ext string) (string, error) {
	bin := filepath.Join(root, "lib/postgresql/15/bin")
	extDir := filepath.Join(root, "share/postgresql/15/extension")
	for _, d := range []string{bin, extDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	// Every parent must be readable by user postgres.
	for d := bin; d != filepath.Dir(root); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			return "", err
		}
	}
	server, err := os.ReadFile(filepath.Join(binDir, "postgres"))
	if err != nil {
		return "", err
	}
	postgres := filepath.Join(bin, "postgres")
	if err := os.WriteFile(postgres, server, 0o755); err != nil {
		return "", err
	}
	if err := os.Symlink(filepath.Join(filepath.Dir(binDir), "lib"), filepath.Join(root, "lib/postgresql/15/lib")); err != nil {
		return "", err
	}
	share := filepath.Dir(control)
	if err := symlinkAll(filepath.Dir(share), filepath.Dir(extDir), func(name string) bool { return name != "extension" }); err != nil {
		return "", err
	}
	err = symlinkAll(share, extDir, func(name string) bool { return name != ext+".control" && !strings.HasPrefix(name, ext+"--") })
	return postgres, err
}

// symlinkAll links into dst the entries of src that keep accepts.
func symlinkAll(src, dst string, keep func(name string) bool) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if keep(e.Name()) {
			if err := os.Symlink(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// start makes and starts a cluster; postgres is the server binary to run,
// the system's when empty.
func start(postgres string) (*cluster, error) {
	dir, err := os.MkdirTemp("", "baton-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, data: filepath.Join(dir, "data"), postgres: postgres}
	if err := c.initdb(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Other test processes may be picking ports at the same time: start
	// from one that depends on this process, and move on when one is taken.
	const first, last = 25432, 25999
	offset := os.Getpid() % (last - first + 1)
	var lastErr error
	for i := range 20 {
		port := first + (offset+i*37)%(last-first+1)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		l.Close()
		if lastErr = c.serve(port); lastErr == nil {
			return c, nil
		}
	}
	os.RemoveAll(dir)
	return nil, fmt.Errorf("no port in %d-%d to start on: %v", first, last, lastErr)
}

// initdb makes the cluster's files, owned by user postgres when running as
// root (the server refuses to run as root).
func (c *cluster) initdb() error {
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			return err
		}
	}
	return c.run("initdb", "-D", c.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
}

// serve starts the server on port and waits until it accepts connections.
func (c *cluster) serve(port int) error {
	opts := fmt.Sprintf("-p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c listen_addresses=127.0.0.1", port, c.dir)
	log := filepath.Join(c.dir, "server.log")
	args := []string{"start", "-w", "-t", "60", "-D", c.data, "-l", log, "-o", opts}
	if c.postgres != "" {
		args = append(args, "-p", c.postgres)
	}
	if err := c.run("pg_ctl", args...); err != nil {
		tail, _ := os.ReadFile(log)
		return fmt.Errorf("%w\n%s", err, tail)
	}
	c.port = port
	return nil
}

func (c *cluster) stop() error {
	err := c.run("pg_ctl", "stop", "-D", c.data, "-m", "immediate", "-w")
	if rmErr := os.RemoveAll(c.dir); err == nil {
		err = rmErr
	}
	return err
}

// run runs a PostgreSQL program, as user postgres when running as root.
func (c *cluster) run(prog string, args ...string) error {
	name := filepath.Join(binDir, prog)
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "postgres", "--", name}, args...)
		name = "runuser"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", prog, err, out)
	}
	return nil
}

package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// listen runs ListenEvents on s as node until the test ends and returns
// the payloads it delivers.
func listen(t *testing.T, s *Store, node string, onError func(error)) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 100)
	done := make(chan error, 1)
	go func() { done <- s.ListenEvents(ctx, node, func(p []byte) { got <- string(p) }, onError) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("ListenEvents(%s) ended with %v, want context.Canceled", node, err)
		}
	})
	return got
}

// publish publishes each payload from node.
func publish(t *testing.T, s *Store, node string, payloads ...string) {
	t.Helper()
	for _, p := range payloads {
		if err := s.PublishEvent(context.Background(), node, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
}

// waitListening publishes probes from node until got delivers one: a
// listener delivers only what is published after it started.
func waitListening(t *testing.T, s *Store, node string, got <-chan string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		publish(t, s, node, "probe")
		select {
		case p := <-got:
			if p != "probe" {
				t.Fatalf("listener delivered %q, want the probe", p)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatal("listener did not start within 20s")
}

// receive reads n payloads other than probes (a late probe may follow
// the first), failing the test after a while.
func receive(t *testing.T, got <-chan string, n int) []string {
	t.Helper()
	var out []string
	timeout := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case p := <-got:
			if p != "probe" {
				out = append(out, p)
			}
		case <-timeout:
			t.Fatalf("received %q, want %d events", out, n)
		}
	}
	return out
}

func brief(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p[:min(len(p), 12)]
	}
	return out
}

// Two nodes on one database: what each publishes reaches the other in
// order, a message larger than NOTIFY's 8000 bytes too, and never comes
// back to the node that published it.
func TestEventsBetweenNodes(t *testing.T) {
	url := pgtest.Database(t)
	a, b := open(t, url), open(t, url)
	t.Cleanup(func() { a.Close(); b.Close() })
	atA, atB := listen(t, a, "a", nil), listen(t, b, "b", nil)
	waitListening(t, b, "b", atA)
	waitListening(t, a, "a", atB)

	big := "b-big " + strings.Repeat("x", 12<<10)
	fromA := []string{"a1", "a2", "a3", "a4", "a5"}
	fromB := []string{"b1", "b2", big, "b4", "b5"}
	var wg sync.WaitGroup
	for _, n := range []struct {
		s        *Store
		node     string
		payloads []string
	}{{a, "a", fromA}, {b, "b", fromB}} {
		wg.Go(func() {
			for _, p := range n.payloads {
				if err := n.s.PublishEvent(context.Background(), n.node, []byte(p)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	// Delivered in order, anything of a's own would come before this.
	publish(t, a, "a", "a-end")
	publish(t, b, "b", "b-end")

	if got, want := receive(t, atA, 6), append(fromB, "b-end"); !slices.Equal(got, want) {
		t.Errorf("node a received %q, want %q", brief(got), brief(want))
	}
	if got, want := receive(t, atB, 6), append(fromA, "a-end"); !slices.Equal(got, want) {
		t.Errorf("node b received %q, want %q", brief(got), brief(want))
	}
}

// A listener whose connection is killed reconnects and delivers what was
// published while it was down, once each, in order.
func TestListenEventsReconnects(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	a, b := open(t, url), open(t, url)
	t.Cleanup(func() { a.Close(); b.Close() })
	down, resume := make(chan error, 1), make(chan struct{})
	var once sync.Once
	atB := listen(t, b, "b", func(err error) {
		// Hold the listener down, the first time, until the test has
		// published behind its back.
		once.Do(func() { down <- err; <-resume })
	})
	waitListening(t, a, "a", atB)
	publish(t, a, "a", "e1")
	if got := receive(t, atB, 1); got[0] != "e1" {
		t.Fatalf("received %q, want e1", got)
	}

	var killed int
	if err := a.pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'baton events b'`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d listener connections, want 1", killed)
	}
	select {
	case err := <-down:
		t.Logf("listener interrupted: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("listener did not notice its connection was killed")
	}
	publish(t, a, "a", "e2", "e3", "e4")
	close(resume)
	publish(t, a, "a", "e5")
	if got, want := receive(t, atB, 4), []string{"e2", "e3", "e4", "e5"}; !slices.Equal(got, want) {
		t.Errorf("after reconnecting received %q, want %q", got, want)
	}
	select {
	case p := <-atB:
		t.Errorf("then received %q, want nothing more", p)
	case <-time.After(300 * time.Millisecond):
	}
}

// Pruning drops the events older than it keeps, and only those.
func TestPruneEvents(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Database(t)
	s := open(t, url)
	defer s.Close()
	publish(t, s, "a", "old", "older")
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	count := func() (n int) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tt := range []struct {
		keep time.Duration
		want int
	}{{time.Hour, 2}, {0, 0}} {
		if err := pruneEvents(ctx, conn, tt.keep); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != tt.want {
			t.Errorf("after pruning events older than %v, %d left, want %d", tt.keep, n, tt.want)
		}
	}
}

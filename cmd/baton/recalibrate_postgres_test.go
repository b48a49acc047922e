package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// TestRecalibrateAcrossNodes: two nodes on one PostgreSQL database whose
// periodic refit comes round at the same moment fit once between them,
// and the other node serves that fit; neither refits again within the
// period; `baton calibrate --recalibrate` refits for all of them; a node
// started later has the last fit, and no data directory holds a file of
// it.
func TestRecalibrateAcrossNodes(t *testing.T) {
	const admin = "test-admin-token-0123456789"
	t.Setenv("BATON_ADMIN_TOKEN", admin)
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	edit := func(c *Config) { c.RecalibrateMin = 6; c.RecalibrateEvery = -1 }
	nodes := []*Server{launch(t, "", edit), serveData(t, t.TempDir(), edit)}
	thumbsDown(t, client{t, "http://" + nodes[0].Addr()}, "what is your return policy", 6)
	ctx := context.Background()

	fitted := make([]bool, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			var err error
			if _, fitted[i], err = n.App.recalibrateOnce(ctx, time.Hour, 6); err != nil {
				t.Errorf("node %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if fitted[0] == fitted[1] {
		t.Fatalf("nodes refitted %v at the same moment, want exactly one of them", fitted)
	}
	fitter, other := nodes[0], nodes[1]
	if fitted[1] {
		fitter, other = other, fitter
	}
	want, ok := fitter.App.Bot.Composer.Recalibrations.Get("default")
	if !ok || want.N != 6 {
		t.Fatalf("the refitting node's recalibration = %+v (%v), want one on 6 labels", want, ok)
	}
	waitRecalibration(t, other, admin, want, "the other node")

	for i, n := range nodes {
		if _, f, err := n.App.recalibrateOnce(ctx, time.Hour, 6); err != nil || f {
			t.Errorf("node %d refit within the period = %v, %v; want skipped", i, f, err)
		}
	}

	// The command refits at once, whatever the period, for every node.
	if err := run(ctx, []string{"calibrate", "--recalibrate", "--data", t.TempDir(), "--recalibrate-min", "6"}, io.Discard, io.Discard); err != nil {
		t.Fatalf("calibrate --recalibrate: %v", err)
	}
	cli := openNode(t, t.TempDir())
	defer cli.Close()
	last, ok := cli.Bot.Composer.Recalibrations.Get("default")
	if !ok || !last.FittedAt.After(want.FittedAt) || last.N != 6 {
		t.Fatalf("after calibrate --recalibrate a node starting has %+v (%v), want a fit on 6 labels after %v", last, ok, want.FittedAt)
	}
	for _, n := range nodes {
		waitRecalibration(t, n, admin, last, "a running node after calibrate --recalibrate")
		if _, err := os.Stat(filepath.Join(n.App.Config.Data, recalibrationFile)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a node's data directory holds %s (%v), want the recalibrations only in the database", recalibrationFile, err)
		}
	}
}

// waitRecalibration waits for srv's admin API to show want as the default
// collection's recalibration.
func waitRecalibration(t *testing.T, srv *Server, admin string, want answer.Recalibration, who string) {
	t.Helper()
	c := client{t, "http://" + srv.Addr()}
	var got map[string]any
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, m := c.do("GET", "/api/v1/admin/recalibration", admin, "")
		got, _ = jm(m["collections"])["default"].(map[string]any)
		if got["a"] == want.A && got["b"] == want.B && got["fitted_at"] == want.FittedAt.Format(time.RFC3339Nano) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s serves recalibration %v, want %+v", who, got, want)
		}
	}
}

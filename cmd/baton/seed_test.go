package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestServeSeedKeepsEdits: `serve --seed` loads the demo knowledge base
// into an empty store only; an editor's change survives a restart with the
// same flag (what `make run` does every time).
func TestServeSeedKeepsEdits(t *testing.T) {
	data := t.TempDir()
	serve := func(edit func(*App)) string {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		var logs bytes.Buffer
		done := make(chan error, 1)
		ready := make(chan *App, 1)
		go func() {
			done <- runServeHook(ctx, []string{"--addr", "127.0.0.1:0", "--data", data, "--seed", "testdata/kb"}, io.Discard, slog.New(slog.NewTextHandler(&logs, nil)), ready)
		}()
		select {
		case app := <-ready:
			if edit != nil {
				edit(app)
			}
		case err := <-done:
			cancel()
			t.Fatalf("serve: %v\n%s", err, logs.String())
		case <-time.After(30 * time.Second):
			cancel()
			t.Fatal("serve did not start")
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("serve: %v", err)
		}
		return logs.String()
	}
	ctx := context.Background()
	var id string
	first := serve(func(app *App) {
		arts, err := app.Store.Articles(ctx, "")
		if err != nil || len(arts) != 5 {
			t.Fatalf("seeded store: %d articles, %v; want the 5 of testdata/kb", len(arts), err)
		}
		for _, a := range arts {
			if strings.HasSuffix(a.ID, "/returns") {
				a.Title = "Returns, edited by an editor"
				id = a.ID
				if _, err := app.Editor.Update(ctx, "editor", a, a.Version); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
	if !strings.Contains(first, "seeded the empty store") {
		t.Errorf("first start did not seed:\n%s", first)
	}
	second := serve(func(app *App) {
		a, err := app.Store.Article(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Title != "Returns, edited by an editor" {
			t.Errorf("after a restart with --seed the title is %q: the seed undid the editor's edit", a.Title)
		}
	})
	if !strings.Contains(second, "seed skipped") {
		t.Errorf("second start seeded again:\n%s", second)
	}
}

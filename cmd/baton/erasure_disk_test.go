package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// filesHolding lists the files under dir whose bytes contain marker.
func filesHolding(t *testing.T, dir, marker string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(marker)) {
			rel, _ := filepath.Rel(dir, path)
			found = append(found, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// runUntil starts the whole server on data, calls fn with its base URL
// and stops it, so the test can read the data directory at rest.
func runUntil(t *testing.T, data string, fn func(base string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := Config{Addr: "127.0.0.1:0", Data: data}
	if err := cfg.fromEnv(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	srv, err := StartServer(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	fn("http://" + srv.Addr())
	cancel()
	if err := <-done; err != nil {
		t.Errorf("server shutdown: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("server close: %v", err)
	}
	if t.Failed() {
		t.Logf("server log:\n%s", logs)
	}
}

// TestErasureLeavesNothingOnDisk: after a customer is erased and the
// server restarted, their text (a message, contact details, a rating's
// comment, the signed context) is in no file under the data directory: not in the database,
// its write-ahead log, the keyword index, uploads or anything else.
func TestErasureLeavesNothingOnDisk(t *testing.T) {
	t.Setenv("BATON_CONTEXT_SECRET", privacySecret)
	data := t.TempDir()
	if err := run(context.Background(), []string{"ingest", "--data", data, "testdata/kb"}, io.Discard, io.Discard); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	adminKey := addKey(t, data, "admin", "dpo")
	const (
		message  = "zq7-marker-in-a-message"
		contact  = "zq7-marker-in-contact@example.com"
		comment  = "zq7-marker-in-a-rating-comment"
		customer = "zq7-marker-customer-id"
		name     = "Name of " + customer
	)
	markers := []string{message, contact, comment, customer, name}
	runUntil(t, data, func(base string) {
		c := client{t, base}
		id, tok := chatAs(t, c, customer, "where is my parcel? "+message)
		chatAs(t, c, customer, "and my refund, "+message)
		if code, m := c.do("POST", "/api/v1/conversations/"+id+"/handoff", tok, ""); code != http.StatusOK {
			t.Fatalf("handoff: %d %v", code, m)
		}
		if code, m := c.do("POST", "/api/v1/conversations/"+id+"/contact", tok, `{"contact":`+quote(contact)+`}`); code != http.StatusOK {
			t.Fatalf("contact: %d %v", code, m)
		}
		if code, m := c.do("POST", "/api/v1/conversations/"+id+"/rating", tok, `{"score":2,"comment":`+quote(comment)+`}`); code != http.StatusOK {
			t.Fatalf("rating: %d %v", code, m)
		}
		chatAs(t, c, "someone-else", "a question of someone else")
		for _, mk := range markers {
			if found := filesHolding(t, data, mk); len(found) == 0 {
				t.Fatalf("before erasure %q is in no file under the data directory: the search cannot find what it looks for", mk)
			}
		}
		if code, m := c.do("DELETE", "/api/v1/admin/customers/"+customer, adminKey, ""); code != http.StatusOK {
			t.Fatalf("erase: %d %v", code, m)
		}
	})
	runUntil(t, data, func(string) {}) // a restart
	for _, mk := range markers {
		if found := filesHolding(t, data, mk); len(found) > 0 {
			t.Errorf("after erasure and a restart %q is still in %v", mk, found)
		}
	}
	if found := filesHolding(t, data, "someone else"); len(found) == 0 {
		t.Error("another customer's message is gone too")
	}
}

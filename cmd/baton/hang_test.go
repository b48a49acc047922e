package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestServeWithHangingEmbedder: articles ingested keyword-only, then served
// with an embedding server that never answers. The server listens at
// once (the articles are embedded in the background) and a customer's
// question is answered keyword-only within the 2 s question deadline, not
// after the client gives up.
func TestServeWithHangingEmbedder(t *testing.T) {
	hang := make(chan struct{})
	embedder := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer embedder.Close()
	defer close(hang)
	data := t.TempDir()
	t.Setenv("BATON_EMBEDDER", "none")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"ingest", "--data", data, "testdata/kb"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BATON_EMBEDDER", "openai")
	t.Setenv("BATON_EMBED_BASE_URL", embedder.URL)
	t.Setenv("BATON_EMBED_MODEL", "m")
	start := time.Now()
	srv := serveData(t, data, nil)
	started := time.Since(start)
	if started > 5*time.Second {
		t.Errorf("the server took %v to start with a hanging embedder, want it listening at once", started)
	}
	c := client{t, "http://" + srv.Addr()}
	id, token := c.start()
	start = time.Now()
	code, turn := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"how do I send something back"}`)
	took := time.Since(start)
	if code != http.StatusOK || !strings.Contains(js(jm(turn["reply"])["text"]), "return most items") {
		t.Errorf("turn with a hanging embedder = %d %v, want the keyword answer", code, turn)
	}
	if took > 10*time.Second {
		t.Errorf("the turn took %v, want about the 2 s question deadline", took)
	}
	t.Logf("started in %v; turn answered keyword-only in %v", started, took)
}

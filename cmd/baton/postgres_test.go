package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/batonhq/baton/kb/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestPostgresBackend: with BATON_DATABASE_URL set, ingest, serve and chat
// keep everything in PostgreSQL; a second node on the same database and a
// data directory of its own (so a keyword index rebuilt from the store)
// answers from the same knowledge base and serves the same conversation.
func TestPostgresBackend(t *testing.T) {
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	a := launch(t, "", nil)
	ca := client{t, "http://" + a.Addr()}
	id, token := ca.start()
	code, turn := ca.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"how do I send something back"}`)
	reply := jm(turn["reply"])
	if code != http.StatusOK || js(reply["band"]) != "answer" || !strings.Contains(js(reply["text"]), "return most items within 30 days") {
		t.Fatalf("turn on node A = %d %v, want the returns answer", code, turn)
	}

	b := serveData(t, t.TempDir(), nil)
	cb := client{t, "http://" + b.Addr()}
	code, turn = cb.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"can I pay with PayPal?"}`)
	if reply := jm(turn["reply"]); code != http.StatusOK || js(reply["band"]) != "answer" || !strings.Contains(js(reply["text"]), "PayPal") {
		t.Fatalf("the same conversation on node B = %d %v, want the payment answer", code, turn)
	}
	code, msgs := cb.do("GET", "/api/v1/conversations/"+id+"/messages", token, "")
	if n := len(ja(msgs["messages"])); code != http.StatusOK || n != 4 {
		t.Errorf("transcript on node B = %d, %d messages, want both turns (4)", code, n)
	}
	if arts, err := a.App.Store.Articles(t.Context(), "default"); err != nil || len(arts) != 5 {
		t.Errorf("articles in PostgreSQL = %d, %v; want the 5 fixtures", len(arts), err)
	}
}

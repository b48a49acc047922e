package main

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/kb/postgres/pgtest"
	"github.com/batonhq/baton/retrieval"
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

// TestIndexFollowsOtherNodes: an article ingested through node A is
// answered by node B within seconds, and a node that was down catches up
// at its next start on what changed meanwhile (an edit and a delete).
func TestIndexFollowsOtherNodes(t *testing.T) {
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	a := launch(t, "", nil)
	b := serveData(t, t.TempDir(), nil)
	// Node C opens its own index (rebuilt, as it is new) and stops.
	dataC := t.TempDir()
	openNode(t, dataC).Close()

	src := t.TempDir()
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(src, "walrus.md"), []byte("# What walruses eat\n\n"+body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := a.App.Ingester.IngestPaths(t.Context(), []string{src}, "default"); err != nil {
			t.Fatal(err)
		}
	}
	write("Walruses eat clams, mussels and other shellfish from the sea floor.")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if hits, _ := b.App.Keyword.Search(t.Context(), "default", "walruses clams", 5); len(hits) > 0 && hits[0].ArticleID == "default/walrus" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node B's index never took the article ingested on node A")
		}
	}
	cb := client{t, "http://" + b.Addr()}
	id, token := cb.start()
	_, turn := cb.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"what do walruses eat?"}`)
	if cites := ja(jm(turn["reply"])["citations"]); !slices.ContainsFunc(cites, func(c any) bool { return js(jm(c)["article_id"]) == "default/walrus" }) {
		t.Errorf("node B's reply about node A's new article does not cite it: %v", turn)
	}

	// While C is down: the article is edited, and another one deleted.
	write("Walruses mostly eat clams, and in lean years krill.")
	if err := a.App.Editor.Delete(t.Context(), "eve", "default/hacked"); err != nil {
		t.Fatal(err)
	}
	c := openNode(t, dataC)
	defer c.Close()
	if hits, err := c.Keyword.Search(t.Context(), "default", "krill", 5); err != nil || len(hits) == 0 || hits[0].ArticleID != "default/walrus" {
		t.Errorf("node C after catching up: krill finds %v, %v; want the edited article", hits, err)
	}
	if hits, _ := c.Keyword.Search(t.Context(), "default", "hacked password", 5); slices.ContainsFunc(hits, func(h retrieval.Hit) bool { return h.ArticleID == "default/hacked" }) {
		t.Errorf("node C still finds the deleted article: %v", hits)
	}
}

// TestPoliciesAcrossNodes: policies changed through one node (here an
// editor's welcome text) are saved in the database, applied at once by
// the other running nodes and read by a node starting later.
func TestPoliciesAcrossNodes(t *testing.T) {
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	a := startDesk(t, deskOptions{})
	b := serveData(t, t.TempDir(), nil)
	eve := a.loginAll(t, "eve")["eve"]
	eve.want(t, 200, "PUT", "/api/v1/collections/default/welcome/settings", `{"greeting":{"en":"Hello from node A"}}`)
	cb := client{t, "http://" + b.Addr()}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, w := cb.do("GET", "/api/v1/collections/default/welcome?lang=en", "", ""); w["greeting"] == "Hello from node A" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node B never applied the policies saved on node A")
		}
	}
	c := openNode(t, t.TempDir())
	defer c.Close()
	if got := c.Bot.Policies().For("default").Welcome.Greeting["en"]; got != "Hello from node A" {
		t.Errorf("a node started later has greeting %q, want node A's", got)
	}
	if _, err := os.Stat(a.srv.App.PolicyFile()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the policies went to a file in node A's data directory too (%v), want only the database", err)
	}
}

// openNode opens the app as a command would, on data and the database the
// environment names, without serving.
func openNode(t *testing.T, data string) *App {
	t.Helper()
	cfg := Config{Data: data}
	if err := cfg.fromEnv(); err != nil {
		t.Fatal(err)
	}
	a, err := OpenApp(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestPostgresVectorSearch: a node searching with --vector-search
// pgvector (kNN through the HNSW index) ranks the same top article as a
// node scanning its in-memory vectors, on the fixture knowledge base and
// the same database, and answers through the server as well.
func TestPostgresVectorSearch(t *testing.T) {
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	mem := launch(t, "", nil)
	pgv := serveData(t, t.TempDir(), func(cfg *Config) { cfg.VectorSearch = "pgvector" })
	if pgv.App.Searcher.KNN == nil || mem.App.Searcher.KNN != nil {
		t.Fatalf("vector sources: pgvector node %v, memory node %v", pgv.App.Searcher.KNN, mem.App.Searcher.KNN)
	}
	questions := []string{
		"how do I send something back", "can I pay with PayPal?", "how long does delivery take",
		"my account was hacked", "I want a refund", "which payment methods do you accept",
		"where is my parcel", "how do I reset my password",
	}
	var memTimes, pgTimes []time.Duration
	for _, q := range questions {
		start := time.Now()
		want, err := mem.App.Searcher.Search(t.Context(), "default", q, 10)
		memTimes = append(memTimes, time.Since(start))
		if err != nil || len(want) == 0 {
			t.Fatalf("%q in memory: %v, %v", q, want, err)
		}
		start = time.Now()
		got, err := pgv.App.Searcher.Search(t.Context(), "default", q, 10)
		pgTimes = append(pgTimes, time.Since(start))
		if err != nil || len(got) == 0 {
			t.Fatalf("%q through pgvector: %v, %v", q, got, err)
		}
		if got[0].ArticleID != want[0].ArticleID || got[0].ChunkID != want[0].ChunkID {
			t.Errorf("%q: top %s %s through pgvector, %s %s in memory", q, got[0].ArticleID, got[0].ChunkID, want[0].ArticleID, want[0].ChunkID)
		}
		if got[0].Ranks[retrieval.RankVector] == 0 {
			t.Errorf("%q through pgvector: top article has no vector rank (%v)", q, got[0].Ranks)
		}
	}
	slices.Sort(memTimes)
	slices.Sort(pgTimes)
	t.Logf("median search of %d questions (embedding, keyword, vector, fusion): memory %v, pgvector %v",
		len(questions), memTimes[len(memTimes)/2], pgTimes[len(pgTimes)/2])
	if logs := logsOf(pgv); strings.Contains(logs, "scanned in memory instead") {
		t.Errorf("the pgvector node fell back to memory:\n%s", logs)
	}
	c := client{t, "http://" + pgv.Addr()}
	id, token := c.start()
	code, turn := c.do("POST", "/api/v1/conversations/"+id+"/messages", token, `{"text":"how do I send something back"}`)
	if reply := jm(turn["reply"]); code != http.StatusOK || !strings.Contains(js(reply["text"]), "return most items within 30 days") {
		t.Errorf("turn on the pgvector node = %d %v, want the returns answer", code, turn)
	}
}

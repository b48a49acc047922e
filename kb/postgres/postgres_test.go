package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres/pgtest"
	"github.com/batonhq/baton/kb/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kb.Store { return open(t, pgtest.Database(t)) })
}

// Two nodes: two pools on one database.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (kb.Store, kb.Store) {
		url := pgtest.Database(t)
		return open(t, url), open(t, url)
	})
}

// Nodes starting together against a new database: the advisory lock has
// them migrate in turn, and each finds the schema complete.
func TestMigrateConcurrently(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	lists := make([][]Migration, 4)
	errs := make([]error, len(lists))
	for i := range lists {
		wg.Go(func() { lists[i], errs[i] = Migrate(ctx, url) })
	}
	wg.Wait()
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for i, ms := range lists {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Name)
		}
		if !slices.Equal(got, names) {
			t.Errorf("node %d sees migrations %v, want %v", i, got, names)
		}
	}
	s := open(t, url) // and a reopen applies nothing twice
	defer s.Close()
	if _, err := s.PutArticle(ctx, &kb.Article{ID: "a", Collection: "c", Title: "t", Hash: "h", Source: "s"}, nil); err != nil {
		t.Fatal(err)
	}
}

// Nodes writing at once: of editors saving over one version, or creating
// one article, exactly one wins and the others are told; messages added
// to one conversation together are all kept.
func TestConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	s := open(t, pgtest.Database(t))
	defer s.Close()
	if err := s.CreateConversation(ctx, &kb.Conversation{ID: "c", Collection: "c1", Lang: "en", TokenHash: "x", Status: kb.StatusBot}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	for _, base := range []int{0, 1} { // create, then edit version 1
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				a := &kb.Article{ID: "a", Collection: "c1", Title: "t", Body: fmt.Sprint(i), Hash: fmt.Sprintf("h%d-%d", base, i), Source: "s"}
				_, errs[i] = s.UpdateArticle(ctx, a, nil, base)
			})
			wg.Go(func() {
				if err := s.AddMessage(ctx, &kb.Message{ID: fmt.Sprintf("m%d-%d", base, i), ConversationID: "c", Role: kb.RoleCustomer, Text: "hi"}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, kb.ErrConflict):
				t.Errorf("base %d: %v, want nil or ErrConflict", base, err)
			}
		}
		if wins != 1 {
			t.Errorf("base %d: %d editors won, want 1", base, wins)
		}
	}
	if a, err := s.Article(ctx, "a"); err != nil || a.Version != 2 {
		t.Errorf("article = %+v, %v; want version 2", a, err)
	}
	if ms, err := s.Messages(ctx, "c"); err != nil || len(ms) != 2*n {
		t.Errorf("messages = %d, %v; want %d", len(ms), err, 2*n)
	}
}

// A server without pgvector is refused at Open with what to do about it,
// and the database is left untouched.
func TestOpenWithoutPgvector(t *testing.T) {
	url := pgtest.StartWithoutVector(t)
	_, err := Open(context.Background(), url)
	if err == nil {
		t.Fatal("Open succeeded on a server without pgvector")
	}
	for _, want := range []string{"pgvector", "scripts/setup-postgres.sh"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var tables int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("refused Open left %d tables (%v), want none", tables, err)
	}
}

// Every published change is logged in commit order, deletes included,
// and a reader after a given seq sees only what came after it.
func TestArticleChanges(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if seq, err := s.LastArticleChange(ctx); err != nil || seq != 0 {
		t.Fatalf("LastArticleChange on an empty store = %d, %v", seq, err)
	}
	put := func(id, body string) {
		t.Helper()
		a := &kb.Article{ID: id, Collection: "c", Title: id, Body: body, Lang: "en", Hash: body}
		if _, err := s.PutArticle(ctx, a, []kb.Chunk{{ID: id + "#0", ArticleID: id, Text: body}}); err != nil {
			t.Fatal(err)
		}
	}
	put("c/a", "one")
	put("c/b", "two")
	mark, _ := s.LastArticleChange(ctx)
	put("c/a", "one, edited")
	put("c/a", "one, edited") // unchanged: not a change
	if err := s.DeleteArticle(ctx, "c/b"); err != nil {
		t.Fatal(err)
	}
	cs, err := s.ArticleChanges(ctx, mark, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 || cs[0].ArticleID != "c/a" || cs[1].ArticleID != "c/b" || cs[0].Seq <= mark || cs[1].Seq <= cs[0].Seq {
		t.Errorf("changes after %d = %+v, want c/a then c/b", mark, cs)
	}
	if cs, _ := s.ArticleChanges(ctx, 0, 1); len(cs) != 1 || cs[0].ArticleID != "c/a" {
		t.Errorf("first change with limit 1 = %+v", cs)
	}
}

func TestSettings(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Setting(ctx, "policies"); !errors.Is(err, kb.ErrNotFound) {
		t.Fatalf("missing setting: err = %v, want not found", err)
	}
	for _, v := range []string{`{"a":1}`, `{"a":2}`} {
		if err := s.PutSetting(ctx, "policies", []byte(v)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Setting(ctx, "policies"); err != nil || string(got) != v {
			t.Errorf("Setting = %q, %v; want %q", got, err, v)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/kb"
)

// TestDuplicatesAPI: the editor API lists the near-duplicate articles and
// merges a group into one, keeping the other's history.
func TestDuplicatesAPI(t *testing.T) {
	requireModel(t)
	data := dataWithDuplicates(t)
	var out bytes.Buffer
	if err := runUsers(context.Background(), []string{"add", "--data", data, "--role", "editor", "--api-key", "eve"}, strings.NewReader(""), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`(?m)^bk_[A-Za-z0-9_-]{43}$`).FindString(out.String())
	srv := launch(t, data, nil)
	c := client{t, "http://" + srv.Addr()}
	code, m := c.do("GET", "/api/v1/duplicates?collection=default", key, "")
	if code != http.StatusOK {
		t.Fatalf("duplicates: %d %v", code, m)
	}
	groups := m["groups"].([]any)
	var ids [][]string
	for _, g := range groups {
		var members []string
		for _, a := range g.([]any) {
			members = append(members, a.(map[string]any)["id"].(string))
		}
		ids = append(ids, members)
	}
	want := []string{"default/reset-a", "default/reset-b"}
	if !slices.ContainsFunc(ids, func(g []string) bool { return slices.Equal(g, want) }) {
		t.Fatalf("groups %v, want %v among them", ids, want)
	}
	if code, _ := c.do("GET", "/api/v1/duplicates?threshold=2", key, ""); code != http.StatusBadRequest {
		t.Errorf("threshold 2: %d, want 400", code)
	}
	if code, _ := c.do("POST", "/api/v1/articles/default%2Freset-a/merge", key, `{"from":["default/reset-a"]}`); code != http.StatusBadRequest {
		t.Errorf("merge into itself: %d, want 400", code)
	}
	code, m = c.do("POST", "/api/v1/articles/default%2Freset-a/merge", key, `{"from":["default/reset-b"]}`)
	if code != http.StatusOK {
		t.Fatalf("merge: %d %v", code, m)
	}
	ctx := context.Background()
	checkMerged(t, srv)
	audit, err := srv.App.Store.Audit(ctx, kb.AuditFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(audit, func(e *kb.AuditEntry) bool { return e.Action == "article.merge" })
	if i < 0 || audit[i].Actor != "eve" || !strings.Contains(audit[i].Detail, "Use the link in the reset e-mail") {
		t.Errorf("no audit entry of the merge by eve keeping the merged-away article whole: %+v", audit)
	}
	res, err := srv.App.Bot.Composer.Compose(ctx, "default", "reset my password")
	if err != nil {
		t.Fatal(err)
	}
	if res.Top == nil || res.Top.ID != "default/reset-a" {
		t.Errorf("after the merge the top article is %v, want the merged one", res.Top)
	}
}

// checkMerged checks that the store holds reset-a with reset-b's title as
// a similar question, and no reset-b.
func checkMerged(t *testing.T, srv *Server) {
	t.Helper()
	ctx := context.Background()
	a, err := srv.App.Store.Article(ctx, "default/reset-a")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(a.Questions, "How can I reset my password") {
		t.Errorf("merged article's questions %v, want the other's title among them", a.Questions)
	}
	if _, err := srv.App.Store.Article(ctx, "default/reset-b"); err == nil {
		t.Error("the merged-away article is still there")
	}
}

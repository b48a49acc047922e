package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batonhq/baton/kb"
)

// writeTree writes files (slash paths to content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// titles maps every article id of a collection to its title.
func titles(t *testing.T, store kb.Store, collection string) map[string]string {
	t.Helper()
	arts, err := store.Articles(context.Background(), collection)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range arts {
		out[a.ID] = a.Title
	}
	return out
}

// A translated help centre keeps one file name per language in folders of
// its own: every file is its own article, and the ids stay put.
func TestSameNameInTwoFolders(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"en/walrus.md": "# Walrus care\n\nFeed them fish.",
		"zh/walrus.md": "# 海象护理\n\n喂鱼。",
		"en/faq.csv":   "question,answer\nHow long is shipping?,Three days.\n",
		"zh/faq.csv":   "question,answer\n运送多久？,三天。\n",
		"returns.md":   "# Returns\n\nThirty days.",
	})
	in := &Ingester{Store: store, Index: nopIndex{}}
	sum, err := in.IngestPaths(ctx, []string{dir}, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 5 || sum.Updated != 0 {
		t.Fatalf("first ingest: %s, want 5 added", sum)
	}
	got := titles(t, store, "shop")
	if got["shop/walrus"] != "Walrus care" || got["shop/zh-walrus"] != "海象护理" || got["shop/returns"] != "Returns" {
		t.Errorf("articles %v: want shop/walrus (en, sorted first), shop/zh-walrus and shop/returns", got)
	}
	want := got

	// Again, from another spelling of the same folder, and one folder on
	// its own: nothing new, nothing moves.
	abs, _ := filepath.Abs(dir)
	for _, paths := range [][]string{{dir}, {abs + "/./"}, {filepath.Join(dir, "zh")}} {
		sum, err = in.IngestPaths(ctx, paths, "shop")
		if err != nil {
			t.Fatal(err)
		}
		if sum.Added != 0 || sum.Updated != 0 || sum.Removed != 0 {
			t.Errorf("re-ingest %v: %s, want all unchanged", paths, sum)
		}
		if got := titles(t, store, "shop"); !maps.Equal(got, want) {
			t.Errorf("after re-ingest %v: %v, want %v", paths, got, want)
		}
	}

	// An edit to the Chinese file updates the Chinese article only.
	writeTree(t, dir, map[string]string{"zh/walrus.md": "# 海象护理\n\n每天喂两次鱼。"})
	if sum, _ = in.IngestPaths(ctx, []string{dir}, "shop"); sum.Updated != 1 || sum.Added != 0 {
		t.Errorf("after editing zh/walrus.md: %s, want 1 updated", sum)
	}
	a, err := store.Article(ctx, "shop/zh-walrus")
	if err != nil || !strings.Contains(a.Body, "两次") {
		t.Errorf("shop/zh-walrus = %+v, %v; want the edit", a, err)
	}
	if a, _ := store.Article(ctx, "shop/walrus"); a == nil || a.Title != "Walrus care" {
		t.Errorf("shop/walrus = %+v, want the English article untouched", a)
	}
}

// The same layout in a ZIP, and the id an author writes is theirs.
func TestSameNameInZip(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range [][2]string{
		{"help/en/walrus.md", "# Walrus care\n\nFeed them fish."},
		{"help/zh/walrus.md", "# 海象护理\n\n喂鱼。"},
		{"help/zh/old/walrus.md", "# 旧的海象护理\n\n以前喂虾。"},
		{"a/first.md", "---\nid: pinned\n---\n# Pinned A\n\nFirst."},
		{"b/second.md", "---\nid: pinned\n---\n# Pinned B\n\nSecond."},
	} {
		w, _ := zw.Create(f[0])
		w.Write([]byte(f[1]))
	}
	zw.Close()
	writeTree(t, dir, map[string]string{"kb.zip": buf.String()})
	in := &Ingester{Store: store, Index: nopIndex{}}
	sum, err := in.IngestPaths(ctx, []string{dir}, "shop")
	if err != nil {
		t.Fatal(err)
	}
	got := titles(t, store, "shop")
	if len(got) != 4 || got["shop/walrus"] != "Walrus care" || got["shop/zh-walrus"] != "海象护理" || got["shop/pinned"] != "Pinned B" {
		t.Fatalf("%s: articles %v, want the three walrus files apart and one shop/pinned (the last wins)", sum, got)
	}
	// The third walrus has neither the bare id nor a free folder-qualified
	// one ("old" is free here, so it is shop/old-walrus).
	if got["shop/old-walrus"] != "旧的海象护理" {
		t.Errorf("articles %v: want shop/old-walrus", got)
	}
}

// An article an editor wrote keeps its id when a file of the same name
// arrives; the file gets its own.
func TestFileBesideEditorArticle(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	ed := &kb.Article{ID: "shop/walrus", Collection: "shop", Title: "Walrus (editor)", Body: "Written in the editor.", Source: "editor", Lang: "en"}
	ed.Hash = Hash(ed)
	if _, err := store.PutArticle(ctx, ed, Split(ed, DefaultMaxTokens)); err != nil {
		t.Fatal(err)
	}
	in := &Ingester{Store: store, Index: nopIndex{}}
	r, err := in.IngestFile(ctx, "walrus.md", []byte("# Walrus file\n\nFrom a file."), "shop")
	if err != nil || r.Added != 1 {
		t.Fatalf("ingest: %+v, %v", r, err)
	}
	got := titles(t, store, "shop")
	if got["shop/walrus"] != "Walrus (editor)" || len(got) != 2 {
		t.Errorf("articles %v: want the editor's article kept and the file beside it", got)
	}
	// The file again is the same article, not a third.
	if r, _ := in.IngestFile(ctx, "walrus.md", []byte("# Walrus file\n\nFrom a file, edited."), "shop"); r.Updated != 1 || len(titles(t, store, "shop")) != 2 {
		t.Errorf("re-upload: %+v, articles %v", r, titles(t, store, "shop"))
	}
}

func TestSameFile(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"kb/en/walrus.md", "kb/en/walrus.md", true},
		{"kb/en/walrus.md", "/srv/kb/en/walrus.md", true},
		{"walrus.md", "kb/en/walrus.md", true},
		{"./kb/en/walrus.md", "kb/en/walrus.md", true},
		{"kb/en/walrus.md", "kb/zh/walrus.md", false},
		{"kb/en/walrus.md", "kb/en/awalrus.md", false},
		{"editor", "kb/walrus.md", false},
	} {
		if got := sameFile(c.a, c.b); got != c.want {
			t.Errorf("sameFile(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

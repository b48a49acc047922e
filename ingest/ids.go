package ingest

import (
	"context"
	"errors"
	"path"
	"strings"

	"github.com/batonhq/baton/kb"
)

// UniqueIDs makes the name-derived ids of one source's articles unique
// per file. Parse derives an id from the file's name alone
// ("faq/walrus"), so en/walrus.md and zh/walrus.md, the natural layout of
// a translated help centre, would be one article, the second overwriting
// the first. Here each such id is checked against the store:
//
//   - an id the source already holds stays, so re-ingesting a file keeps
//     its ids, links and history;
//   - a free id, or one held by the same file under another path
//     ("kb/en/walrus.md" and "/srv/kb/en/walrus.md", or the file uploaded
//     on its own as "walrus.md"), is taken, so a file that never collided
//     keeps the id it always had;
//   - an id held by another file (or by an article an editor wrote) is not
//     taken: the id is qualified by the file's folder ("faq/zh-walrus"),
//     and failing that by a hash of its path.
//
// Ids written by the author (front matter "id:", a JSON Lines "id" field)
// are left alone: overwriting is what their author asked for.
func UniqueIDs(ctx context.Context, store kb.Store, source string, arts []*kb.Article) error {
	if extOf(source) == ".jsonl" {
		return nil
	}
	base := baseName(source)
	stem := strings.TrimSpace(strings.TrimSuffix(base, path.Ext(base)))
	if stem == "" {
		stem = strings.TrimSpace(base)
	}
	owned := map[string]bool{}
	listed := map[string]bool{}
	for _, a := range arts {
		if listed[a.Collection] {
			continue
		}
		listed[a.Collection] = true
		ids, err := store.ArticlesBySource(ctx, a.Collection, source)
		if err != nil {
			return err
		}
		for _, id := range ids {
			owned[id] = true
		}
	}
	dir := path.Base(path.Dir(strings.ReplaceAll(source, `\`, "/")))
	for _, a := range arts {
		prefix := a.Collection + "/" + slug(stem)
		rest, ok := strings.CutPrefix(a.ID, prefix)
		if !ok || rest != "" && !strings.HasPrefix(rest, "-") {
			continue // the author's own id
		}
		cands := []string{a.ID}
		if dir != "." && dir != "/" && dir != "" {
			cands = append(cands, a.Collection+"/"+slug(dir)+"-"+slug(stem)+rest)
		}
		cands = append(cands, prefix+"-"+shortHash(source)+rest)
		id, err := pickID(ctx, store, source, cands, owned)
		if err != nil {
			return err
		}
		a.ID = id
	}
	return nil
}

// pickID is the first of cands the source holds, else the first that is
// free or held by the same file, else the last.
func pickID(ctx context.Context, store kb.Store, source string, cands []string, owned map[string]bool) (string, error) {
	for _, id := range cands {
		if owned[id] {
			return id, nil
		}
	}
	for _, id := range cands {
		held, err := heldBy(ctx, store, id)
		if err != nil {
			return "", err
		}
		if held == "" || sameFile(held, source) {
			return id, nil
		}
	}
	return cands[len(cands)-1], nil
}

// heldBy is the source of the article or pending draft with this id, or
// "" when there is neither: an editor's unpublished new article holds its
// id as much as a published one does.
func heldBy(ctx context.Context, store kb.Store, id string) (string, error) {
	a, err := store.Article(ctx, id)
	if err == nil {
		return a.Source, nil
	}
	if !errors.Is(err, kb.ErrNotFound) {
		return "", err
	}
	d, err := store.Draft(ctx, id)
	if err == nil {
		return d.Article.Source, nil
	}
	if errors.Is(err, kb.ErrNotFound) {
		return "", nil
	}
	return "", err
}

// sameFile reports whether two sources name one file: equal, or one the
// other's path seen from a folder further down ("walrus.md" and
// "kb/en/walrus.md").
func sameFile(a, b string) bool {
	a = path.Clean(strings.ReplaceAll(a, `\`, "/"))
	b = path.Clean(strings.ReplaceAll(b, `\`, "/"))
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return strings.HasSuffix(b, "/"+a)
}

package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/batonhq/baton/kb"
)

// Index is what ingestion keeps in step with the store: the search indexes.
type Index interface {
	Index(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error
	Delete(ctx context.Context, articleID string) error
}

// DefaultMaxTokens is the passage size limit (see Tokens).
const DefaultMaxTokens = 300

// Ingester loads files into the store and the indexes.
type Ingester struct {
	Store     kb.Store
	Index     Index
	MaxTokens int
	// Workers is how many files are read and parsed, or articles embedded,
	// at once, ahead of the one being stored (see Stream); GOMAXPROCS when
	// zero. The articles of one file are embedded on several workers too.
	// One works through the files one at a time; fewer than the cores
	// leaves cores to chat turns while a bulk upload runs.
	Workers int
	// Progress, when set, is called after each file with the files done
	// and the files known so far: an archive's files are counted, each as
	// a file, once the archive is opened.
	Progress func(done, total int)
	// Reindex indexes articles even when the store has them unchanged:
	// after a crash the store may be ahead of the indexes.
	Reindex bool
}

// FileResult is what happened to one file.
type FileResult struct {
	Path      string `json:"path"`
	Added     int    `json:"added"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Removed   int    `json:"removed"`
	Err       string `json:"error,omitempty"`
}

// Summary totals an ingestion run.
type Summary struct {
	Files     []FileResult `json:"files"`
	Added     int          `json:"added"`
	Updated   int          `json:"updated"`
	Unchanged int          `json:"unchanged"`
	Removed   int          `json:"removed"`
	Failed    int          `json:"failed"`
}

// String is the one-line summary printed when no progress bar is shown.
func (s Summary) String() string {
	return fmt.Sprintf("%d files: %d articles added, %d updated, %d unchanged, %d removed, %d files failed",
		len(s.Files), s.Added, s.Updated, s.Unchanged, s.Removed, s.Failed)
}

// supported lists the extensions Parse understands, and .zip, which
// IngestPaths expands with Unzip, for directory walks.
var supported = map[string]bool{
	".md": true, ".markdown": true, ".txt": true, ".html": true, ".htm": true, ".csv": true, ".jsonl": true,
	".pdf": true, ".docx": true, ".xlsx": true, ".zip": true,
}

// IngestPaths ingests files and, recursively, the supported files of
// directories. A .zip archive is expanded with Unzip and each file in it
// ingested as a source of its own, named by the archive's path and its
// path inside ("kb.zip/faq/returns.md"). A file that fails is reported and
// the others go on.
func (in *Ingester) IngestPaths(ctx context.Context, paths []string, collection string) (Summary, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return Summary{}, fmt.Errorf("ingest %s: %w", p, err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(p, path)
			if rel != "." && SkipName(filepath.ToSlash(rel)) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && supported[extOf(path)] {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return Summary{}, fmt.Errorf("ingest %s: %w", p, err)
		}
	}
	sort.Strings(files)

	var sum Summary
	done, total := 0, len(files)
	var opened sync.Mutex // total grows as the reader opens archives
	sources := func(yield func(Source) bool) {
		for _, f := range files {
			if extOf(f) != ".zip" {
				if !yield(Source{Name: f, Read: func() ([]byte, error) { return os.ReadFile(f) }}) {
					return
				}
				continue
			}
			// Each file in the archive is a source of its own, named by
			// its path under the archive's.
			entries, err := readZip(f)
			if err != nil {
				if !yield(Source{Name: f, Read: func() ([]byte, error) { return nil, err }}) {
					return
				}
				continue
			}
			opened.Lock()
			total += len(entries) - 1
			opened.Unlock()
			for _, e := range entries {
				src := Source{Name: filepath.ToSlash(f) + "/" + e.Name, Read: func() ([]byte, error) { return e.Data, nil }}
				if !yield(src) {
					return
				}
			}
		}
	}
	err := in.Stream(ctx, collection, sources, func(_ Source, r FileResult, err error) error {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.Err = err.Error()
			sum.Failed++
		}
		sum.Files = append(sum.Files, r)
		sum.Added += r.Added
		sum.Updated += r.Updated
		sum.Unchanged += r.Unchanged
		sum.Removed += r.Removed
		done++
		if in.Progress != nil {
			opened.Lock()
			n := total
			opened.Unlock()
			in.Progress(done, n)
		}
		return nil
	})
	return sum, err
}

// readZip reads and expands one archive.
func readZip(path string) ([]ZipEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	entries, err := Unzip(data, DefaultZipLimits)
	if err != nil {
		return nil, fmt.Errorf("unzip %s: %w", path, err)
	}
	return entries, nil
}

// IngestFile ingests one file's content under the given source name.
func (in *Ingester) IngestFile(ctx context.Context, name string, data []byte, collection string) (FileResult, error) {
	r := FileResult{Path: name}
	arts, err := Parse(name, data, collection)
	if err != nil {
		return r, err
	}
	return r, in.apply(ctx, name, arts, nil, &r)
}

func (in *Ingester) maxTokens() int {
	if in.MaxTokens <= 0 {
		return DefaultMaxTokens
	}
	return in.MaxTokens
}

// apply stores a source's articles, re-indexes those that changed and
// removes the ones the source no longer has. pre, when not nil, is what
// Stream embeds ahead: each article is indexed with what it prepared,
// once it has, or with in.Index when it prepared nothing.
func (in *Ingester) apply(ctx context.Context, source string, arts []*kb.Article, pre *ahead, r *FileResult) error {
	maxTok := in.maxTokens()
	if err := UniqueIDs(ctx, in.Store, source, arts); err != nil {
		return err
	}
	keep := map[string]map[string]bool{} // collection -> ids
	for i, a := range arts {
		if keep[a.Collection] == nil {
			keep[a.Collection] = map[string]bool{}
		}
		keep[a.Collection][a.ID] = true
		indexFn := in.Index.Index
		if pre != nil {
			f, err := pre.take(ctx, i)
			if err != nil {
				return err
			}
			if f != nil {
				indexFn = f
			}
		}
		a.Source = source
		a.Hash = Hash(a)
		chunks := Split(a, maxTok)
		changed, err := in.Store.PutArticle(ctx, a, chunks)
		if err != nil {
			return err
		}
		switch {
		case !changed:
			r.Unchanged++
		case a.Version == 1:
			r.Added++
		default:
			r.Updated++
		}
		if changed || in.Reindex {
			if err := indexFn(ctx, a, chunks); err != nil {
				return err
			}
		}
	}
	for coll, ids := range keep {
		old, err := in.Store.ArticlesBySource(ctx, coll, source)
		if err != nil {
			return err
		}
		for _, id := range old {
			if ids[id] {
				continue
			}
			if err := in.Store.DeleteArticle(ctx, id); err != nil && !errors.Is(err, kb.ErrNotFound) {
				return err
			}
			if err := in.Index.Delete(ctx, id); err != nil {
				return err
			}
			r.Removed++
		}
	}
	return nil
}

// Hash is the content hash of what an article says; re-ingesting an
// article with the same hash is a no-op.
func Hash(a *kb.Article) string {
	b, _ := json.Marshal([]any{a.Collection, a.Title, a.Body, a.Questions, a.Tags, a.Lang, a.AlwaysHandoff})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

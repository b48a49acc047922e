package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres"
)

// changesPage is how many article changes the follower reads at once.
const changesPage = 500

// indexFollower keeps this node's search index in step with the articles
// in a PostgreSQL database that other nodes change too: it applies the
// database's article changes in order and remembers, in the data
// directory, the last one the index shows, so a restart catches up on
// what changed while the node was down.
type indexFollower struct {
	store   *postgres.Store
	path    string // data/index.seq
	applied int64
	// index and remove update this node's indexes for one article;
	// indexed says whether they already show it at a hash (this node's
	// own edits, which its index took when it made them).
	index   func(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error
	remove  func(ctx context.Context, id string) error
	indexed func(id, hash string) bool
}

// load reads the last applied change; false when the index has none
// recorded (new, or made before it was kept).
func (f *indexFollower) load() bool {
	b, err := os.ReadFile(f.path)
	if err != nil {
		return false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return false
	}
	f.applied = n
	return true
}

func (f *indexFollower) save() error {
	return kb.WriteFileAtomic(f.path, []byte(strconv.FormatInt(f.applied, 10)+"\n"))
}

// catchUp applies every change after the last applied one and returns how
// many articles it updated.
func (f *indexFollower) catchUp(ctx context.Context) (int, error) {
	n := 0
	for {
		cs, err := f.store.ArticleChanges(ctx, f.applied, changesPage)
		if err != nil || len(cs) == 0 {
			return n, err
		}
		var ids []string
		for _, c := range cs {
			if !slices.Contains(ids, c.ArticleID) {
				ids = append(ids, c.ArticleID)
			}
		}
		for _, id := range ids {
			if err := f.apply(ctx, id); err != nil {
				return n, err
			}
			n++
		}
		f.applied = cs[len(cs)-1].Seq
		if err := f.save(); err != nil {
			return n, err
		}
	}
}

// apply makes the index show article id as the store has it now.
func (f *indexFollower) apply(ctx context.Context, id string) error {
	a, err := f.store.Article(ctx, id)
	if errors.Is(err, kb.ErrNotFound) {
		if err := f.remove(ctx, id); err != nil && !errors.Is(err, kb.ErrNotFound) {
			return fmt.Errorf("unindex %s: %w", id, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if f.indexed(a.ID, a.Hash) {
		return nil
	}
	chunks, err := f.store.Chunks(ctx, id)
	if err != nil {
		return err
	}
	if err := f.index(ctx, a, chunks); err != nil {
		return fmt.Errorf("index %s: %w", id, err)
	}
	return nil
}

// run catches up every interval until ctx ends, reporting failures to
// onErr; the next round retries from the last change applied.
func (f *indexFollower) run(ctx context.Context, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := f.catchUp(ctx); err != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}

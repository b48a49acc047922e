package ingest

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"sync"

	"github.com/batonhq/baton/kb"
)

// Source is one file to ingest: the name its articles are filed under
// and how to read it. Read is called on a worker goroutine.
type Source struct {
	Name string
	Read func() ([]byte, error)
}

// Preparer is an Index whose costly part, embedding an article's texts,
// can run ahead of indexing, on several goroutines at once (retrieval's
// Searcher and IndexBatch). Prepare writes nothing and is safe for
// concurrent use; it returns the function that indexes the article as
// Index would, given the article as finally stored.
type Preparer interface {
	Prepare(ctx context.Context, a *kb.Article, chunks []kb.Chunk) (func(context.Context, *kb.Article, []kb.Chunk) error, error)
}

// aheadPerWorker bounds the sources parsed and embedded ahead of the one
// being stored, per worker: enough that a worker never waits for a slow
// source ahead of it, few enough that memory holds a handful of files,
// not the whole upload.
const aheadPerWorker = 4

// pending is one source on its way through Stream. The worker that
// prepares it owns it until done is closed; Stream's caller after.
type pending struct {
	src   Source
	arts  []*kb.Article
	index []func(context.Context, *kb.Article, []kb.Chunk) error // per article; nil: not prepared
	err   error                                                  // reading or parsing
	done  chan struct{}
}

// workers is how many goroutines Stream prepares sources on.
func (in *Ingester) workers() int {
	if in.Workers > 0 {
		return in.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Stream ingests sources in order and calls each, in the same order, with
// what became of every one (a read or parse error included); an error
// from each stops the stream. With more than one worker (see
// Ingester.Workers) up to a few sources per worker are read, parsed and
// embedded ahead, in parallel, while the one before them is stored and
// indexed; storing stays in order, one source at a time, so the store,
// the indexes and the results are what one worker would have made. An
// article whose embedding ahead failed, or guessed wrong (its file
// changed by one earlier in the stream), is embedded again as it is
// indexed, so its error is reported against its own file.
func (in *Ingester) Stream(ctx context.Context, collection string, sources iter.Seq[Source], each func(Source, FileResult, error) error) error {
	workers := in.workers()
	if workers == 1 {
		for src := range sources {
			p := &pending{src: src}
			in.parse(p, collection)
			r, err := in.store(ctx, p)
			if err := each(src, r, err); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return nil
	}

	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: no goroutine outlives the call
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *pending)
	order := make(chan *pending, workers*aheadPerWorker)
	wg.Go(func() {
		defer close(order)
		defer close(work)
		for src := range sources {
			p := &pending{src: src, done: make(chan struct{})}
			select {
			case order <- p: // blocks while the look-ahead is full
			case <-ctx.Done():
				return
			}
			select {
			case work <- p:
			case <-ctx.Done():
				return
			}
		}
	})
	for range workers {
		wg.Go(func() {
			for p := range work {
				in.parse(p, collection)
				in.prepare(ctx, p)
				close(p.done)
			}
		})
	}
	for p := range order {
		select {
		case <-p.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		r, err := in.store(ctx, p)
		p.arts, p.index = nil, nil // done with: let memory go
		if err := each(p.src, r, err); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return ctx.Err()
}

// parse reads and parses a source.
func (in *Ingester) parse(p *pending, collection string) {
	data, err := p.src.Read()
	if err != nil {
		p.err = err
		return
	}
	p.arts, p.err = Parse(p.src.Name, data, collection)
}

// prepare embeds ahead the articles of a parsed source that are not
// already stored unchanged.
func (in *Ingester) prepare(ctx context.Context, p *pending) {
	prep, ok := in.Index.(Preparer)
	if !ok || p.err != nil || len(p.arts) == 0 {
		return
	}
	stored := map[string]bool{}
	if !in.Reindex {
		var err error
		if stored, err = in.storedHashes(ctx, p.src.Name, p.arts); err != nil {
			return // store will meet the error again and report it
		}
	}
	p.index = make([]func(context.Context, *kb.Article, []kb.Chunk) error, len(p.arts))
	for i, a := range p.arts {
		if ctx.Err() != nil {
			return
		}
		if stored[Hash(a)] {
			continue // unchanged: store will not index it
		}
		// Split again by store once the id is final: chunk ids derive
		// from it, chunk texts (what is embedded) do not.
		if f, err := prep.Prepare(ctx, a, Split(a, in.maxTokens())); err == nil {
			p.index[i] = f
		}
	}
}

// storedHashes is the set of content hashes of the articles the store
// holds from source, in the collections of arts.
func (in *Ingester) storedHashes(ctx context.Context, source string, arts []*kb.Article) (map[string]bool, error) {
	hashes := map[string]bool{}
	seen := map[string]bool{}
	for _, a := range arts {
		if seen[a.Collection] {
			continue
		}
		seen[a.Collection] = true
		ids, err := in.Store.ArticlesBySource(ctx, a.Collection, source)
		if err != nil {
			return nil, fmt.Errorf("list articles of %s: %w", source, err)
		}
		for _, id := range ids {
			old, err := in.Store.Article(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("load article %s: %w", id, err)
			}
			hashes[old.Hash] = true
		}
	}
	return hashes, nil
}

// store applies a parsed source to the store and the indexes.
func (in *Ingester) store(ctx context.Context, p *pending) (FileResult, error) {
	r := FileResult{Path: p.src.Name}
	if p.err != nil {
		return r, p.err
	}
	err := in.apply(ctx, p.src.Name, p.arts, p.index, &r)
	return r, err
}

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

// articlesAheadPerWorker bounds, per worker, the articles of one source
// embedded ahead of the one being stored: enough to keep every worker on
// one big file (a bulk kb.jsonl) busy, few enough that its vectors wait
// in memory a few at a time, not the whole file's.
const articlesAheadPerWorker = 8

// pending is one source on its way through Stream. The worker that
// parses it owns it until parsed is closed; Stream's caller after.
type pending struct {
	src    Source
	arts   []*kb.Article
	err    error  // reading or parsing
	ahead  *ahead // nil: nothing embedded ahead
	parsed chan struct{}
}

// ahead is a source's articles being embedded ahead of storing, each on
// a worker of its own, so that one big source uses every worker.
type ahead struct {
	index  []func(context.Context, *kb.Article, []kb.Chunk) error // per article; nil: not prepared
	ready  []chan struct{}                                        // ready[i] closed: index[i] is final
	window chan struct{}                                          // a token per article taken up and not yet stored
	stored chan struct{}                                          // closed once the source is stored: stop
}

// take waits until article i has been embedded ahead, or skipped, and
// returns the function that indexes it with what was prepared, nil when
// nothing was. It lets the source's preparation go one article further.
func (h *ahead) take(ctx context.Context, i int) (func(context.Context, *kb.Article, []kb.Chunk) error, error) {
	select {
	case <-h.ready[i]:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	<-h.window // sent before ready[i] was closed: never blocks
	f := h.index[i]
	h.index[i] = nil // done with: let the vectors go
	return f, nil
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
// Ingester.Workers) up to a few sources per worker are read and parsed
// ahead, and their articles embedded, in parallel, the articles of one
// source on several workers too, while the source before them is stored
// and indexed; at most Workers parse or embed at a time. Storing stays in
// order, one article at a time, so the store, the indexes and the results
// are what one worker would have made. An article whose embedding ahead
// failed, or guessed wrong (its file changed by one earlier in the
// stream), is embedded again as it is indexed, so its error is reported
// against its own file.
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
	slots := make(chan struct{}, workers) // a token per parse or embedding running
	work := make(chan *pending)
	order := make(chan *pending, workers*aheadPerWorker)
	wg.Go(func() {
		defer close(order)
		defer close(work)
		for src := range sources {
			p := &pending{src: src, parsed: make(chan struct{})}
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
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return
				}
				in.parse(p, collection)
				<-slots
				in.prepare(ctx, p, workers*articlesAheadPerWorker, slots, &wg)
			}
		})
	}
	for p := range order {
		select {
		case <-p.parsed:
		case <-ctx.Done():
			return ctx.Err()
		}
		r, err := in.store(ctx, p)
		if p.ahead != nil {
			close(p.ahead.stored)
		}
		p.arts, p.ahead = nil, nil // done with: let memory go
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

// prepare hands a parsed source to Stream's caller and embeds ahead its
// articles that are not already stored unchanged, in order, each on a
// goroutine of its own holding one of slots, at most window articles
// ahead of the one being stored. It returns once the last is started, or
// the source is stored or the stream stopped.
func (in *Ingester) prepare(ctx context.Context, p *pending, window int, slots chan struct{}, wg *sync.WaitGroup) {
	prep, ok := in.Index.(Preparer)
	if !ok || p.err != nil || len(p.arts) == 0 {
		close(p.parsed)
		return
	}
	stored := map[string]bool{}
	if !in.Reindex {
		var err error
		if stored, err = in.storedHashes(ctx, p.src.Name, p.arts); err != nil {
			close(p.parsed) // store will meet the error again and report it
			return
		}
	}
	// Copies, taken before the caller may change the articles (their ids
	// as it stores them): what is embedded is read on other goroutines.
	arts := make([]kb.Article, len(p.arts))
	for i, a := range p.arts {
		arts[i] = *a
	}
	h := &ahead{
		index:  make([]func(context.Context, *kb.Article, []kb.Chunk) error, len(arts)),
		ready:  make([]chan struct{}, len(arts)),
		window: make(chan struct{}, window),
		stored: make(chan struct{}),
	}
	for i := range h.ready {
		h.ready[i] = make(chan struct{})
	}
	p.ahead = h
	close(p.parsed)

	maxTok := in.maxTokens()
	for i := range arts {
		select {
		case h.window <- struct{}{}: // blocks while window articles wait to be stored
		case <-h.stored:
			return
		case <-ctx.Done():
			return
		}
		if stored[Hash(&arts[i])] {
			close(h.ready[i]) // unchanged: store will not index it
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-h.stored:
			return
		case <-ctx.Done():
			return
		}
		wg.Go(func() {
			defer func() { <-slots }()
			// Split again by store once the id is final: chunk ids derive
			// from it, chunk texts (what is embedded) do not.
			a := &arts[i]
			if f, err := prep.Prepare(ctx, a, Split(a, maxTok)); err == nil {
				h.index[i] = f
			}
			close(h.ready[i])
		})
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
	err := in.apply(ctx, p.src.Name, p.arts, p.ahead, &r)
	return r, err
}

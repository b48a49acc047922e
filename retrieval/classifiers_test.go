package retrieval

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/batonhq/baton/kb"
)

// sharedClassifiers is a ClassifierStore several searchers share, as
// nodes share a database; it counts saves, one per classifier trained.
type sharedClassifiers struct {
	train sync.Mutex // the lock on training
	mu    sync.Mutex
	data  map[string][]byte // by collection and fingerprint
	saves int
}

func (m *sharedClassifiers) Classifier(ctx context.Context, c, fp string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if d, ok := m.data[c+"\x00"+fp]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("classifier of %s: %w", c, kb.ErrNotFound)
}

func (m *sharedClassifiers) SaveClassifier(ctx context.Context, c, fp string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.data == nil {
		m.data = map[string][]byte{}
	}
	m.data[c+"\x00"+fp] = data
	m.saves++
	return nil
}

func (m *sharedClassifiers) WithClassifierLock(ctx context.Context, c, fp string, fn func() error) error {
	m.train.Lock()
	defer m.train.Unlock()
	return fn()
}

func (m *sharedClassifiers) saved() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saves
}

// Nodes sharing a store that need the same classifiers at once train each
// once between them and all use it; a node started later loads it; a node
// with other vectors trains its own.
func TestClassifierTrainedOncePerSharedStore(t *testing.T) {
	ctx := context.Background()
	f := newFakeOpenAI(t)
	store := &sharedClassifiers{}
	node := func(docs []doc) *Searcher {
		s := NewSearcher(openKeyword(t, KeywordOptions{}), f.embedder(16))
		s.Classifiers = store
		for _, d := range docs {
			if err := s.Index(ctx, &d.article, d.chunks); err != nil {
				t.Fatalf("Index(%s): %v", d.article.ID, err)
			}
		}
		return s
	}
	docs := corpus()
	rev := slices.Clone(docs)
	slices.Reverse(rev) // the same vectors in another order
	nodes := []*Searcher{node(docs), node(rev)}
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Go(func() {
			if err := n.TrainClassifiers(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// en and zh; the third collection has one article.
	if n := store.saved(); n != 2 {
		t.Fatalf("two nodes trained %d classifiers, want 2 (en and zh, once each)", n)
	}
	q := fakeEmbedding("money back")
	want := nodes[0].vectors.classify("en", q)
	if want == nil {
		t.Fatal("no classifier of en after training")
	}
	if got := nodes[1].vectors.classify("en", q); !maps.Equal(got, want) {
		t.Errorf("the other node classifies %v, want the same classifier's %v", got, want)
	}

	later := node(docs)
	if err := later.TrainClassifiers(ctx); err != nil {
		t.Fatal(err)
	}
	if n := store.saved(); n != 2 {
		t.Errorf("a node started later trained again (%d saves), want it to load the saved ones", n)
	}
	if got := later.vectors.classify("en", q); !maps.Equal(got, want) {
		t.Errorf("the later node classifies %v, want %v", got, want)
	}

	other := node(docs[1:]) // en-refund gone: another fingerprint
	if err := other.TrainClassifiers(ctx); err != nil {
		t.Fatal(err)
	}
	if n := store.saved(); n != 3 {
		t.Errorf("%d saves after a node with other vectors of en trained, want 3", n)
	}
}

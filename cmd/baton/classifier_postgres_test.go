package main

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/kb/postgres/pgtest"
	"github.com/batonhq/baton/retrieval"
)

// countSaves counts the classifiers a node trained: it saves each one.
type countSaves struct {
	retrieval.ClassifierStore
	n *atomic.Int32
}

func (c countSaves) SaveClassifier(ctx context.Context, coll, fp string, data []byte) error {
	c.n.Add(1)
	return c.ClassifierStore.SaveClassifier(ctx, coll, fp, data)
}

// TestClassifierAcrossNodes: two nodes on one PostgreSQL database that
// need the same classifier at once train it once between them and rank
// with the same classifier; a node started later loads it at its start
// instead of training; no data directory holds a classifier.
func TestClassifierAcrossNodes(t *testing.T) {
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	ctx := context.Background()
	if err := run(ctx, []string{"ingest", "--data", t.TempDir(), "testdata/kb"}, io.Discard, io.Discard); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	var saves atomic.Int32
	nodes := []*App{openNode(t, t.TempDir()), openNode(t, t.TempDir())}
	for _, n := range nodes {
		defer n.Close()
		if _, ok := n.Searcher.Classifiers.(*postgres.Store); !ok {
			t.Fatalf("a node on PostgreSQL keeps classifiers in %T, want the database", n.Searcher.Classifiers)
		}
		n.Searcher.Classifiers = countSaves{n.Searcher.Classifiers, &saves}
	}
	const q = "how do I send something back"
	if hits := classified(t, nodes[0], q); len(hits) != 0 {
		t.Fatalf("a classifier before any node trained one: %+v", hits)
	}
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			if err := n.Searcher.TrainClassifiers(ctx); err != nil {
				t.Errorf("node %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := saves.Load(); n != 1 {
		t.Fatalf("two nodes trained the default collection's classifier %d times, want once", n)
	}
	want := classified(t, nodes[0], q)
	if len(want) == 0 {
		t.Fatal("no classifier ranking on the node after training")
	}
	sameRanking(t, "the other node", classified(t, nodes[1], q), want)

	later := openNode(t, t.TempDir())
	defer later.Close()
	sameRanking(t, "a node started later, before any training", classified(t, later, q), want)

	for _, n := range append(nodes, later) {
		if _, err := os.Stat(filepath.Join(n.Config.Data, "classifiers")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a node's data directory holds classifiers (%v), want them only in the database", err)
		}
	}
}

// classified is the classifier's ranking alone of the default
// collection's articles for q on node a.
func classified(t *testing.T, a *App, q string) []retrieval.Fused {
	t.Helper()
	a.Searcher.Only = "classifier"
	defer func() { a.Searcher.Only = "" }()
	hits, err := a.Searcher.Search(t.Context(), "default", q, 5)
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// sameRanking fails t unless got ranks the articles of want in order with
// the same probabilities.
func sameRanking(t *testing.T, who string, got, want []retrieval.Fused) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s ranks %d articles by classifier, want %d", who, len(got), len(want))
	}
	for i := range want {
		g, w := got[i].Scores[retrieval.RankClassify], want[i].Scores[retrieval.RankClassify]
		if got[i].ArticleID != want[i].ArticleID || math.Abs(g-w) > 1e-6 {
			t.Errorf("%s: #%d %s %v, want %s %v (the same classifier)", who, i+1, got[i].ArticleID, g, want[i].ArticleID, w)
		}
	}
}

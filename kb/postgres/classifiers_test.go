package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// A classifier saved on one node is loaded on another for the same
// fingerprint only; saving again replaces it, and a collection keeps its
// latest few.
func TestClassifierSaveLoad(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	a, b := open(t, url), open(t, url)
	defer a.Close()
	defer b.Close()
	if _, err := b.Classifier(ctx, "en", "fp1"); !errors.Is(err, kb.ErrNotFound) {
		t.Fatalf("Classifier before any save: %v, want kb.ErrNotFound", err)
	}
	if err := a.SaveClassifier(ctx, "en", "fp1", []byte("one")); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Classifier(ctx, "en", "fp1"); err != nil || !bytes.Equal(got, []byte("one")) {
		t.Fatalf("Classifier on the other node = %q, %v; want what was saved", got, err)
	}
	for _, k := range [][2]string{{"en", "fp2"}, {"zh", "fp1"}} {
		if got, err := b.Classifier(ctx, k[0], k[1]); !errors.Is(err, kb.ErrNotFound) {
			t.Errorf("Classifier(%s, %s) = %q, %v; want kb.ErrNotFound", k[0], k[1], got, err)
		}
	}
	if err := b.SaveClassifier(ctx, "en", "fp1", []byte("again")); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Classifier(ctx, "en", "fp1"); err != nil || string(got) != "again" {
		t.Errorf("Classifier after a second save = %q, %v; want the second", got, err)
	}
	for i := 2; i <= classifiersKept+1; i++ {
		if err := a.SaveClassifier(ctx, "en", fmt.Sprint("fp", i), []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Classifier(ctx, "en", "fp1"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("the oldest of %d classifiers of en: %v, want dropped", classifiersKept+1, err)
	}
	if got, err := a.Classifier(ctx, "en", "fp2"); err != nil || !bytes.Equal(got, []byte{2}) {
		t.Errorf("the %d latest of en: fp2 = %v, %v; want kept", classifiersKept, got, err)
	}
}

// Nodes taking the lock on one classifier hold it in turn; on another
// classifier they do not wait.
func TestWithClassifierLock(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	nodes := []*Store{open(t, url), open(t, url), open(t, url)}
	for _, s := range nodes {
		defer s.Close()
	}
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			err := nodes[i%len(nodes)].WithClassifierLock(ctx, "en", "fp", func() error {
				n := inside.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(20 * time.Millisecond)
				inside.Add(-1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := most.Load(); n != 1 {
		t.Fatalf("%d holders of one classifier's lock at once, want 1", n)
	}

	held := make(chan struct{})
	release := make(chan struct{})
	go nodes[0].WithClassifierLock(ctx, "en", "fp", func() error { close(held); <-release; return nil })
	<-held
	other := make(chan error, 1)
	go func() { other <- nodes[1].WithClassifierLock(ctx, "zh", "fp", func() error { return nil }) }()
	select {
	case err := <-other:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the lock on zh's classifier waited for en's")
	}
	// A node waiting gives up with its context, and the lock is free
	// once its holder returns.
	wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := nodes[2].WithClassifierLock(wctx, "en", "fp", func() error { return nil }); err == nil {
		t.Error("WithClassifierLock while another node holds it and the context ends: no error")
	}
	close(release)
	done := make(chan error, 1)
	go func() { done <- nodes[2].WithClassifierLock(ctx, "en", "fp", func() error { return nil }) }()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the lock was not released by its holder")
	}
}

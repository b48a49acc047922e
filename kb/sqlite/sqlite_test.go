package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) kb.Store {
		db, err := Open(context.Background(), filepath.Join(t.TempDir(), "baton.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// Two handles on one file, as two processes would have.
func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (kb.Store, kb.Store) {
		path := filepath.Join(t.TempDir(), "baton.db")
		var dbs [2]kb.Store
		for i := range dbs {
			db, err := Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			dbs[i] = db
		}
		return dbs[0], dbs[1]
	})
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "baton.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a := &kb.Article{ID: "a", Collection: "c", Title: "t", Hash: "h", Source: "s"}
	if _, err := db.PutArticle(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path) // migrations must not re-run
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Article(ctx, "a"); err != nil {
		t.Errorf("article lost across reopen: %v", err)
	}
}

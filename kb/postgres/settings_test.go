package postgres

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// Nodes claiming a periodic job at once: one of them wins the period, the
// others are told no until it has passed.
func TestClaimPeriod(t *testing.T) {
	url := pgtest.Database(t)
	ctx := context.Background()
	nodes := []*Store{open(t, url), open(t, url), open(t, url)}
	for _, s := range nodes {
		defer s.Close()
	}
	const every = time.Hour
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() {
			ok, err := nodes[i%len(nodes)].ClaimPeriod(ctx, "job", every)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Fatalf("%d of 12 claims at once won the period, want 1", n)
	}
	if ok, err := nodes[1].ClaimPeriod(ctx, "job", every); err != nil || ok {
		t.Errorf("a claim within the period = %v, %v; want false", ok, err)
	}
	if ok, err := nodes[1].ClaimPeriod(ctx, "other", every); err != nil || !ok {
		t.Errorf("a claim of another job = %v, %v; want true", ok, err)
	}
	time.Sleep(20 * time.Millisecond)
	if ok, err := nodes[2].ClaimPeriod(ctx, "job", 10*time.Millisecond); err != nil || !ok {
		t.Errorf("a claim once the period has passed = %v, %v; want true", ok, err)
	}
}

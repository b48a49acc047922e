package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// RunShared runs the cases that need two handles on one store, as two
// nodes on one database have; open returns them over a fresh, empty store.
func RunShared(t *testing.T, open func(t *testing.T) (a, b kb.Store)) {
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b kb.Store)
	}{
		{"ClaimDeliveriesRace", testClaimDeliveriesRace},
		{"ClaimJobsRace", testClaimJobsRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := open(t)
			t.Cleanup(func() { a.Close(); b.Close() })
			tt.fn(t, a, b)
		})
	}
}

// base is a time in the past, to the millisecond, that outbox cases count
// from: they pass their own "now", so the stores' clocks do not matter.
func base() time.Time { return time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond) }

func enqueue(t *testing.T, s kb.Store, id, conversation string, next time.Time) *kb.Delivery {
	t.Helper()
	d := &kb.Delivery{ID: id, Event: "handoff.created", Body: []byte(`{"id":"` + id + `","data":{"contact":"ann@example.com"}}`), ConversationID: conversation, NextAt: next}
	if err := s.EnqueueDelivery(context.Background(), d); err != nil {
		t.Fatalf("enqueue %s: %v", id, err)
	}
	return d
}

func claimIDs(t *testing.T, s kb.Store, now time.Time, lease time.Duration, n int) []string {
	t.Helper()
	ds, err := s.ClaimDeliveries(context.Background(), now, lease, n)
	if err != nil {
		t.Fatalf("claim at %v: %v", now, err)
	}
	ids := []string{}
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	return ids
}

// A delivery round-trips, is claimed once while its lease runs and again
// after it lapses, and comes back at its retry time with what was tried.
func testOutbox(t *testing.T, s kb.Store) {
	ctx := context.Background()
	t0 := base()
	before := time.Now().Add(-time.Second)
	a := enqueue(t, s, "d-a", "conv-a", t0)
	enqueue(t, s, "d-b", "", t0.Add(time.Millisecond))
	enqueue(t, s, "d-later", "conv-c", t0.Add(time.Minute))
	if a.CreatedAt.Before(before) || a.CreatedAt.After(time.Now().Add(time.Second)) || !a.NextAt.Equal(t0) {
		t.Errorf("enqueued: created %v next %v, want about now and %v", a.CreatedAt, a.NextAt, t0)
	}
	if err := s.EnqueueDelivery(ctx, &kb.Delivery{ID: "d-a", Event: "x", Body: []byte("{}")}); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("enqueue a taken id: %v, want ErrConflict", err)
	}

	const lease = 10 * time.Second
	now := t0.Add(time.Second)
	ds, err := s.ClaimDeliveries(ctx, now, lease, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].ID != "d-a" || ds[1].ID != "d-b" {
		t.Fatalf("claimed %v, want d-a then d-b (d-later is not due)", ds)
	}
	got := ds[0]
	if got.Event != "handoff.created" || !bytes.Equal(got.Body, a.Body) || got.ConversationID != "conv-a" || got.Attempts != 0 || got.LastError != "" {
		t.Errorf("claimed %+v, want what was enqueued", got)
	}
	if !got.NextAt.Equal(t0) || !got.LeasedUntil.Equal(now.Add(lease)) || got.CreatedAt.Sub(a.CreatedAt).Abs() > time.Millisecond {
		t.Errorf("claimed times: next %v leased %v created %v; want %v, %v, %v", got.NextAt, got.LeasedUntil, got.CreatedAt, t0, now.Add(lease), a.CreatedAt)
	}
	if ids := claimIDs(t, s, now.Add(lease-time.Millisecond), lease, 10); len(ids) != 0 {
		t.Errorf("claimed %v while leased, want none", ids)
	}
	// A sender that crashed mid-attempt never released its lease: once it
	// lapses, another takes the delivery.
	now = now.Add(lease)
	if ids := claimIDs(t, s, now, lease, 1); !slices.Equal(ids, []string{"d-a"}) {
		t.Errorf("claimed %v (n=1) when the lease lapsed, want [d-a]", ids)
	}

	at := now.Add(5 * time.Second)
	if err := s.RetryDelivery(ctx, "d-a", at, 1, "webhook receiver answered 503"); err != nil {
		t.Fatal(err)
	}
	if ids := claimIDs(t, s, at.Add(-time.Millisecond), lease, 10); !slices.Equal(ids, []string{"d-b"}) {
		t.Errorf("claimed %v before the retry time, want only d-b, whose lease lapsed", ids)
	}
	ds, err = s.ClaimDeliveries(ctx, at, lease, 10)
	if err != nil || len(ds) != 1 || ds[0].ID != "d-a" {
		t.Fatalf("claimed %v, %v at the retry time, want d-a", ds, err)
	}
	if ds[0].Attempts != 1 || ds[0].LastError != "webhook receiver answered 503" || !ds[0].NextAt.Equal(at) {
		t.Errorf("retried delivery = %+v, want 1 attempt, its error, due %v", ds[0], at)
	}

	for _, id := range []string{"d-a", "d-b"} {
		if err := s.FinishDelivery(ctx, id); err != nil {
			t.Fatalf("finish %s: %v", id, err)
		}
	}
	if err := s.FinishDelivery(ctx, "d-a"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("finish twice: %v, want ErrNotFound", err)
	}
	if err := s.RetryDelivery(ctx, "d-a", at, 2, "x"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("retry a finished delivery: %v, want ErrNotFound", err)
	}
	if ids := claimIDs(t, s, t0.Add(time.Hour), lease, 10); !slices.Equal(ids, []string{"d-later"}) {
		t.Errorf("claimed %v at the end, want [d-later]", ids)
	}

	// Due now when NextAt is zero.
	d := &kb.Delivery{ID: "d-now", Event: "x", Body: []byte("{}")}
	if err := s.EnqueueDelivery(ctx, d); err != nil {
		t.Fatal(err)
	}
	if ids := claimIDs(t, s, time.Now().Add(time.Second), lease, 10); !slices.Equal(ids, []string{"d-now"}) {
		t.Errorf("claimed %v, want [d-now] due at once", ids)
	}
}

// A conversation's deliveries go out in order: the next is claimable only
// once the one before it is finished, even while that one waits for a
// retry; other conversations' are not held up.
func testOutboxOrder(t *testing.T, s kb.Store) {
	ctx := context.Background()
	t0 := base()
	enqueue(t, s, "x1", "conv-x", t0)
	enqueue(t, s, "x2", "conv-x", t0)
	enqueue(t, s, "y1", "conv-y", t0)
	enqueue(t, s, "n1", "", t0)
	enqueue(t, s, "n2", "", t0)
	const lease = time.Minute
	now := t0.Add(time.Second)
	if ids := claimIDs(t, s, now, lease, 10); !slices.Equal(ids, []string{"x1", "y1", "n1"}) {
		t.Fatalf("claimed %v, want the first of each conversation (and of none): x1 y1 n1", ids)
	}
	if err := s.RetryDelivery(ctx, "x1", now.Add(time.Hour), 1, "503"); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishDelivery(ctx, "n1"); err != nil {
		t.Fatal(err)
	}
	if ids := claimIDs(t, s, now.Add(time.Second), lease, 10); !slices.Equal(ids, []string{"n2"}) {
		t.Errorf("claimed %v, want n2 (x2 waits for x1's retry)", ids)
	}
	if err := s.FinishDelivery(ctx, "x1"); err != nil {
		t.Fatal(err)
	}
	if ids := claimIDs(t, s, now.Add(time.Second), lease, 10); !slices.Equal(ids, []string{"x2"}) {
		t.Errorf("claimed %v after x1 finished, want x2", ids)
	}
}

// The outbox's count holds every delivery waiting, held or not, and
// among them those whose last attempt failed; a finished one leaves it.
func testCountDeliveries(t *testing.T, s kb.Store) {
	ctx := context.Background()
	count := func(when string, want kb.OutboxCount) {
		t.Helper()
		if got, err := s.CountDeliveries(ctx); err != nil || got != want {
			t.Errorf("count %s = %+v, %v; want %+v", when, got, err, want)
		}
	}
	count("when empty", kb.OutboxCount{})
	t0 := base()
	enqueue(t, s, "c1", "conv-a", t0)
	enqueue(t, s, "c2", "conv-b", t0)
	enqueue(t, s, "c3", "", t0.Add(time.Hour))
	count("after three enqueued", kb.OutboxCount{Pending: 3})
	if ids := claimIDs(t, s, t0, time.Minute, 10); len(ids) != 2 {
		t.Fatalf("claimed %v, want c1 and c2", ids)
	}
	count("while two are held", kb.OutboxCount{Pending: 3})
	if err := s.RetryDelivery(ctx, "c1", t0.Add(time.Minute), 1, "webhook receiver answered 503"); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishDelivery(ctx, "c2"); err != nil {
		t.Fatal(err)
	}
	count("after a failure and a delivery", kb.OutboxCount{Pending: 2, Failed: 1})
}

// Erasing conversations removes their deliveries, held ones included,
// and no other.
func testEraseDeliveries(t *testing.T, s kb.Store) {
	ctx := context.Background()
	t0 := base()
	for _, id := range []string{"erased", "kept"} {
		c := &kb.Conversation{ID: id, Collection: "c1", Lang: "en", TokenHash: "t-" + id, Status: kb.StatusBot}
		if err := s.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	enqueue(t, s, "e1", "erased", t0)
	enqueue(t, s, "e2", "erased", t0)
	enqueue(t, s, "k1", "kept", t0)
	enqueue(t, s, "n1", "", t0)
	if ids := claimIDs(t, s, t0, time.Minute, 10); len(ids) != 3 {
		t.Fatalf("claimed %v, want e1 k1 n1", ids)
	}
	if n, err := s.EraseConversations(ctx, []string{"erased"}); err != nil || n != 1 {
		t.Fatalf("EraseConversations = %d, %v; want 1", n, err)
	}
	if err := s.RetryDelivery(ctx, "e1", t0, 1, "x"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("retry of a delivery held when its conversation was erased: %v, want ErrNotFound", err)
	}
	if err := s.FinishDelivery(ctx, "e2"); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("delivery of an erased conversation: finish = %v, want ErrNotFound (erased with it)", err)
	}
	if ids := claimIDs(t, s, t0.Add(time.Hour), time.Minute, 10); !slices.Equal(ids, []string{"k1", "n1"}) {
		t.Errorf("left %v, want k1 n1", ids)
	}
}

// Two handles on one store (two nodes) claim in a loop, a few at a time,
// finishing what they took: every delivery is taken exactly once, and a
// conversation's deliveries in the order they were enqueued.
func testClaimDeliveriesRace(t *testing.T, a, b kb.Store) {
	ctx := context.Background()
	t0 := base()
	const conversations, each = 40, 3
	var want int
	for i := range each {
		for c := range conversations {
			enqueue(t, a, fmt.Sprintf("c%02d-%d", c, i), fmt.Sprintf("conv-%02d", c), t0)
			want++
		}
	}
	for i := range 20 {
		enqueue(t, b, fmt.Sprintf("none-%02d", i), "", t0)
		want++
	}
	var mu sync.Mutex
	taken := map[string]string{} // delivery -> claimer
	var order []string           // claims in the order they returned
	claim := func(name string, s kb.Store) {
		for idle := 0; idle < 50; {
			ds, err := s.ClaimDeliveries(ctx, time.Now(), time.Hour, 4)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			mu.Lock()
			for _, d := range ds {
				if other, ok := taken[d.ID]; ok {
					t.Errorf("%s claimed %s, already taken by %s", name, d.ID, other)
				}
				taken[d.ID] = name
				order = append(order, d.ID)
			}
			done := len(taken) == want
			mu.Unlock()
			for _, d := range ds {
				if err := s.FinishDelivery(ctx, d.ID); err != nil {
					t.Errorf("%s: finish %s: %v", name, d.ID, err)
				}
			}
			if done {
				return
			}
			if len(ds) == 0 {
				idle++
				time.Sleep(time.Millisecond)
			}
		}
	}
	claimOnBoth(a, b, claim)
	if len(taken) != want {
		t.Fatalf("%d of %d deliveries taken", len(taken), want)
	}
	byClaimer := map[string]int{}
	for _, name := range taken {
		byClaimer[name]++
	}
	if byClaimer["a1"]+byClaimer["a2"] == 0 || byClaimer["b1"]+byClaimer["b2"] == 0 {
		t.Errorf("deliveries by claimer %v, want both nodes to take some", byClaimer)
	}
	next := map[string]int{}
	for _, id := range order {
		var c, i int
		if _, err := fmt.Sscanf(id, "c%02d-%d", &c, &i); err != nil {
			continue // no conversation
		}
		if i != next[id[:3]] {
			t.Errorf("%s claimed before %s-%d", id, id[:3], next[id[:3]])
		}
		next[id[:3]] = i + 1
	}
}

// claimOnBoth runs claim in four claimers at once, two on each of two
// handles on one database (a1, a2 on a; b1, b2 on b), and waits for them.
func claimOnBoth(a, b kb.Store, claim func(name string, s kb.Store)) {
	var wg, ready sync.WaitGroup
	gate := make(chan struct{})
	for _, c := range []struct {
		name string
		s    kb.Store
	}{{"a1", a}, {"a2", a}, {"b1", b}, {"b2", b}} {
		ready.Add(1)
		wg.Go(func() {
			// Each has its connection before any claims: a node whose pool
			// is still connecting would find the work done.
			c.s.Conversation(context.Background(), "no-such-conversation")
			ready.Done()
			<-gate
			claim(c.name, c.s)
		})
	}
	ready.Wait()
	close(gate)
	wg.Wait()
}

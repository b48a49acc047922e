package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/sqlite"
)

// A delivery survives a restart: queued, its first attempt answered 503,
// the server stopped before the retry and the store closed; a new Webhook
// on the reopened file sends it, the same bytes under the same id.
func TestWebhookSurvivesRestart(t *testing.T) {
	down := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	store, path := openOutbox(t)
	w, _ := newTestWebhook(t, down.srv.URL, WebhookOptions{Store: store})
	w.Notify("handoff.created", &kb.Handoff{ID: "h1", ConversationID: "c1", Contact: "ann@example.com"})
	waitFor(t, "the first attempt", func() bool { return len(down.requests()) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := w.Close(ctx); err == nil {
		t.Fatal("Close returned nil with a retry a second away, want its context's error")
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	reopened, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reopened.Close() })
	up := newReceiver(t, nil)
	next, _ := newTestWebhook(t, up.srv.URL, WebhookOptions{Store: reopened})
	waitFor(t, "the delivery after the restart", func() bool { return len(up.requests()) == 1 })
	closeWebhook(t, next)
	first, again := down.requests()[0], up.requests()
	if len(again) != 1 {
		t.Fatalf("after the restart the receiver saw %d requests, want 1", len(again))
	}
	if string(again[0].body) != string(first.body) || again[0].header.Get("X-Baton-Delivery") != first.header.Get("X-Baton-Delivery") {
		t.Errorf("after the restart sent %s as %s, want %s as %s", again[0].body, again[0].header.Get("X-Baton-Delivery"), first.body, first.header.Get("X-Baton-Delivery"))
	}
	if err := VerifyWebhook(testSecret, again[0].header, again[0].body, time.Minute); err != nil {
		t.Error(err)
	}
	if !outboxEmpty(t, reopened) {
		t.Error("the delivered event is still in the outbox")
	}
}

// A sender that died mid-attempt holds its claim until the lease lapses;
// then another sends the delivery, and not before.
func TestWebhookResendsAfterLease(t *testing.T) {
	store, _ := openOutbox(t)
	ctx := context.Background()
	body := []byte(`{"id":"d1","event":"handoff.created","created_at":"2026-12-02T10:00:00Z","data":{}}`)
	if err := store.EnqueueDelivery(ctx, &kb.Delivery{ID: "d1", Event: "handoff.created", Body: body}); err != nil {
		t.Fatal(err)
	}
	const lease = 1500 * time.Millisecond
	claimed := time.Now()
	if ds, err := store.ClaimDeliveries(ctx, claimed, lease, 1); err != nil || len(ds) != 1 {
		t.Fatalf("claim = %v, %v", ds, err) // ... and the claimer dies
	}
	rc := newReceiver(t, nil)
	w, _ := newTestWebhook(t, rc.srv.URL, WebhookOptions{Store: store})
	waitFor(t, "the delivery once the lease lapsed", func() bool { return len(rc.requests()) == 1 })
	closeWebhook(t, w)
	r := rc.requests()[0]
	if r.at.Before(claimed.Add(lease)) {
		t.Errorf("sent %v after the claim, within its lease of %v", r.at.Sub(claimed), lease)
	}
	if string(r.body) != string(body) || r.header.Get("X-Baton-Delivery") != "d1" {
		t.Errorf("sent %s as %q, want the stored body as d1", r.body, r.header.Get("X-Baton-Delivery"))
	}
}

// Two Webhooks on one store (two processes on one file) deliver each
// event once, whichever queued it; some are queued behind both their
// backs, so that both poll for them at once.
func TestWebhookTwoSendersOneStore(t *testing.T) {
	rc := newReceiver(t, nil)
	storeA, path := openOutbox(t)
	storeB, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { storeB.Close() })
	a, _ := newTestWebhook(t, rc.srv.URL+"/a", WebhookOptions{Store: storeA})
	b, _ := newTestWebhook(t, rc.srv.URL+"/b", WebhookOptions{Store: storeB})
	const each = 20
	for i := range each {
		a.Notify("handoff.created", &kb.Handoff{ID: fmt.Sprint("a", i), ConversationID: fmt.Sprint("ca", i%5)})
		b.Notify("handoff.created", &kb.Handoff{ID: fmt.Sprint("b", i), ConversationID: fmt.Sprint("cb", i%5)})
		id := fmt.Sprint("q", i)
		body, _ := json.Marshal(webhookPayload{ID: id, Event: "handoff.created", Data: &kb.Handoff{ID: id}})
		if err := storeA.EnqueueDelivery(context.Background(), &kb.Delivery{ID: id, Event: "handoff.created", Body: body, ConversationID: "cq" + strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every delivery", func() bool { return len(rc.requests()) >= 3*each })
	closeWebhook(t, a)
	closeWebhook(t, b)
	seen := map[string]int{}
	paths := map[string]int{}
	for _, r := range rc.requests() {
		seen[r.header.Get("X-Baton-Delivery")]++
		paths[r.path]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s sent %d times", id, n)
		}
	}
	if len(seen) != 3*each {
		t.Errorf("%d distinct deliveries, want %d", len(seen), 3*each)
	}
	if paths["/a"] == 0 || paths["/b"] == 0 {
		t.Errorf("deliveries by sender %v, want both to send some", paths)
	}
}

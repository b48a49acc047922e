package web

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

// TestWebhookSetTarget: a new receiver and secret apply to the next
// delivery; turned off, the webhook stores no new event and sends none of
// what the outbox holds (another node's), which goes to the next receiver
// once there is one; a bad receiver is refused and changes nothing.
func TestWebhookSetTarget(t *testing.T) {
	first, second := newReceiver(t, nil), newReceiver(t, nil)
	store, _ := openOutbox(t)
	w, _ := newTestWebhook(t, first.srv.URL+"/one", WebhookOptions{Store: store})
	verified := func(rc *receiver, n int, secret string) {
		t.Helper()
		waitFor(t, "delivery to the receiver", func() bool { return len(rc.requests()) >= n })
		r := rc.requests()[n-1]
		if err := VerifyWebhook(secret, r.header, r.body, time.Minute); err != nil {
			t.Errorf("delivery %d to %s: %v, want signed with %q", n, r.path, err, secret)
		}
	}
	w.Notify("handoff.created", map[string]string{"n": "1"})
	verified(first, 1, testSecret)

	if err := w.SetTarget(second.srv.URL+"/two?token=t", "new-secret"); err != nil {
		t.Fatal(err)
	}
	if got, want := w.Target(), second.srv.URL+"/two"; got != want || !w.On() {
		t.Errorf("target = %q (on %v), want %q", got, w.On(), want)
	}
	w.Notify("handoff.created", map[string]string{"n": "2"})
	verified(second, 1, "new-secret")

	if err := w.SetTarget("", ""); err != nil {
		t.Fatal(err)
	}
	if w.On() || w.Target() != "" {
		t.Errorf("turned off: on %v, target %q", w.On(), w.Target())
	}
	w.Notify("handoff.created", map[string]string{"n": "3"})
	if n, err := store.CountDeliveries(context.Background()); err != nil || n.Pending != 0 {
		t.Errorf("outbox after an event while off = %+v, %v; want nothing stored", n, err)
	}
	other := &kb.Delivery{ID: "from-another-node", Event: "handoff.created", Body: []byte(`{"id":"from-another-node"}`)}
	if err := store.EnqueueDelivery(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * pollEvery / 2)
	if n := len(first.requests()) + len(second.requests()); n != 2 {
		t.Errorf("receivers got %d deliveries while the webhook was off, want the 2 from before", n)
	}

	for _, bad := range [][2]string{{"ftp://example.com/hook", "s"}, {first.srv.URL, ""}, {"", "s"}} {
		if err := w.SetTarget(bad[0], bad[1]); !errors.Is(err, kb.ErrInvalid) {
			t.Errorf("SetTarget(%q, %q) = %v, want ErrInvalid", bad[0], bad[1], err)
		}
	}
	if w.On() {
		t.Error("a refused receiver turned the webhook on")
	}
	if err := w.SetTarget(first.srv.URL+"/again", "third-secret"); err != nil {
		t.Fatal(err)
	}
	verified(first, 2, "third-secret")
	if r := first.requests()[1]; r.path != "/again" || r.header.Get("X-Baton-Delivery") != "from-another-node" {
		t.Errorf("after turning on again: %s got delivery %q, want /again the one waiting", r.path, r.header.Get("X-Baton-Delivery"))
	}
	closeWebhook(t, w)
}

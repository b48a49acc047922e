package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// hookReceiver records the deliveries a webhook receiver is sent; respond,
// when set, answers them.
type hookReceiver struct {
	mu     sync.Mutex
	bodies []string
	ids    []string
	paths  []string
	srv    *httptest.Server
}

func newHookReceiver(t *testing.T, respond func(w http.ResponseWriter)) *hookReceiver {
	t.Helper()
	rc := &hookReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, string(b))
		rc.ids = append(rc.ids, r.Header.Get("X-Baton-Delivery"))
		rc.paths = append(rc.paths, r.URL.Path)
		rc.mu.Unlock()
		if respond != nil {
			respond(w)
		}
	}))
	t.Cleanup(rc.srv.Close) // after the servers have closed their webhooks
	return rc
}

func (rc *hookReceiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.ids)
}

// outboxEmpty reports whether the store holds no webhook delivery.
func outboxEmpty(t *testing.T, s kb.Store) bool {
	t.Helper()
	ds, err := s.ClaimDeliveries(context.Background(), time.Now().Add(24*time.Hour), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return len(ds) == 0
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An erased customer's contact details never leave: the hand-off's
// delivery waits for a retry, the contact's behind it, and erasing the
// conversation removes both from the outbox.
func TestWebhookErasedBeforeDelivery(t *testing.T) {
	t.Parallel()
	rc := newHookReceiver(t, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	e := startDesk(t, deskOptions{webhookURL: rc.srv.URL, webhookSecret: "whsec-erase"})
	root := e.loginAll(t, "root")["root"]
	c := e.newConvo(t)
	e.handoff(t, c) // nobody online: a message, with an invitation to leave contact details
	waitUntil(t, "the first attempt", func() bool { return rc.count() == 1 })
	if r := e.cust(t, c, c.token, "POST", "/contact", `{"contact":"li.lei@example.com"}`); r.code != http.StatusOK {
		t.Fatalf("contact: %d %s", r.code, r.raw)
	}
	if outboxEmpty(t, e.srv.App.Store) {
		t.Fatal("nothing waits in the outbox before the erasure")
	}
	root.want(t, http.StatusOK, "DELETE", "/api/v1/admin/conversations/"+c.id, "")
	if !outboxEmpty(t, e.srv.App.Store) {
		t.Error("the erased conversation's deliveries are still in the outbox")
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bodies) != 1 || strings.Contains(rc.bodies[0], "li.lei@example.com") {
		t.Errorf("receiver saw %q, want only the hand-off's first attempt", rc.bodies)
	}
}

// Two nodes on one PostgreSQL database share the outbox: every event,
// whichever node queued it, is delivered exactly once, and deliveries
// queued behind both nodes' backs are taken up by their polls.
func TestWebhookAcrossNodes(t *testing.T) {
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	const secret = "whsec-nodes"
	rc := newHookReceiver(t, nil)
	a := startDesk(t, deskOptions{webhookURL: rc.srv.URL + "/a", webhookSecret: secret})
	srvB := serveData(t, t.TempDir(), func(cfg *Config) { cfg.WebhookURL, cfg.WebhookSecret = rc.srv.URL+"/b", secret })
	b := &deskEnv{base: "http://" + srvB.Addr(), srv: srvB, users: a.users}

	const each, direct = 4, 20
	for range each {
		for _, e := range []*deskEnv{a, b} {
			e.handoff(t, e.newConvo(t)) // handoff.created
		}
	}
	for i := range direct {
		id := fmt.Sprint("direct-", i)
		body, _ := json.Marshal(map[string]any{"id": id, "event": "handoff.created", "data": map[string]string{"id": id}})
		d := &kb.Delivery{ID: id, Event: "handoff.created", Body: body, ConversationID: "conv-" + id}
		if err := a.srv.App.Store.EnqueueDelivery(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	want := 2*each + direct
	waitUntil(t, "every delivery", func() bool { return rc.count() >= want })
	time.Sleep(1500 * time.Millisecond) // a poll each for an unexpected second delivery
	rc.mu.Lock()
	defer rc.mu.Unlock()
	seen := map[string]int{}
	for _, id := range rc.ids {
		seen[id]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s sent %d times", id, n)
		}
	}
	if len(seen) != want || len(rc.ids) != want {
		t.Errorf("%d deliveries of %d distinct ids, want %d once each", len(rc.ids), len(seen), want)
	}
	byNode := map[string]int{}
	for _, p := range rc.paths {
		byNode[p]++
	}
	t.Logf("deliveries by node: %v", byNode)
}

// A receiver an admin sets on node A applies on node B at once, and on a
// node that starts later, over its configured one: it is saved in the
// database, not in A's data directory.
func TestWebhookSetAcrossNodes(t *testing.T) {
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	const secret = "whsec-shared"
	rc := newHookReceiver(t, nil)
	a := startDesk(t, deskOptions{})
	srvB := serveData(t, t.TempDir(), nil)
	b := &deskEnv{base: "http://" + srvB.Addr(), srv: srvB, users: a.users}
	root := a.loginAll(t, "root")["root"]
	root.want(t, http.StatusOK, "PUT", "/api/v1/admin/integrations/webhook", `{"url":`+quote(rc.srv.URL+"/shared")+`,"secret":`+quote(secret)+`}`)
	waitUntil(t, "node B to take the receiver", func() bool { w := srvB.App.webhook.Load(); return w != nil && w.On() })
	b.handoff(t, b.newConvo(t))
	waitUntil(t, "node B's hand-off at the receiver", func() bool { return rc.count() >= 1 })
	rc.mu.Lock()
	if rc.paths[0] != "/shared" {
		t.Errorf("node B delivered to %s, want /shared", rc.paths[0])
	}
	rc.mu.Unlock()
	if _, err := os.Stat(filepath.Join(a.srv.App.Config.Data, webhookFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the receiver went to a file in node A's data directory too (%v), want only the database", err)
	}
	c := serveData(t, t.TempDir(), func(cfg *Config) { cfg.WebhookURL, cfg.WebhookSecret = rc.srv.URL+"/configured", "whsec-c" })
	if got := c.App.webhook.Load().Target(); got != rc.srv.URL+"/shared" {
		t.Errorf("a node started later sends to %q, want the receiver saved on node A", got)
	}
}

package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/ingest"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// TestEventsAcrossNodes: two nodes on one PostgreSQL database, the
// customer on node A and the agent on node B. Each sees the other's side
// live: B's console the hand-off and the customer's messages, A's chat
// page the claim and the agent's reply, each as its own reader sees it.
func TestEventsAcrossNodes(t *testing.T) {
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	a := startDesk(t, deskOptions{})
	srvB := serveData(t, t.TempDir(), nil)
	b := &deskEnv{base: "http://" + srvB.Addr(), srv: srvB, users: a.users}

	ann := b.loginAll(t, "ann")["ann"]
	setOnline(t, ann, "online")
	var staffSeen, custSeen []string
	staff := openStream(t, ann.hc, b.base+"/api/v1/events", nil)
	waitEvent(t, staff, "the first staff event on B", &staffSeen, func(ev sseEvent) bool { return ev.Type == "queue" })

	c := a.newConvo(t)
	custStream := openStream(t, http.DefaultClient, a.base+"/api/v1/conversations/"+c.id+"/events", map[string]string{"Authorization": "Bearer " + c.token})
	// Every message the customer's stream carries, by role, to catch doubles.
	var mu sync.Mutex
	custMsgs := map[string]int{}
	cust := make(chan sseEvent, 256)
	go func() {
		defer close(cust)
		for ev := range custStream {
			if ev.Type == "message" {
				mu.Lock()
				custMsgs[js(jm(ev.Data["data"])["role"])]++
				mu.Unlock()
			}
			cust <- ev
		}
	}()
	waitEvent(t, cust, "the first customer event on A", &custSeen, func(ev sseEvent) bool { return ev.Type == "state" })

	hid := js(jm(a.handoff(t, c)["handoff"])["id"])
	waitEvent(t, staff, "A's hand-off on B's staff stream", &staffSeen, func(ev sseEvent) bool {
		d := jm(ev.Data["data"])
		return ev.Type == "handoff" && js(d["id"]) == hid && js(d["status"]) == "queued"
	})
	if items, _ := queue(t, ann); len(items) != 1 || js(items[0]["id"]) != hid {
		t.Fatalf("B's queue = %v, want A's hand-off %s", ids(items), hid)
	}

	ann.want(t, http.StatusOK, "POST", "/api/v1/handoffs/"+hid+"/claim", "")
	waitEvent(t, cust, "B's claim on A's customer stream", &custSeen, func(ev sseEvent) bool {
		d := jm(ev.Data["data"])
		return ev.Type == "state" && js(d["status"]) == "claimed" && js(d["agent"]) == "ann"
	})
	ann.want(t, http.StatusCreated, "POST", "/api/v1/handoffs/"+hid+"/messages", `{"text":"Hello from Ann on node B"}`)
	msg := waitEvent(t, cust, "B's agent message on A's customer stream", &custSeen, func(ev sseEvent) bool {
		return ev.Type == "message" && js(jm(ev.Data["data"])["role"]) == "agent"
	})
	d := jm(msg.Data["data"])
	if js(d["text"]) != "Hello from Ann on node B" || js(d["author"]) != "ann" || js(d["conversation_id"]) != c.id {
		t.Errorf("agent message on A = %v", msg.Data)
	}
	if _, ok := d["negative"]; ok {
		t.Errorf("agent message on A = %v, want the customer's view (no trigger signals)", d)
	}

	a.say(t, c, "It is order 4711, thanks")
	got := waitEvent(t, staff, "A's customer message on B's staff stream", &staffSeen, func(ev sseEvent) bool {
		d := jm(ev.Data["data"])
		return ev.Type == "message" && js(d["role"]) == "customer" && js(d["text"]) == "It is order 4711, thanks"
	})
	if _, ok := jm(got.Data["data"])["negative"]; !ok {
		t.Errorf("customer message on B = %v, want the agent's view with the sentiment score", got.Data)
	}
	waitEvent(t, cust, "the customer's own message on A", &custSeen, func(ev sseEvent) bool {
		return ev.Type == "message" && js(jm(ev.Data["data"])["role"]) == "customer"
	})
	for _, typ := range custSeen {
		if typ == "handoff" || typ == "queue" {
			t.Errorf("customer stream on A carried staff-only event %q (saw %v)", typ, custSeen)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if custMsgs["agent"] != 1 || custMsgs["customer"] != 1 {
		t.Errorf("customer stream on A carried messages by role %v, want ann's and the customer's once each", custMsgs)
	}
}

// TestUploadAcrossNodes: two nodes on one PostgreSQL database; a file
// uploaded to node A is kept in the database and its job runs once, on
// whichever node claims it first, and the article is then searchable on
// both nodes.
func TestUploadAcrossNodes(t *testing.T) {
	t.Setenv("BATON_DATABASE_URL", pgtest.Database(t))
	data := t.TempDir()
	a := launch(t, data, nil)
	b := serveData(t, t.TempDir(), nil)
	eve := editorAPI{t, "http://" + a.Addr(), staffKey(t, data, "editor", "eve")}
	job := eve.upload("default", "", map[string]string{"walrus.md": "# What walruses eat\n\nWalruses eat clams, mussels and other shellfish from the sea floor.\n"})
	if files := ja(job["files"]); js(job["status"]) != "done" || len(files) != 1 || js(jm(files[0])["status"]) != "ingested" {
		t.Fatalf("job = %v, want done with walrus.md ingested", job)
	}
	id := js(job["id"])
	started := strings.Count(logsOf(a), `msg="ingestion job started" job=`+id) + strings.Count(logsOf(b), `msg="ingestion job started" job=`+id)
	if started != 1 {
		t.Errorf("the job started %d times across the nodes, want once", started)
	}
	for name, srv := range map[string]*Server{"A": a, "B": b} {
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if hits, _ := srv.App.Keyword.Search(t.Context(), "default", "walruses clams", 5); len(hits) > 0 && hits[0].ArticleID == "default/walrus" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %s never found the uploaded article", name)
			}
		}
	}
	if _, err := a.App.Store.JobUpload(t.Context(), id, 0); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("the finished job's upload is still in the database: %v", err)
	}
}

// TestJobWakesOtherNode: a job queued through another pool on the
// database (another node) is claimed by a running node's job runner at
// once, woken by the notification, not at its next poll (30 s on
// PostgreSQL), and run to the end.
func TestJobWakesOtherNode(t *testing.T) {
	url := pgtest.Database(t)
	t.Setenv("BATON_DATABASE_URL", url)
	b := serveData(t, t.TempDir(), nil)
	if b.App.Jobs.Poll != jobsFallbackPoll {
		t.Fatalf("job poll on PostgreSQL = %v, want %v", b.App.Jobs.Poll, jobsFallbackPoll)
	}
	time.Sleep(time.Second) // past the runner's first look and the listener's start
	other, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	submitted := time.Now()
	job, err := (&ingest.Jobs{Store: other}).Submit(context.Background(), "eve", "default", false,
		[]ingest.Upload{{Name: "walrus.md", Data: []byte("# What walruses eat\n\nWalruses eat clams and mussels.\n")}})
	if err != nil {
		t.Fatal(err)
	}
	var claimed time.Duration
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		j, err := other.Job(t.Context(), job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if claimed == 0 && j.Status != kb.JobQueued {
			claimed = time.Since(submitted)
		}
		if j.Status == kb.JobDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s after 20 s, want done by node B", job.ID, j.Status)
		}
	}
	t.Logf("claimed by node B %v after the submit", claimed)
	if claimed > time.Second {
		t.Errorf("node B claimed the job %v after the submit, want well under the old 3 s poll", claimed)
	}
	if !strings.Contains(logsOf(b), `msg="ingestion job started" job=`+job.ID) {
		t.Error("node B's log does not show the job started")
	}
}

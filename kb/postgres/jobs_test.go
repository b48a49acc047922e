package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres/pgtest"
)

// A job submitted through one pool wakes the job listener of another at
// once, and so does a job released by a node stopping; a progress save,
// which keeps the job its node's, wakes no one.
func TestListenJobs(t *testing.T) {
	url := pgtest.Database(t)
	a, b := open(t, url), open(t, url)
	defer a.Close()
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	woken := make(chan struct{}, 10)
	done := make(chan error, 1)
	go func() {
		done <- b.ListenJobs(ctx, "b", func() { woken <- struct{}{} }, func(err error) { t.Errorf("listen: %v", err) })
	}()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("ListenJobs ended with %v, want context.Canceled", err)
		}
	}()
	wait := func(what string, within time.Duration) {
		t.Helper()
		select {
		case <-woken:
		case <-time.After(within):
			t.Fatalf("%s: no wake-up within %v", what, within)
		}
	}
	wait("listening", 20*time.Second) // the wake-up of each new connection

	start := time.Now()
	job := &kb.Job{ID: "job-1", Collection: "c", Status: kb.JobQueued, FilesTotal: 1,
		Files: []kb.JobFileResult{{Name: "a.md", Status: kb.FilePending}}}
	if err := a.SubmitJob(ctx, job, []kb.JobUpload{{Index: 0, Name: "a.md", Data: []byte("# A")}}); err != nil {
		t.Fatal(err)
	}
	wait("a job submitted on another pool", time.Second)
	t.Logf("woken %v after the submit", time.Since(start))
	claimed, err := b.ClaimJob(ctx, "b", time.Now(), time.Minute)
	if err != nil || claimed.ID != job.ID {
		t.Fatalf("claim after the wake-up = %v, %v; want %s", claimed, err, job.ID)
	}

	if err := b.SaveClaimedJob(ctx, claimed, "b", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woken:
		t.Error("a progress save woke the listener")
	case <-time.After(300 * time.Millisecond):
	}
	if err := b.SaveClaimedJob(ctx, claimed, "b", time.Now()); err != nil {
		t.Fatal(err)
	}
	wait("a job released", time.Second)
}

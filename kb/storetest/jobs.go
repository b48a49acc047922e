package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
)

func submitJob(t *testing.T, s kb.Store, id string, files ...string) *kb.Job {
	t.Helper()
	j := &kb.Job{ID: id, Collection: "c1", Status: kb.JobQueued, FilesTotal: len(files)}
	var ups []kb.JobUpload
	for i, f := range files {
		j.Files = append(j.Files, kb.JobFileResult{Name: f, Status: kb.FilePending})
		ups = append(ups, kb.JobUpload{Index: i, Name: f, Data: []byte("data of " + f)})
	}
	if err := s.SubmitJob(context.Background(), j, ups); err != nil {
		t.Fatalf("submit %s: %v", id, err)
	}
	return j
}

func claimJob(t *testing.T, s kb.Store, claimer string, now time.Time) string {
	t.Helper()
	j, err := s.ClaimJob(context.Background(), claimer, now, time.Minute)
	if errors.Is(err, kb.ErrNotFound) {
		return ""
	}
	if err != nil {
		t.Fatalf("%s claims at %v: %v", claimer, now, err)
	}
	return j.ID
}

// Jobs keep their files until they end, are claimed oldest first, once
// while their lease runs and again when it lapses, and only their
// claimer saves them.
func testJobClaims(t *testing.T, s kb.Store) {
	ctx := context.Background()
	t0 := base()
	if got := claimJob(t, s, "a", t0); got != "" {
		t.Fatalf("empty store: claimed %s", got)
	}
	j1 := submitJob(t, s, "job-1", "a.md", "b.md")
	time.Sleep(2 * time.Millisecond) // distinct creation times
	submitJob(t, s, "job-2", "c.md")
	if data, err := s.JobUpload(ctx, "job-1", 1); err != nil || !bytes.Equal(data, []byte("data of b.md")) {
		t.Errorf("JobUpload(job-1, 1) = %q, %v", data, err)
	}
	if _, err := s.JobUpload(ctx, "job-1", 2); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("JobUpload(job-1, 2): %v, want ErrNotFound", err)
	}
	if got, _ := s.Job(ctx, "job-1"); got == nil || got.Status != kb.JobQueued || len(got.Files) != 2 || got.CreatedAt.IsZero() {
		t.Errorf("Job(job-1) = %+v", got)
	}

	claimed, err := s.ClaimJob(ctx, "a", t0, time.Minute)
	if err != nil || claimed.ID != "job-1" || claimed.Status != kb.JobQueued || len(claimed.Files) != 2 {
		t.Fatalf("first claim = %+v, %v; want job-1 as submitted", claimed, err)
	}
	if js, _ := s.Jobs(ctx, kb.JobRunning); len(js) != 1 || js[0].ID != "job-1" {
		t.Errorf("Jobs(running) after the claim = %d jobs, want job-1", len(js))
	}
	if got := claimJob(t, s, "b", t0); got != "job-2" {
		t.Fatalf("second claim = %q, want job-2", got)
	}
	if got := claimJob(t, s, "b", t0.Add(59*time.Second)); got != "" {
		t.Fatalf("claimed %s while both leases run", got)
	}
	// Only the claimer saves; its save extends the lease.
	j1.Status, j1.FilesDone = kb.JobRunning, 1
	if err := s.SaveClaimedJob(ctx, j1, "b", t0.Add(time.Hour)); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("save by another claimer: %v, want ErrConflict", err)
	}
	if err := s.SaveClaimedJob(ctx, j1, "a", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := claimJob(t, s, "b", t0.Add(90*time.Second)); got != "job-2" {
		t.Fatalf("at 90s claimed %q, want job-2 (its lease lapsed, job-1's was extended)", got)
	}
	// A's node stops: job-1's lease lapses and b takes it as a saved.
	taken, err := s.ClaimJob(ctx, "b", t0.Add(3*time.Minute), time.Minute)
	if err != nil || taken.ID != "job-1" || taken.Status != kb.JobRunning || taken.FilesDone != 1 {
		t.Fatalf("claim after the lease lapsed = %+v, %v; want job-1 running, 1 file done", taken, err)
	}
	j1.FilesDone = 2
	if err := s.SaveClaimedJob(ctx, j1, "a", t0.Add(time.Hour)); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("save by the claimer whose lease lapsed: %v, want ErrConflict", err)
	}
	taken.Status, taken.FilesDone = kb.JobDone, 2
	if err := s.SaveClaimedJob(ctx, taken, "b", t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Job(ctx, "job-1"); got == nil || got.Status != kb.JobDone || got.FilesDone != 2 {
		t.Errorf("Job(job-1) after it ended = %+v", got)
	}
	if _, err := s.JobUpload(ctx, "job-1", 0); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("files of an ended job: %v, want ErrNotFound", err)
	}
	if data, err := s.JobUpload(ctx, "job-2", 0); err != nil || string(data) != "data of c.md" {
		t.Errorf("files of a running job: %q, %v", data, err)
	}
	if got := claimJob(t, s, "c", t0.Add(time.Hour)); got != "job-2" {
		t.Errorf("an hour later claimed %q, want job-2 (job-1 is done)", got)
	}
	if err := s.SaveClaimedJob(ctx, &kb.Job{ID: "nope", Status: kb.JobDone}, "a", t0); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("save of a missing job: %v, want ErrNotFound", err)
	}
	// An empty file is kept as one, not lost.
	empty := &kb.Job{ID: "job-empty", Collection: "c1", Status: kb.JobQueued, FilesTotal: 1, Files: []kb.JobFileResult{{Name: "empty.md", Status: kb.FilePending}}}
	if err := s.SubmitJob(ctx, empty, []kb.JobUpload{{Index: 0, Name: "empty.md"}}); err != nil {
		t.Fatalf("submit with an empty file: %v", err)
	}
	if data, err := s.JobUpload(ctx, "job-empty", 0); err != nil || len(data) != 0 {
		t.Errorf("JobUpload of the empty file = %q, %v; want it empty", data, err)
	}
}

// A running job's claimer extends its lease without saving: no one
// claims it while the extended lease runs, its saved progress is
// untouched, and another claimer cannot extend it.
func testJobLeaseExtended(t *testing.T, s kb.Store) {
	ctx := context.Background()
	t0 := base()
	submitJob(t, s, "job-1", "a.md")
	if got := claimJob(t, s, "a", t0); got != "job-1" {
		t.Fatalf("claimed %q, want job-1", got)
	}
	if err := s.ExtendJobLease(ctx, "job-1", "a", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := claimJob(t, s, "b", t0.Add(2*time.Minute)); got != "" {
		t.Fatalf("b claimed %s at 2 min, want nothing: the lease was extended to 3 min", got)
	}
	if err := s.ExtendJobLease(ctx, "job-1", "b", t0.Add(time.Hour)); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("extension by another claimer: %v, want ErrConflict", err)
	}
	if got, _ := s.Job(ctx, "job-1"); got == nil || got.Status != kb.JobQueued || got.FilesDone != 0 {
		t.Errorf("Job(job-1) after the extension = %+v, want as submitted (no save)", got)
	}
	// The lease lapses: b takes the job, and a's heartbeat is refused.
	taken, err := s.ClaimJob(ctx, "b", t0.Add(4*time.Minute), time.Minute)
	if err != nil || taken.ID != "job-1" {
		t.Fatalf("claim after the extended lease lapsed = %+v, %v; want job-1", taken, err)
	}
	if err := s.ExtendJobLease(ctx, "job-1", "a", t0.Add(time.Hour)); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("extension by the claimer whose lease lapsed: %v, want ErrConflict", err)
	}
	// Once the job ends a late heartbeat does nothing.
	taken.Status = kb.JobDone
	if err := s.SaveClaimedJob(ctx, taken, "b", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.ExtendJobLease(ctx, "job-1", "b", t0.Add(time.Hour)); err != nil {
		t.Errorf("extension of the claimer's ended job: %v, want nil", err)
	}
	if got := claimJob(t, s, "c", t0.Add(2*time.Hour)); got != "" {
		t.Errorf("claimed %s after the heartbeat of an ended job, want nothing", got)
	}
	if err := s.ExtendJobLease(ctx, "nope", "a", t0); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("extension of a missing job: %v, want ErrNotFound", err)
	}
}

// Claimers on two handles race for jobs: each job is taken exactly once.
func testClaimJobsRace(t *testing.T, a, b kb.Store) {
	ctx := context.Background()
	const n = 30
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		submitJob(t, s, fmt.Sprintf("job-%02d", i), "f.md")
	}
	var mu sync.Mutex
	taken := map[string]string{} // job -> claimer
	claim := func(name string, s kb.Store) {
		for {
			j, err := s.ClaimJob(ctx, name, time.Now(), time.Hour)
			if errors.Is(err, kb.ErrNotFound) {
				return
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			mu.Lock()
			if other, ok := taken[j.ID]; ok {
				t.Errorf("%s claimed %s, already taken by %s", name, j.ID, other)
			}
			taken[j.ID] = name
			mu.Unlock()
			j.Status = kb.JobDone
			if err := s.SaveClaimedJob(ctx, j, name, time.Now().Add(time.Hour)); err != nil {
				t.Errorf("%s: finish %s: %v", name, j.ID, err)
			}
		}
	}
	claimOnBoth(a, b, claim)
	if len(taken) != n {
		t.Fatalf("%d of %d jobs taken", len(taken), n)
	}
	if js, _ := a.Jobs(ctx, kb.JobDone); len(js) != n {
		t.Errorf("%d jobs done, want %d", len(js), n)
	}
}

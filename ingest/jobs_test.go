package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/sqlite"
)

// recordingIndex remembers what is indexed.
type recordingIndex struct {
	mu  sync.Mutex
	ids map[string]int // article id -> chunks
}

func (r *recordingIndex) Index(_ context.Context, a *kb.Article, chunks []kb.Chunk) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids[a.ID] = len(chunks)
	return nil
}

func (r *recordingIndex) Delete(_ context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.ids, id)
	return nil
}

func (r *recordingIndex) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ids[id]
	return ok
}

// openStore opens a fresh store, closed when the test ends.
func openStore(t *testing.T) kb.Store {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "baton.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func newJobs(t *testing.T, store kb.Store, dir string, idx *recordingIndex) *Jobs {
	in := &Ingester{Store: store, Index: idx}
	return &Jobs{Ingester: in, Editor: &Editor{Store: store, Index: idx}, Store: store, Dir: dir,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func waitJob(t *testing.T, store kb.Store, id string) *kb.Job {
	t.Helper()
	for range 200 {
		j, err := store.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == kb.JobDone || j.Status == kb.JobFailed {
			return j
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("job %s did not finish", id)
	return nil
}

// TestJobResumesAfterRestart: a job submitted to a server that stopped
// before running it is finished by the next one, from the kept files.
func TestJobResumesAfterRestart(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	dir := t.TempDir()
	idx := &recordingIndex{ids: map[string]int{}}
	first := newJobs(t, store, dir, idx)
	job, err := first.Submit(ctx, "eve", "shop", false, []Upload{
		{Name: "a.md", Data: []byte("# Alpha\n\nAlpha text.")},
		{Name: "b.bin", Data: []byte{0, 1, 2}},
		{Name: "c.md", Data: []byte("# Gamma\n\nGamma text.")},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The first server never ran it (it stopped); a new one resumes it.
	second := newJobs(t, store, dir, idx)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go second.Run(runCtx)
	if n, err := second.Resume(ctx); err != nil || n != 1 {
		t.Fatalf("Resume = %d, %v; want 1 job", n, err)
	}
	done := waitJob(t, store, job.ID)
	want := []string{kb.FileIngested, kb.FileRejected, kb.FileIngested}
	for i, f := range done.Files {
		if f.Status != want[i] {
			t.Errorf("file %s: %s (%s), want %s", f.Name, f.Status, f.Reason, want[i])
		}
	}
	if !idx.has("shop/a") || !idx.has("shop/c") || done.Chunks != 2 || done.FilesDone != 3 {
		t.Errorf("after resume: indexed %v, job %+v", idx.ids, done)
	}
	// The files go with the job's end.
	if _, err := store.JobUpload(ctx, job.ID, 0); !errors.Is(err, kb.ErrNotFound) {
		t.Errorf("the job's kept files were not removed: %v", err)
	}
	// Running the same files again changes nothing.
	again, _ := second.Submit(ctx, "eve", "shop", false, []Upload{{Name: "a.md", Data: []byte("# Alpha\n\nAlpha text.")}})
	if j := waitJob(t, store, again.ID); j.Files[0].Status != kb.FileUnchanged {
		t.Errorf("re-upload: %s, want unchanged", j.Files[0].Status)
	}
}

// With several nodes on one store, a job submitted through node A, which
// stops before running it, is run by node B: its files are in the store.
// Node A, started again, finds nothing left to do.
func TestJobOfAnotherNode(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	idxA, idxB := &recordingIndex{ids: map[string]int{}}, &recordingIndex{ids: map[string]int{}}
	nodeA := newJobs(t, store, "", idxA)
	job, err := nodeA.Submit(ctx, "eve", "shop", false, []Upload{{Name: "a.md", Data: []byte("# Alpha\n\nAlpha text.")}})
	if err != nil {
		t.Fatal(err)
	}
	nodeB := newJobs(t, store, "", idxB)
	nodeB.Poll = 10 * time.Millisecond // no Submit of its own wakes it
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go nodeB.Run(runCtx)
	if j := waitJob(t, store, job.ID); j.Status != kb.JobDone || j.Files[0].Status != kb.FileIngested || !idxB.has("shop/a") {
		t.Fatalf("after node B: job %s, files %+v, B indexed %v; want done by B", j.Status, j.Files, idxB.ids)
	}
	if ran, err := nodeA.runNext(ctx); ran || err != nil || idxA.has("shop/a") {
		t.Errorf("node A ran a job again: %v, %v (indexed %v)", ran, err, idxA.ids)
	}
}

// A node that dies mid-job holds it only until its lease lapses: then
// another node claims it and finishes it; the dead node's late save is
// refused.
func TestJobOfDeadNode(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	idx := &recordingIndex{ids: map[string]int{}}
	dead := newJobs(t, store, "", idx)
	dead.Node = "dead"
	job, err := dead.Submit(ctx, "eve", "shop", false, []Upload{
		{Name: "a.md", Data: []byte("# Alpha\n\nAlpha text.")},
		{Name: "b.md", Data: []byte("# Beta\n\nBeta text.")},
	})
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := store.ClaimJob(ctx, "dead", time.Now(), 100*time.Millisecond)
	if err != nil || claimed.ID != job.ID {
		t.Fatalf("claim = %v, %v", claimed, err)
	}
	claimed.Status, claimed.FilesDone = kb.JobRunning, 1
	claimed.Files[0].Status = kb.FileIngested
	if err := store.SaveClaimedJob(ctx, claimed, "dead", time.Now().Add(100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	// Then the node dies.
	alive := newJobs(t, store, "", idx)
	alive.Poll = 10 * time.Millisecond
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go alive.Run(runCtx)
	done := waitJob(t, store, job.ID)
	if done.Status != kb.JobDone || !idx.has("shop/b") || idx.has("shop/a") {
		t.Errorf("after the lease lapsed: job %s, indexed %v; want done, b indexed by the live node (a was the dead one's)", done.Status, idx.ids)
	}
	if err := dead.save(ctx, claimed); !errors.Is(err, kb.ErrConflict) {
		t.Errorf("the dead node's late save: %v, want ErrConflict", err)
	}
}

// A job submitted before the store kept uploads reads its files from the
// data directory, and removes them when it ends.
func TestJobFromUploadsDir(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	dir := t.TempDir()
	job := &kb.Job{ID: "job-old", Collection: "shop", Status: kb.JobQueued, CreatedBy: "eve", FilesTotal: 1,
		Files: []kb.JobFileResult{{Name: "a.md", Status: kb.FilePending}}}
	if err := store.PutJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, job.ID), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, job.ID, "00000"), []byte("# Alpha\n\nAlpha text."), 0o644); err != nil {
		t.Fatal(err)
	}
	idx := &recordingIndex{ids: map[string]int{}}
	j := newJobs(t, store, dir, idx)
	if ran, err := j.runNext(ctx); !ran || err != nil {
		t.Fatalf("runNext = %v, %v", ran, err)
	}
	if got, _ := store.Job(ctx, job.ID); got.Status != kb.JobDone || got.Files[0].Status != kb.FileIngested || !idx.has("shop/a") {
		t.Errorf("job %+v, indexed %v; want the file from the directory ingested", got, idx.ids)
	}
	if _, err := os.Stat(filepath.Join(dir, job.ID)); !os.IsNotExist(err) {
		t.Errorf("the old upload directory was not removed: %v", err)
	}
}

func TestJobDraftsAndSizeLimit(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	idx := &recordingIndex{ids: map[string]int{}}
	j := newJobs(t, store, t.TempDir(), idx)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go j.Run(runCtx)
	job, err := j.Submit(ctx, "eve", "shop", true, []Upload{
		{Name: "d.md", Data: []byte("# Delta\n\nDelta text.")},
		{Name: "huge.txt", Data: make([]byte, MaxUploadFileBytes+1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := waitJob(t, store, job.ID)
	if done.Files[0].Status != kb.FileIngested || done.Files[1].Status != kb.FileRejected {
		t.Fatalf("files = %+v", done.Files)
	}
	if idx.has("shop/d") {
		t.Errorf("a draft upload reached the index")
	}
	if _, err := store.Draft(ctx, "shop/d"); err != nil {
		t.Errorf("draft not saved: %v", err)
	}
	if _, err := j.Submit(ctx, "eve", "shop", false, nil); err == nil {
		t.Errorf("a job with no files was accepted")
	}
}

// TestJobResumeReindexes: a crash after a file's articles were stored but
// before the index got them leaves a running job; resuming it indexes the
// articles although the store has them unchanged.
func TestJobResumeReindexes(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	dir := t.TempDir()
	idx := &recordingIndex{ids: map[string]int{}}
	j := newJobs(t, store, dir, idx)
	data := []byte("# Alpha\n\nAlpha text.")
	job, err := j.Submit(ctx, "eve", "shop", false, []Upload{{Name: "a.md", Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	// The crash: stored by a run whose index writes were lost.
	lost := &Ingester{Store: store, Index: &recordingIndex{ids: map[string]int{}}}
	if _, err := lost.IngestFile(ctx, "a.md", data, "shop"); err != nil {
		t.Fatal(err)
	}
	job.Status = kb.JobRunning
	if err := store.PutJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go j.Run(runCtx)
	if _, err := j.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	done := waitJob(t, store, job.ID)
	if !idx.has("shop/a") {
		t.Errorf("resumed job did not index the stored article (files %+v)", done.Files)
	}
}

// batchingIndex records what reaches the index only on Flush.
type batchingIndex struct {
	*recordingIndex
	pending []*kb.Article
}

func (b *batchingIndex) Index(_ context.Context, a *kb.Article, _ []kb.Chunk) error {
	b.pending = append(b.pending, a)
	return nil
}

func (b *batchingIndex) Flush() error {
	for _, a := range b.pending {
		b.recordingIndex.Index(context.Background(), a, nil)
	}
	b.pending = nil
	return nil
}

// TestJobFlushesBatch: with a batching index, a finished job has flushed
// everything it reports done.
func TestJobFlushesBatch(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	idx := &recordingIndex{ids: map[string]int{}}
	j := newJobs(t, store, t.TempDir(), idx)
	bi := &batchingIndex{recordingIndex: idx}
	j.Batch = func() BatchIndex { return bi }
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go j.Run(runCtx)
	var files []Upload
	for i := range 30 {
		files = append(files, Upload{Name: fmt.Sprintf("f%d.md", i), Data: []byte(fmt.Sprintf("# F%d\n\nText %d.", i, i))})
	}
	job, err := j.Submit(ctx, "eve", "shop", false, files)
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, store, job.ID)
	for i := range 30 {
		if !idx.has(fmt.Sprintf("shop/f%d", i)) {
			t.Fatalf("shop/f%d not flushed to the index", i)
		}
	}
}

// slowIndex holds each article's indexing until release is closed (or
// its context ends): a file that takes longer than a job's lease.
type slowIndex struct {
	*recordingIndex
	started chan struct{} // closed when the first article reaches it
	release chan struct{}
	once    sync.Once
}

func (s *slowIndex) Index(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
	s.once.Do(func() { close(s.started) })
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.recordingIndex.Index(ctx, a, chunks)
}

// startSlowJob submits one file through a node with a lease of 150 ms
// whose indexing waits for release, and runs it; runNext's outcome comes
// on the channel.
func startSlowJob(t *testing.T, store kb.Store) (*Jobs, *slowIndex, *kb.Job, <-chan error) {
	t.Helper()
	idx := &slowIndex{recordingIndex: &recordingIndex{ids: map[string]int{}}, started: make(chan struct{}), release: make(chan struct{})}
	j := &Jobs{Ingester: &Ingester{Store: store, Index: idx}, Store: store, Node: "worker", Lease: 150 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	job, err := j.Submit(context.Background(), "eve", "shop", false, []Upload{{Name: "a.md", Data: []byte("# Alpha\n\nAlpha text.")}})
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() {
		ok, err := j.runNext(context.Background())
		if err == nil && !ok {
			err = errors.New("runNext found no job")
		}
		ran <- err
	}()
	select {
	case <-idx.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not reach the index")
	}
	return j, idx, job, ran
}

// TestJobLeaseHeartbeat: a job whose one file takes several times its
// lease stays its node's while the node works on it (no other node can
// claim it), and ends done by that node.
func TestJobLeaseHeartbeat(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	_, idx, job, ran := startSlowJob(t, store)
	start := time.Now()
	for time.Since(start) < time.Second {
		if other, err := store.ClaimJob(ctx, "other", time.Now(), time.Minute); !errors.Is(err, kb.ErrNotFound) {
			t.Fatalf("another node claimed %v (err %v) %v into the work, with a lease of 150 ms", other, err, time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(idx.release)
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if done, _ := store.Job(ctx, job.ID); done.Status != kb.JobDone || done.Files[0].Status != kb.FileIngested || !idx.has("shop/a") {
		t.Errorf("job %s, file %s, indexed %v; want done by its node", done.Status, done.Files[0].Status, idx.ids)
	}
}

// TestJobLeaseLost: when another node takes the job all the same (this
// node's heartbeat was late), the heartbeat finds the lease lost and
// stops the work at once instead of finishing a job no longer its own.
func TestJobLeaseLost(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	_, idx, job, ran := startSlowJob(t, store)
	// Claiming "an hour later" sees the lease lapsed.
	taken, err := store.ClaimJob(ctx, "thief", time.Now().Add(time.Hour), time.Hour)
	if err != nil || taken.ID != job.ID {
		t.Fatalf("claim = %v, %v; want %s", taken, err, job.ID)
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("runNext = %v, want nil (the job is another node's)", err)
		}
	case <-time.After(5 * time.Second):
		close(idx.release)
		t.Fatal("the node kept working on a job another took")
	}
	if idx.has("shop/a") {
		t.Error("the node indexed the file of a job it lost")
	}
	taken.Status = kb.JobDone
	if err := store.SaveClaimedJob(ctx, taken, "thief", time.Now().Add(time.Hour)); err != nil {
		t.Errorf("the new claimer's save: %v", err)
	}
}

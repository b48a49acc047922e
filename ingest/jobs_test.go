package ingest

import (
	"context"
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
	// The files go just after the job is marked done (so a crash in
	// between leaves a finished job, never a resumable one without files).
	var statErr error
	for wait := time.Now().Add(20 * time.Second); time.Now().Before(wait); time.Sleep(10 * time.Millisecond) {
		if _, statErr = os.Stat(filepath.Join(dir, job.ID)); os.IsNotExist(statErr) {
			break
		}
	}
	if !os.IsNotExist(statErr) {
		t.Errorf("the job's kept files were not removed: %v", statErr)
	}
	// Running the same files again changes nothing.
	again, _ := second.Submit(ctx, "eve", "shop", false, []Upload{{Name: "a.md", Data: []byte("# Alpha\n\nAlpha text.")}})
	if j := waitJob(t, store, again.ID); j.Files[0].Status != kb.FileUnchanged {
		t.Errorf("re-upload: %s, want unchanged", j.Files[0].Status)
	}
}

// With several nodes on one database, a job's files are on the node that
// took the upload: another node resuming queued jobs leaves it alone (not
// failed for want of files), and its own node runs it.
func TestJobOfAnotherNode(t *testing.T) {
	ctx := context.Background()
	store := openStore(t)
	idx := &recordingIndex{ids: map[string]int{}}
	nodeA := newJobs(t, store, t.TempDir(), idx)
	job, err := nodeA.Submit(ctx, "eve", "shop", false, []Upload{{Name: "a.md", Data: []byte("# Alpha\n\nAlpha text.")}})
	if err != nil {
		t.Fatal(err)
	}
	nodeB := newJobs(t, store, t.TempDir(), idx)
	if err := nodeB.run(ctx, job.ID); err != nil {
		t.Fatalf("node B ran node A's job: %v", err)
	}
	if j, _ := store.Job(ctx, job.ID); j.Status != kb.JobQueued || idx.has("shop/a") {
		t.Fatalf("after node B: job %s, indexed %v; want it still queued for node A", j.Status, idx.ids)
	}
	if err := nodeA.run(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	if j, _ := store.Job(ctx, job.ID); j.Status != kb.JobDone || !idx.has("shop/a") {
		t.Errorf("after node A: job %s, indexed %v; want done", j.Status, idx.ids)
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

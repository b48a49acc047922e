package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/batonhq/baton/kb"
)

// BatchIndex is an Index that gathers changes until Flush.
type BatchIndex interface {
	Index
	Flush() error
}

// saveEvery bounds how often a running job's progress is written (and
// its batched index changes flushed).
const saveEvery = 250 * time.Millisecond

// Upload is one file as an editor sent it. Reject, when set, is why it
// was refused before its job (an archive that could not be expanded).
type Upload struct {
	Name   string
	Data   []byte
	Reject string
}

// MaxUploadFileBytes bounds one uploaded file (an archive's members too).
const MaxUploadFileBytes = 20 << 20

// Jobs runs uploads as background jobs, one at a time: each file is
// parsed and published (or drafted), and its result recorded, and a file
// that fails never stops the others. Uploaded files are kept in Dir until
// their job ends, so a job interrupted by a restart resumes (Resume) with
// the files it had not done; re-doing a file is harmless because
// ingestion is idempotent.
type Jobs struct {
	Ingester *Ingester
	Editor   *Editor
	Store    kb.Store
	Dir      string
	Log      *slog.Logger
	// Embedded, when set, counts texts embedded so far (progress).
	Embedded func() int64
	// Batch, when set, starts a bulk load of the index (retrieval's
	// Searcher.NewBatch): a job then writes the keyword index in large
	// batches, flushed before each progress save.
	Batch func() BatchIndex
	// OnChange hears every progress update, for live pages.
	OnChange func(*kb.Job)

	queue chan string
	once  sync.Once
}

func (j *Jobs) init() {
	j.once.Do(func() { j.queue = make(chan string, 1024) })
}

// Submit stores the files and queues a job for them.
func (j *Jobs) Submit(ctx context.Context, actor, collection string, draft bool, files []Upload) (*kb.Job, error) {
	j.init()
	if collection == "" {
		collection = kb.DefaultCollection
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no files: %w", kb.ErrInvalid)
	}
	job := &kb.Job{ID: newJobID(), Collection: collection, Status: kb.JobQueued, Draft: draft, CreatedBy: actor}
	dir := filepath.Join(j.Dir, job.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("keep upload: %w", err)
	}
	for i, f := range files {
		res := kb.JobFileResult{Name: f.Name, Bytes: int64(len(f.Data)), Status: kb.FilePending}
		if f.Reject != "" {
			res.Status, res.Reason = kb.FileRejected, f.Reject
		} else if len(f.Data) > MaxUploadFileBytes {
			res.Status, res.Reason = kb.FileRejected, fmt.Sprintf("over the size limit: %d bytes, the limit is %d", len(f.Data), MaxUploadFileBytes)
		} else if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d", i)), f.Data, 0o644); err != nil {
			return nil, fmt.Errorf("keep upload: %w", err)
		}
		job.Files = append(job.Files, res)
	}
	job.FilesTotal = len(job.Files)
	if err := j.Store.PutJob(ctx, job); err != nil {
		return nil, err
	}
	if err := j.Store.AddAudit(ctx, &kb.AuditEntry{Actor: actor, Action: "job.create", Target: job.ID,
		Detail: fmt.Sprintf("%d files into %s (draft: %v)", len(files), collection, draft)}); err != nil {
		return nil, err
	}
	select {
	case j.queue <- job.ID:
	default:
		// The queue is full: the job waits in the store and runs at the
		// next Resume.
	}
	return job, nil
}

// Resume queues the jobs a restart interrupted.
func (j *Jobs) Resume(ctx context.Context) (int, error) {
	j.init()
	js, err := j.Store.Jobs(ctx, kb.JobQueued, kb.JobRunning)
	if err != nil {
		return 0, err
	}
	for i := len(js) - 1; i >= 0; i-- { // oldest first
		select {
		case j.queue <- js[i].ID:
		default:
		}
	}
	return len(js), nil
}

// Run works through queued jobs until ctx ends. Jobs that found the
// queue full wait in the store; an idle Run picks them up every minute.
func (j *Jobs) Run(ctx context.Context) {
	j.init()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if len(j.queue) == 0 {
				if _, err := j.Resume(ctx); err != nil {
					j.Log.Error("look for waiting upload jobs", "err", err)
				}
			}
		case id := <-j.queue:
			if err := j.run(ctx, id); err != nil && !errors.Is(err, context.Canceled) {
				j.Log.Error("ingestion job failed", "job", id, "err", err)
			}
		}
	}
}

// countingIndex counts the passages a job writes.
type countingIndex struct {
	next   Index
	chunks *int
}

func (c countingIndex) Index(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
	*c.chunks += len(chunks)
	return c.next.Index(ctx, a, chunks)
}

func (c countingIndex) Delete(ctx context.Context, id string) error { return c.next.Delete(ctx, id) }

// Prepare prepares with the next index, when it can, and counts the
// passages as the article is indexed (on Stream's calling goroutine).
func (c countingIndex) Prepare(ctx context.Context, a *kb.Article, chunks []kb.Chunk) (func(context.Context, *kb.Article, []kb.Chunk) error, error) {
	p, ok := c.next.(Preparer)
	if !ok {
		return c.Index, nil
	}
	index, err := p.Prepare(ctx, a, chunks)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, a *kb.Article, chunks []kb.Chunk) error {
		*c.chunks += len(chunks)
		return index(ctx, a, chunks)
	}, nil
}

// errUploadLost reports a job's kept file gone before it was ingested.
var errUploadLost = errors.New("upload lost before it was ingested; send it again")

func (j *Jobs) run(ctx context.Context, id string) error {
	job, err := j.Store.Job(ctx, id)
	if err != nil {
		return err
	}
	if job.Status == kb.JobDone || job.Status == kb.JobFailed {
		return nil
	}
	dir := filepath.Join(j.Dir, job.ID)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		// Another node sharing the database took this upload and keeps
		// its files (they go only after the job is done): it is that
		// node's to run or resume.
		return nil
	}
	// A job that was running when the server stopped may have stored
	// articles its index writes never reached: index its files anew.
	resumed := job.Status == kb.JobRunning
	job.Status = kb.JobRunning
	if err := j.save(ctx, job); err != nil {
		return err
	}
	in := *j.Ingester
	in.Reindex = resumed
	var idx Index = j.Ingester.Index
	flush := func() error { return nil }
	if j.Batch != nil {
		b := j.Batch()
		idx, flush = b, b.Flush
	}
	in.Index = countingIndex{next: idx, chunks: &job.Chunks}
	// Progress is saved only after the index has what it reports, so a
	// file marked done is searchable.
	checkpoint := func() error {
		if err := flush(); err != nil {
			return err
		}
		return j.save(ctx, job)
	}
	lastSave := time.Now()
	var embedded0 int64
	if j.Embedded != nil {
		embedded0 = j.Embedded() - int64(job.Embedded)
	}
	// Each file done is recorded in order; the files after it may be
	// parsed and embedded already (see Ingester.Stream).
	finish := func(i int) error {
		job.FilesDone = i + 1
		if j.Embedded != nil {
			job.Embedded = int(j.Embedded() - embedded0)
		}
		if time.Since(lastSave) >= saveEvery {
			if err := checkpoint(); err != nil {
				return err
			}
			lastSave = time.Now()
		}
		return nil
	}
	var todo []int
	for i, f := range job.Files {
		if f.Status == kb.FilePending {
			todo = append(todo, i)
		}
	}
	if job.Draft {
		for _, i := range todo {
			f := &job.Files[i]
			data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%05d", i)))
			if err != nil {
				f.Status, f.Reason = kb.FileRejected, errUploadLost.Error()
			} else {
				j.draft(ctx, job, f, data)
			}
			if ctx.Err() != nil {
				return ctx.Err() // stopped mid-job: it resumes at the next start
			}
			if err := finish(i); err != nil {
				return err
			}
		}
	} else {
		sources := make([]Source, len(todo))
		for n, i := range todo {
			path := filepath.Join(dir, fmt.Sprintf("%05d", i))
			sources[n] = Source{Name: job.Files[i].Name, Read: func() ([]byte, error) {
				data, err := os.ReadFile(path)
				if err != nil {
					return nil, errUploadLost
				}
				return data, nil
			}}
		}
		next := 0
		err := in.Stream(ctx, job.Collection, slices.Values(sources), func(_ Source, r FileResult, err error) error {
			i := todo[next]
			next++
			record(&job.Files[i], r, err)
			if ctx.Err() != nil {
				return ctx.Err() // stopped mid-job: it resumes at the next start
			}
			return finish(i)
		})
		if err != nil {
			return err
		}
	}
	job.FilesDone, job.Status = len(job.Files), kb.JobDone
	if err := checkpoint(); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// draft parses one file of a draft job into drafts and records the result.
func (j *Jobs) draft(ctx context.Context, job *kb.Job, f *kb.JobFileResult, data []byte) {
	arts, err := Parse(f.Name, data, job.Collection)
	if err != nil {
		f.Status, f.Reason = kb.FileRejected, Reason(err)
		return
	}
	if err := UniqueIDs(ctx, j.Store, f.Name, arts); err != nil {
		f.Status, f.Reason = kb.FileRejected, Reason(err)
		return
	}
	for _, a := range arts {
		base := 0
		if cur, err := j.Store.Article(ctx, a.ID); err == nil {
			base = cur.Version
		}
		if _, err := j.Editor.SaveDraft(ctx, job.CreatedBy, a, base); err != nil {
			f.Status, f.Reason = kb.FileRejected, Reason(err)
			return
		}
		f.Articles = append(f.Articles, a.ID)
	}
	f.Status, f.Added = kb.FileIngested, len(arts)
}

// record writes what became of one published file into its result.
func record(f *kb.JobFileResult, r FileResult, err error) {
	if err != nil {
		f.Status, f.Reason = kb.FileRejected, Reason(err)
		return
	}
	f.Added, f.Updated, f.Removed = r.Added, r.Updated, r.Removed
	f.Status = kb.FileIngested
	if r.Added+r.Updated+r.Removed == 0 {
		f.Status = kb.FileUnchanged
	}
}

func (j *Jobs) save(ctx context.Context, job *kb.Job) error {
	if err := j.Store.PutJob(ctx, job); err != nil {
		return err
	}
	if j.OnChange != nil {
		cp := *job // the listener may keep it while this job goes on
		cp.Files = append([]kb.JobFileResult(nil), job.Files...)
		j.OnChange(&cp)
	}
	return nil
}

// Reason is an error as an editor should read it.
func Reason(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+kb.ErrInvalid.Error())
}

func newJobID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "job-" + hex.EncodeToString(b)
}

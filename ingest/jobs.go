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
// that fails never stops the others. Uploaded files are kept in the store
// until their job ends, so any node sharing the store can run the job:
// Run claims the oldest queued job on a lease it extends at each progress
// save and, while it works, every third of the lease (a file may take
// longer than the lease), and a job whose node stopped (its lease lapsed)
// is claimed again and resumed with the files it had not done; re-doing a
// file is harmless because ingestion is idempotent.
type Jobs struct {
	Ingester *Ingester
	Editor   *Editor
	Store    kb.Store
	// Dir, when set, is where uploads were kept before the store held
	// them: a job submitted before the upgrade reads its files from there
	// and removes them when it ends.
	Dir string
	Log *slog.Logger
	// Node names this process to the jobs it claims; a random name when
	// empty.
	Node string
	// Lease is how long a claimed job is this node's without a progress
	// save or a heartbeat (DefaultJobLease when zero): when the node
	// stops, another takes the job after that long.
	Lease time.Duration
	// Poll is how often an idle Run looks for jobs other nodes took
	// uploads for, and for jobs whose lease lapsed (DefaultJobPoll when
	// zero); a local Submit wakes it at once, and so does Wake, which a
	// store that announces other nodes' jobs can call, when Poll is only
	// a fallback.
	Poll time.Duration
	// Embedded, when set, counts texts embedded so far (progress).
	Embedded func() int64
	// Batch, when set, starts a bulk load of the index (retrieval's
	// Searcher.NewBatch): a job then writes the keyword index in large
	// batches, flushed before each progress save.
	Batch func() BatchIndex
	// OnChange hears every progress update, for live pages.
	OnChange func(*kb.Job)

	wake chan struct{}
	once sync.Once
}

// Defaults of Jobs.Lease and Jobs.Poll.
const (
	DefaultJobLease = 5 * time.Minute
	DefaultJobPoll  = 3 * time.Second
)

func (j *Jobs) init() {
	j.once.Do(func() {
		j.wake = make(chan struct{}, 1)
		if j.Node == "" {
			j.Node = newNodeName()
		}
		if j.Lease <= 0 {
			j.Lease = DefaultJobLease
		}
		if j.Poll <= 0 {
			j.Poll = DefaultJobPoll
		}
	})
}

// Submit stores the job with its files and wakes Run.
func (j *Jobs) Submit(ctx context.Context, actor, collection string, draft bool, files []Upload) (*kb.Job, error) {
	j.init()
	if collection == "" {
		collection = kb.DefaultCollection
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no files: %w", kb.ErrInvalid)
	}
	job := &kb.Job{ID: newJobID(), Collection: collection, Status: kb.JobQueued, Draft: draft, CreatedBy: actor}
	var kept []kb.JobUpload
	for i, f := range files {
		res := kb.JobFileResult{Name: f.Name, Bytes: int64(len(f.Data)), Status: kb.FilePending}
		if f.Reject != "" {
			res.Status, res.Reason = kb.FileRejected, f.Reject
		} else if len(f.Data) > MaxUploadFileBytes {
			res.Status, res.Reason = kb.FileRejected, fmt.Sprintf("over the size limit: %d bytes, the limit is %d", len(f.Data), MaxUploadFileBytes)
		} else {
			kept = append(kept, kb.JobUpload{Index: i, Name: f.Name, Data: f.Data})
		}
		job.Files = append(job.Files, res)
	}
	job.FilesTotal = len(job.Files)
	if err := j.Store.SubmitJob(ctx, job, kept); err != nil {
		return nil, err
	}
	if err := j.Store.AddAudit(ctx, &kb.AuditEntry{Actor: actor, Action: "job.create", Target: job.ID,
		Detail: fmt.Sprintf("%d files into %s (draft: %v)", len(files), collection, draft)}); err != nil {
		return nil, err
	}
	j.Wake()
	return job, nil
}

// NodeName is the name this process gives the jobs it claims (Node, or
// the random one chosen when Node is empty).
func (j *Jobs) NodeName() string {
	j.init()
	return j.Node
}

// Wake has Run look for a job to claim now, without waiting for it: a
// job was queued or released, here or on another node.
func (j *Jobs) Wake() {
	j.init()
	select {
	case j.wake <- struct{}{}:
	default: // Run is awake already
	}
}

// Resume counts the jobs waiting or left running (by a restart, or by a
// node that stopped) and wakes Run to claim them.
func (j *Jobs) Resume(ctx context.Context) (int, error) {
	j.init()
	js, err := j.Store.Jobs(ctx, kb.JobQueued, kb.JobRunning)
	if err != nil {
		return 0, err
	}
	if len(js) > 0 {
		j.Wake()
	}
	return len(js), nil
}

// Run claims and runs jobs until ctx ends: at once after a local Submit
// or a Wake, otherwise every Poll, so that jobs other nodes took uploads for, and
// those whose node stopped, are run too.
func (j *Jobs) Run(ctx context.Context) {
	j.init()
	tick := time.NewTicker(j.Poll)
	defer tick.Stop()
	for {
		for ctx.Err() == nil {
			ran, err := j.runNext(ctx)
			if err != nil && !errors.Is(err, context.Canceled) {
				j.Log.Error("ingestion job failed", "err", err)
			}
			if !ran {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-j.wake:
		}
	}
}

// runNext claims the oldest job there is and runs it; ran is false when
// there was none to claim.
func (j *Jobs) runNext(ctx context.Context) (ran bool, err error) {
	j.init()
	job, err := j.Store.ClaimJob(ctx, j.Node, time.Now(), j.Lease)
	if errors.Is(err, kb.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim a job: %w", err)
	}
	jobCtx, stop := j.heartbeat(ctx, job.ID)
	err = j.run(jobCtx, job)
	if lost := stop(); lost != nil {
		err = lost // what stopped the job
	}
	if errors.Is(err, kb.ErrConflict) {
		// This node was too slow to save, and another took the job.
		j.Log.Warn("ingestion job taken by another node", "job", job.ID, "err", err)
		return true, nil
	}
	if err != nil {
		err = fmt.Errorf("job %s: %w", job.ID, err)
		if ctx.Err() != nil {
			j.release(job)
		}
	}
	return true, err
}

// heartbeat extends this node's lease on a job every third of Lease
// until stop is called, so that a file that takes longer than the lease
// to parse and embed, between two progress saves, does not hand the job
// to another node while this one still works on it. When the lease is
// lost (this node was too slow and another took the job, or the job is
// gone) it cancels the returned context, which stops the job; stop then
// waits for it and returns why, nil otherwise.
func (j *Jobs) heartbeat(ctx context.Context, id string) (context.Context, func() (lost error)) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	var lost error
	go func() {
		defer close(done)
		tick := time.NewTicker(max(j.Lease/3, time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			err := j.Store.ExtendJobLease(ctx, id, j.Node, time.Now().Add(j.Lease))
			switch {
			case errors.Is(err, kb.ErrConflict) || errors.Is(err, kb.ErrNotFound):
				lost = fmt.Errorf("lease lost while working: %w", err)
				cancel(lost)
				return
			case err != nil && ctx.Err() == nil:
				// The next beat may get through before the lease lapses.
				j.Log.Warn("ingestion job lease not extended", "job", id, "err", err)
			}
		}
	}()
	return ctx, func() error {
		cancel(nil)
		<-done
		return lost
	}
}

// release lets a job this node stopped in the middle of be claimed at
// once, by the next start or another node, instead of when its lease
// lapses.
func (j *Jobs) release(job *kb.Job) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// As last saved: progress since may not have reached the index.
	saved, err := j.Store.Job(ctx, job.ID)
	if err == nil {
		err = j.Store.SaveClaimedJob(ctx, saved, j.Node, time.Now())
	}
	if err != nil {
		j.Log.Warn("stopped ingestion job not released; it resumes when its lease lapses", "job", job.ID, "err", err)
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

func (j *Jobs) run(ctx context.Context, job *kb.Job) error {
	// A job that was running when its node stopped may have stored
	// articles its index writes never reached: index its files anew.
	resumed := job.Status == kb.JobRunning
	j.Log.Info("ingestion job started", "job", job.ID, "node", j.Node, "resumed", resumed)
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
			data, err := j.upload(ctx, job.ID, i)
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
			sources[n] = Source{Name: job.Files[i].Name, Read: func() ([]byte, error) { return j.upload(ctx, job.ID, i) }}
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
	if j.Dir == "" {
		return nil
	}
	return os.RemoveAll(filepath.Join(j.Dir, job.ID))
}

// upload reads one of a job's files from the store or, for a job
// submitted before the store kept uploads, from Dir.
func (j *Jobs) upload(ctx context.Context, jobID string, i int) ([]byte, error) {
	data, err := j.Store.JobUpload(ctx, jobID, i)
	if errors.Is(err, kb.ErrNotFound) && j.Dir != "" {
		data, err = os.ReadFile(filepath.Join(j.Dir, jobID, fmt.Sprintf("%05d", i)))
	}
	if errors.Is(err, kb.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return nil, errUploadLost
	}
	return data, err
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

// save records a job's progress and extends this node's lease on it.
func (j *Jobs) save(ctx context.Context, job *kb.Job) error {
	if err := j.Store.SaveClaimedJob(ctx, job, j.Node, time.Now().Add(j.Lease)); err != nil {
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

// newNodeName names a process to the jobs it claims: its host, for the
// people reading the database, and a random part, for the processes on
// one host.
func newNodeName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return host + "-" + hex.EncodeToString(b)
}

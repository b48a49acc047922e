package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/escalate"
	"github.com/batonhq/baton/ingest"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/retrieval"
	"github.com/batonhq/baton/retrieval/onnx"
	"github.com/batonhq/baton/web"
)

// App is Baton wired together over one data directory.
type App struct {
	Config   Config
	Store    kb.Store
	Keyword  *retrieval.Keyword
	Searcher *retrieval.Searcher
	Bot      *answer.Bot
	Ingester *ingest.Ingester
	Editor   *ingest.Editor
	Jobs     *ingest.Jobs
	Log      *slog.Logger
	embedder retrieval.Embedder // closed with the app when it holds resources
	relay    *relay             // live events to and from the other nodes, on PostgreSQL
	follower *indexFollower     // keeps the index in step with other nodes' edits, on PostgreSQL
	// webhook sends hand-off events once a server runs (StartServer);
	// another node's change of its receiver is applied to it.
	webhook atomic.Pointer[web.Webhook]
}

// OpenApp opens (creating if needed) the data directory and wires Baton.
// When the keyword index is new or vectors live only in memory, the indexes
// are rebuilt from the store, which is the source of truth.
func OpenApp(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if err := os.MkdirAll(cfg.Data, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: store, Log: log}
	idxPath := filepath.Join(cfg.Data, "index.bleve")
	_, statErr := os.Stat(idxPath)
	fresh := errors.Is(statErr, os.ErrNotExist)
	a.Keyword, err = retrieval.OpenKeyword(idxPath, retrieval.KeywordOptions{Scoring: cfg.Keyword.Scoring, CJK: cfg.Keyword.CJK})
	if err != nil {
		store.Close()
		return nil, err
	}
	emb := cfg.embedder
	if emb == nil {
		if emb, err = openEmbedder(cfg); err != nil {
			a.Close()
			return nil, err
		}
		a.embedder = emb
	}
	a.Searcher = retrieval.NewSearcher(a.Keyword, emb)
	a.Searcher.Store = store
	a.Searcher.NoClassifier = cfg.NoClassifier
	a.Searcher.Classifiers = retrieval.ClassifierDir(filepath.Join(cfg.Data, "classifiers"))
	if pg, ok := store.(*postgres.Store); ok {
		// Nodes on one database share classifiers: each is trained
		// once, by one of them, and loaded by the others.
		a.Searcher.Classifiers = pg
	}
	switch {
	case cfg.IVFThreshold < 0:
		a.Searcher.SetIVFThreshold(0)
	case cfg.IVFThreshold > 0:
		a.Searcher.SetIVFThreshold(cfg.IVFThreshold)
	}
	a.Searcher.OnEmbedError = func(err error) { log.Warn("vector search skipped", "err", err) }
	model := answer.DefaultModel()
	if cfg.ConfidenceModel != "" {
		if model, err = answer.LoadModel(cfg.ConfidenceModel); err != nil {
			a.Close()
			return nil, err
		}
	}
	composer := &answer.Composer{Store: store, Searcher: a.Searcher, Model: model}
	if cfg.InScopeModel != "" {
		if composer.InScope, err = answer.LoadInScopeModel(cfg.InScopeModel); err != nil {
			a.Close()
			return nil, err
		}
	}
	if composer.Recalibrations, err = a.loadRecalibrations(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if cfg.RerankBaseURL != "" {
		composer.Reranker = &retrieval.HTTPReranker{BaseURL: cfg.RerankBaseURL, Model: cfg.RerankModel, APIKey: cfg.RerankAPIKey}
		composer.OnRerankError = func(err error) { log.Warn("rerank skipped", "err", err) }
	}
	policies, err := a.loadPolicies(ctx)
	if err != nil {
		a.Close()
		return nil, err
	}
	// The trigger models' shipped coefficients were fitted with the local
	// model's vectors; with any other embedder they use lexical features.
	var sigEmb escalate.Embedder
	if _, ok := emb.(*onnx.Embedder); ok {
		// Through the search's query cache: the message is embedded once
		// a turn, not once per model.
		sigEmb = a.Searcher.QueryEmbedder()
	}
	a.Bot = &answer.Bot{Store: store, Composer: composer,
		Sentiment: escalate.NewSentiment(sigEmb), Rephrase: escalate.NewRephraser(sigEmb),
		SmallTalk:      escalate.DefaultSmallTalk(),
		TokenIdle:      cfg.TokenIdle,
		SelfThresholds: &answer.SelfThresholds{},
		OnSignalError:  func(err error) { log.Warn("signal not measured", "err", err) }}
	a.Bot.SetPolicies(policies)
	events := escalate.NewBroker()
	if pg, ok := store.(*postgres.Store); ok {
		// Other nodes may share the database: their customers and agents
		// see this node's events, and this node's see theirs.
		a.relay = startRelay(pg, events, log, func(e escalate.Event) {
			if e.Type == escalate.EventRecalibrations {
				a.reloadRecalibrations(context.Background(), "refitted on another node")
				return
			}
			if e.Type == escalate.EventWebhook {
				a.reloadWebhook(context.Background())
				return
			}
			if e.Type != escalate.EventPolicies {
				return
			}
			// Another node saved new policies: this one applies them too.
			p, err := a.loadPolicies(context.Background())
			if err != nil {
				log.Error("policies saved on another node not applied", "err", err)
				return
			}
			a.Bot.SetPolicies(p)
			log.Info("hand-off policies reloaded: changed on another node", "collections", len(p.Collections))
		})
	}
	a.Bot.Desk = &escalate.Desk{Store: store, Events: events, Policies: a.Bot.Policies}
	if cfg.LLMBaseURL != "" {
		a.Bot.Generator = answer.NewGenerator(answer.LLMConfig{BaseURL: cfg.LLMBaseURL, Model: cfg.LLMModel, APIKey: cfg.LLMAPIKey, Timeout: cfg.LLMTimeout})
	}
	a.Ingester = &ingest.Ingester{Store: store, Index: a.Searcher, Workers: cfg.IngestWorkers}
	a.Editor = &ingest.Editor{Store: store, Index: a.Searcher}
	a.Jobs = &ingest.Jobs{Ingester: a.Ingester, Editor: a.Editor, Store: store,
		// Uploads from before the store kept them are read from here.
		Dir: filepath.Join(cfg.Data, "uploads"),
		Log: log, Embedded: a.Searcher.Embedded, Batch: func() ingest.BatchIndex { return a.Searcher.NewBatch() },
		OnChange: func(j *kb.Job) {
			a.Bot.Desk.Events.Publish(escalate.Event{Type: escalate.EventJob, Data: j, StaffOnly: true})
		}}
	if _, ok := store.(*postgres.Store); ok {
		// Other nodes' jobs wake the runner (see Server.Run): polling is
		// only for a lost notification and for leases that lapsed.
		a.Jobs.Poll = jobsFallbackPoll
	}
	if err := a.syncIndex(ctx, fresh); err != nil {
		a.Close()
		return nil, err
	}
	// A server embeds what lacks vectors in the background (see Run),
	// answering keyword-only for those articles meanwhile; a command that
	// asks once does it first.
	if cfg.backgroundEmbed {
		err = a.Searcher.LoadStoredVectors(ctx)
	} else {
		var n int
		if n, err = a.Searcher.LoadVectors(ctx); n > 0 {
			log.Info("embedded articles that had no vectors", "articles", n, "model", emb.Name())
		}
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	if err := a.useVectorSource(ctx); err != nil {
		a.Close()
		return nil, err
	}
	if _, err := a.Searcher.LoadClassifiers(ctx); err != nil {
		// They train again in the background; nothing is lost but time.
		log.Warn("saved classifiers not loaded", "err", err)
	}
	return a, nil
}

// jobsFallbackPoll is how often, on PostgreSQL, where notifications wake
// the job runner, it looks for jobs anyway.
const jobsFallbackPoll = 30 * time.Second

// useVectorSource sends each question's kNN to pgvector when configured
// (--vector-search pgvector), after making sure of the HNSW indexes over
// the vectors stored before they were made.
func (a *App) useVectorSource(ctx context.Context) error {
	pg, ok := a.Store.(*postgres.Store)
	if !ok || a.Config.VectorSearch != "pgvector" || a.embedder == nil {
		return nil
	}
	if err := pg.EnsureVectorIndexes(ctx, a.embedder.Name()); err != nil {
		return err
	}
	a.Searcher.KNN = pgvectorSource{pg}
	return nil
}

// PolicyFile is where the admin API saves hand-off policies, in the data
// directory, when no --policy file manages them.
func (a *App) PolicyFile() string {
	if a.Config.Policy != "" {
		return ""
	}
	return filepath.Join(a.Config.Data, "policy.json")
}

// policiesSetting is the key under which PostgreSQL keeps the policies.
const policiesSetting = "policies"

// loadPolicies reads the hand-off policies: the --policy file, else those
// saved through the API (in the database on PostgreSQL, so every node has
// the same, else in the data directory), else the defaults; thresholds
// given as flags or environment win over the default policy's.
func (a *App) loadPolicies(ctx context.Context) (*escalate.Config, error) {
	cfg := a.Config
	var doc []byte
	var err error
	pg, onPostgres := a.Store.(*postgres.Store)
	switch {
	case cfg.Policy != "":
		doc, err = os.ReadFile(cfg.Policy)
	case onPostgres:
		doc, err = pg.Setting(ctx, policiesSetting)
	default:
		doc, err = os.ReadFile(a.PolicyFile())
	}
	var p *escalate.Config
	switch {
	case cfg.Policy == "" && (errors.Is(err, os.ErrNotExist) || errors.Is(err, kb.ErrNotFound)):
		p = escalate.NewConfig() // none saved yet
	case err != nil:
		return nil, fmt.Errorf("read policy: %w", err)
	default:
		if p, err = escalate.ParseConfig(doc); err != nil {
			return nil, err
		}
	}
	if cfg.AnswerThreshold != 0 || cfg.HandoffThreshold != 0 {
		p.Default.AnswerThreshold = cmp.Or(cfg.AnswerThreshold, p.Default.AnswerThreshold)
		p.Default.HandoffThreshold = cmp.Or(cfg.HandoffThreshold, p.Default.HandoffThreshold)
		if err := p.Default.Validate(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// SavePolicies saves policies changed through the API for every node: in
// the database, and tells the other nodes to reload them. Nil on SQLite
// (the server saves PolicyFile) and when a --policy file manages them.
func (a *App) SavePolicies() func(ctx context.Context, doc []byte) error {
	pg, ok := a.Store.(*postgres.Store)
	if !ok || a.Config.Policy != "" {
		return nil
	}
	return func(ctx context.Context, doc []byte) error {
		if err := pg.PutSetting(ctx, policiesSetting, doc); err != nil {
			return err
		}
		a.Bot.Desk.Events.Publish(escalate.Event{Type: escalate.EventPolicies, StaffOnly: true})
		return nil
	}
}

// openEmbedder returns the configured embedder, nil for keyword-only.
func openEmbedder(cfg Config) (retrieval.Embedder, error) {
	switch cfg.Embedder {
	case "none":
		return nil, nil
	case "openai":
		return retrieval.NewOpenAIEmbedder(retrieval.OpenAIConfig{BaseURL: cfg.EmbedBaseURL, Model: cfg.EmbedModel, APIKey: cfg.EmbedAPIKey}), nil
	}
	e, err := openLocalEmbedder(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w; or set BATON_EMBEDDER=none for keyword-only search", err)
	}
	return e, nil
}

// openLocalEmbedder opens the bundled model with the configured threads.
func openLocalEmbedder(cfg Config) (*onnx.Embedder, error) {
	opts := onnx.DefaultOptions()
	if cfg.EmbedThreads > 0 {
		opts.Threads = cfg.EmbedThreads
	}
	return onnx.Open(cfg.ModelDir, opts)
}

// openTriggerEmbedder opens the local model for a trigger task (what); nil
// when embeddings are off or the model is not installed, so the task falls
// back to lexical features.
func openTriggerEmbedder(cfg Config, log *slog.Logger, what string) (*onnx.Embedder, error) {
	if cfg.Embedder == "none" {
		return nil, nil
	}
	e, err := openLocalEmbedder(cfg)
	if errors.Is(err, onnx.ErrNotInstalled) {
		log.Warn(what+": embedding model not installed, lexical features only", "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s embedder: %w", what, err)
	}
	return e, nil
}

// syncIndex brings a keyword index up to date with the store: a new one
// is rebuilt; on PostgreSQL, where other nodes change articles too, an
// existing one catches up on the changes made since it last looked (and
// is rebuilt when it never recorded one), and a follower is set up for
// the server to keep it in step.
func (a *App) syncIndex(ctx context.Context, fresh bool) error {
	pg, ok := a.Store.(*postgres.Store)
	if !ok {
		if fresh {
			return a.reindex(ctx)
		}
		return nil
	}
	// While the app opens, catching up needs the keyword index only: the
	// changed articles' vectors are loaded from the store (or embedded)
	// after it. Once it runs, the follower keeps both in step.
	f := &indexFollower{store: pg, path: filepath.Join(a.Config.Data, "index.seq"),
		index: a.Keyword.Index, remove: a.Searcher.Delete, indexed: a.Searcher.Indexed}
	a.follower = f
	defer func() { f.index = a.Searcher.Index }()
	if !fresh && f.load() {
		n, err := f.catchUp(ctx)
		if n > 0 {
			a.Log.Info("index caught up with other nodes' changes", "articles", n)
		}
		return err
	}
	// Changes made while rebuilding are applied again after: harmless.
	last, err := pg.LastArticleChange(ctx)
	if err != nil {
		return err
	}
	if err := a.reindex(ctx); err != nil {
		return err
	}
	f.applied = last
	return f.save()
}

// reindex rebuilds the keyword index from the store; the vectors the
// store keeps are loaded after it, and those missing embedded then.
func (a *App) reindex(ctx context.Context) error {
	arts, err := a.Store.Articles(ctx, "")
	if err != nil {
		return err
	}
	for _, art := range arts {
		chunks, err := a.Store.Chunks(ctx, art.ID)
		if err != nil {
			return err
		}
		if err := a.Keyword.Index(ctx, art, chunks); err != nil {
			return err
		}
	}
	if len(arts) > 0 {
		a.Log.Info("keyword index rebuilt from the store", "articles", len(arts))
	}
	return nil
}

// Close stops relaying events and releases the store, the index and the
// embedding model.
func (a *App) Close() error {
	if a.relay != nil {
		a.relay.stop()
	}
	var errs []error
	if c, ok := a.embedder.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if a.Keyword != nil {
		errs = append(errs, a.Keyword.Close())
	}
	return errors.Join(append(errs, a.Store.Close())...)
}

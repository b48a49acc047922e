#!/usr/bin/env bash
# Runs `make test` RUNS times in a row (default 5) while another process
# keeps one core busy, the way a shared CI machine loads it; stops at the
# first failure. Prints each run's wall time and the verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
# One core busy for as long as the runs take.
( while :; do :; done ) &
burner=$!
trap 'kill "$burner" 2>/dev/null' EXIT
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  if ! make test >"/tmp/baton-load-run-$i.log" 2>&1; then
    echo "run $i/$runs FAILED after $(( $(date +%s) - start )) s; log: /tmp/baton-load-run-$i.log"
    grep -E -- '^(--- FAIL|FAIL)' "/tmp/baton-load-run-$i.log" | head -20
    exit 1
  fi
  echo "run $i/$runs passed in $(( $(date +%s) - start )) s"
done
echo "all $runs runs passed with one core busy"

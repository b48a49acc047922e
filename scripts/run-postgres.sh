#!/usr/bin/env bash
# Runs Baton on a local PostgreSQL: a cluster of its own in $DATA/pg
# (created at the first run, as user postgres when run as root), on
# 127.0.0.1:$PGPORT, with database baton and pgvector; then
# `baton serve --database-url` on it, seeding the demo into an empty
# database. Stop with Ctrl-C; the cluster stops with it. With arguments,
# runs them instead of the server, with BATON_BENCH_POSTGRES_URL set to
# the database (`make bench-all`: the bench's PostgreSQL alternative).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${BIN:-bin/baton}" data="${DATA:-data-postgres}" addr="${ADDR:-127.0.0.1:8080}" port="${PGPORT:-25432}"
pgbin=/usr/lib/postgresql/15/bin
bash scripts/setup-postgres.sh >/dev/null

as_pg=()
if [ "$(id -u)" -eq 0 ]; then as_pg=(runuser -u postgres --); fi
mkdir -p "$data"
cluster="$(cd "$data" && pwd)/pg"
if [ ! -s "$cluster/PG_VERSION" ]; then
  mkdir -p "$cluster"
  [ ${#as_pg[@]} -eq 0 ] || chown postgres "$cluster"
  "${as_pg[@]}" "$pgbin/initdb" -D "$cluster" -A trust -U postgres -E UTF8 >/dev/null
fi
"${as_pg[@]}" "$pgbin/pg_ctl" start -w -D "$cluster" -l "$cluster/server.log" \
  -o "-p $port -k $cluster -c listen_addresses=127.0.0.1" >/dev/null
trap '"${as_pg[@]}" "$pgbin/pg_ctl" stop -D "$cluster" -m fast >/dev/null' EXIT
psql=("$pgbin/psql" -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -q)
"${psql[@]}" -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'baton'" | grep -q 1 ||
  "${psql[@]}" -d postgres -c "CREATE DATABASE baton"
"${psql[@]}" -d baton -c "CREATE EXTENSION IF NOT EXISTS vector"
url="postgres://postgres@127.0.0.1:$port/baton?sslmode=disable"
echo "PostgreSQL on 127.0.0.1:$port (cluster in $cluster): BATON_DATABASE_URL=$url"
if [ $# -gt 0 ]; then
  BATON_BENCH_POSTGRES_URL="$url" "$@"
  exit
fi
"$bin" serve --addr "$addr" --data "$data" --database-url "$url" --seed demo/kb

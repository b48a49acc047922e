#!/usr/bin/env bash
# Installs what the PostgreSQL backend's tests need: PostgreSQL 15 and the
# pgvector extension. Debian bookworm does not package pgvector, so
# pgvector is built from Debian trixie's source package (0.8.0), fetched
# through a private sources list: the machine's own apt sources are never
# changed. Idempotent; runs as root, or with sudo otherwise.
set -euo pipefail

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

pg_config=/usr/lib/postgresql/15/bin/pg_config
control=/usr/share/postgresql/15/extension/vector.control
packages=(postgresql-15 postgresql-server-dev-15 dpkg-dev build-essential)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if [ -e "$control" ]; then
  echo "pgvector already installed: $control"
  exit 0
fi

# The main Debian archive the machine already uses (not the security one).
mirror_uri() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -r "$f" ]; then
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f"
  fi
  if [ -r /etc/apt/sources.list ]; then
    sed -E -n 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' /etc/apt/sources.list | grep -v security || true
  fi
}
uri=$(mirror_uri | sed -n 1p)
if [ -z "$uri" ]; then
  echo "setup-postgres: no Debian archive found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
echo "deb-src $uri trixie main" >"$work/sources.list"
# apt's download sandbox user must reach the work dir when run as root.
chmod 755 "$work" "$work/src"
if id _apt >/dev/null 2>&1; then $sudo chown -R _apt "$work/lists" "$work/src"; fi

apt_private=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
$sudo apt-get "${apt_private[@]}" update -qq
(cd "$work/src" && $sudo apt-get "${apt_private[@]}" source --download-only -qq pgvector)

# apt checked the downloaded files against the archive's signed index;
# dpkg-source's warning that it cannot check the uploader's signature
# (their key is not on the machine) is expected.
dsc=$(ls "$work"/src/pgvector_*.dsc | sed -n 1p)
$sudo dpkg-source -x "$dsc" "$work/build" >/dev/null
$sudo make -s -C "$work/build" PG_CONFIG="$pg_config"
$sudo make -s -C "$work/build" PG_CONFIG="$pg_config" install
test -e "$control"
echo "pgvector $(sed -n "s/^default_version = '\(.*\)'/\1/p" "$control") installed for PostgreSQL 15"

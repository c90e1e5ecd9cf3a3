#!/usr/bin/env bash
# The load benchmark of docs/performance.md:
#   bench/load.sh [sqlite|postgres] [STATUSES] [ACCOUNTS] [DURATION]
# Builds the release binary, seeds a fresh database (default 1,000 accounts and
# 1,000,000 statuses, 20 follows each), then measures on loopback:
#   - start-up to serving on the existing database,
#   - idle RSS,
#   - GET /api/v1/timelines/home and POST /api/v1/statuses with wrk (2 threads,
#     32 connections, DURATION each, default 30s), a different account's token per
#     request.
# Needs wrk (Debian package `wrk`). The database is dropped at the end.
set -euo pipefail

backend=${1:-sqlite}
statuses=${2:-1000000}
accounts=${3:-1000}
duration=${4:-30s}
root=$(cd "$(dirname "$0")/.." && pwd)
pg=${STARLING_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -p starling-server --manifest-path "$root/Cargo.toml" >&2
bin=$root/target/release/starling

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=
dbname=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [ -n "$dbname" ] && psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

dburl=""
if [ "$backend" = postgres ]; then
  dbname=starling_bench_$$
  psql "$pg/postgres" -qc "CREATE DATABASE $dbname" >/dev/null
  dburl="url = \"$pg/$dbname\""
fi
cat > "$work/config.toml" <<TOML
[instance]
domain = "127.0.0.1:$port"
[server]
listen = "127.0.0.1:$port"
[database]
$dburl
[storage]
data_dir = "data"
[limits]
api_requests_per_5min = 0
[log]
level = "warn"
TOML

echo "== seeding $accounts accounts, $statuses statuses ($backend)"
/usr/bin/time -f "seeded in %e s, max RSS %M KiB" \
  "$bin" --config "$work/config.toml" seed --accounts "$accounts" --statuses "$statuses" \
  --tokens "$work/tokens.txt" --token-count 100

serve() {
  "$bin" --config "$work/config.toml" serve >"$work/serve.log" 2>&1 &
  pid=$!
  local start
  start=$(date +%s.%N)
  until curl -sf "http://127.0.0.1:$port/api/v1/instance" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; exit 1; }
    sleep 0.01
  done
  echo "start-up to serving: $(python3 -c "print(round(($(date +%s.%N) - $start) * 1000))") ms"
}

# First start applies nothing new (seed migrated); measure a start on the existing database.
serve
sleep 3
echo "idle RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
export TOKENS=$work/tokens.txt
echo "== GET /api/v1/timelines/home"
wrk -t2 -c32 -d"$duration" --latency -s "$root/bench/home.lua" "http://127.0.0.1:$port"
echo "== POST /api/v1/statuses"
wrk -t2 -c32 -d"$duration" --latency -s "$root/bench/post.lua" "http://127.0.0.1:$port"
echo "RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"

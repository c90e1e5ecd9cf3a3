#!/usr/bin/env bash
# Fan-out benchmark of docs/performance.md ("Federation"):
#   bench/federation/fanout.sh [HOSTS] [POSTS] [DELIVERY_CONCURRENCY]
# (defaults 1000 1 64). One local account with one follower on each of HOSTS remote
# hosts: a sink process (bench/federation/tool, `fedbench sink`) listening on HOSTS
# loopback ports from $SINK_BASE_PORT (default 21000) — Starling's delivery unit is
# host[:port], so each port is a host. The followers are written straight into the
# SQLite database; the release binary serves with allow_private_addresses = true and
# the given delivery_concurrency; POSTS statuses are posted through the API at once.
# Prints: openssl's RSA-2048 signing bound, deliveries/s from the first to the last POST
# the sinks accepted, the CPU Starling used meanwhile (cores), deliveries per CPU-second
# of Starling against openssl's sign/s per core, signatures verified at the sink (1 in
# 50, against the account's public key), and the peak RSS (VmHWM) of the starling process.
# PERF=1 also records a profile of the starling process (perf record $PERF_ARGS, default
# -F 499 -g) during the fan-out and prints its top symbols; PERF_OUT=FILE keeps perf.data.
# Stops by itself (sink: idle 15 s / 900 s at most).
set -euo pipefail
hosts=${1:-1000}
posts=${2:-1}
concurrency=${3:-64}
sink_base=${SINK_BASE_PORT:-21000}
source "$(dirname "$0")/common.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3" >&2; exit 1; }
build

port=$(free_port)
write_config "$port" "delivery_concurrency = $concurrency"
seed_local
"$tool" followers --local-id "$local_id" --base-port "$sink_base" --hosts "$hosts" | db
db "SELECT public_key_pem FROM accounts WHERE id = $local_id" > "$work/local.pem"
expect=$((hosts * posts))
echo "== fan-out: $posts post(s) to followers on $hosts hosts = $expect deliveries," \
  "delivery_concurrency = $concurrency, $(nproc) cores"
bound=$(openssl_bound)
echo "$bound"

"$tool" sink --base-port "$sink_base" --ports "$hosts" --expect "$expect" \
  --public-key "$work/local.pem" --key-id "$local_uri#main-key" --verify-every 50 \
  --idle-exit 15 --max-secs 900 > "$work/sink.out" 2>&1 &
sink=$!
pids+=("$sink")
until grep -q listening "$work/sink.out"; do
  kill -0 "$sink" 2>/dev/null || { cat "$work/sink.out" >&2; exit 1; }
  sleep 0.05
done
serve "$port"
sleep 1
echo "starling RSS before posting: $(kib_of "$spid" VmRSS) KiB"
if [ -n "${PERF:-}" ]; then
  perf record ${PERF_ARGS:--F 499 -g} -p "$spid" -o "$work/perf.data" >/dev/null 2>&1 &
  perf_pid=$!
  pids+=("$perf_pid")
  sleep 0.5
fi

cpu0=$(cpu_of "$spid")
t0=$(date +%s.%N)
token=$(head -1 "$work/token.txt")
for i in $(seq 1 "$posts"); do
  curl -sf -o /dev/null -H "Authorization: Bearer $token" \
    --data-urlencode "status=Fan-out benchmark post $i of $posts, to followers on $hosts hosts" \
    "http://127.0.0.1:$port/api/v1/statuses"
done
wait "$sink" || true
t1=$(date +%s.%N)
cpu1=$(cpu_of "$spid")
[ -n "${PERF:-}" ] && kill -INT "$perf_pid" && wait "$perf_pid" 2>/dev/null || true

grep -v '^RESULT' "$work/sink.out"
result=$(grep '^RESULT' "$work/sink.out" | cut -d' ' -f2-)
sleep 0.5
python3 - "$result" "$cpu0" "$cpu1" "$t0" "$t1" "$bound" <<'PY'
import json, re, sys
r = json.loads(sys.argv[1]); cpu = float(sys.argv[3]) - float(sys.argv[2])
wall = float(sys.argv[5]) - float(sys.argv[4])
cores = cpu / wall if wall > 0 else 0
print(f"starling CPU from the first post to the last delivery: {cpu:.2f} s in {wall:.2f} s = {cores:.2f} cores")
if cpu > 0:
    per_cpu = r["posts"] / cpu
    line = f"deliveries per CPU-second of starling: {per_cpu:.0f} ({cpu * 1000 / max(r['posts'], 1):.2f} ms of CPU per delivery)"
    m = re.search(r"([0-9.]+) sign/s", sys.argv[6])
    if m:
        line += f"; {100 * per_cpu / float(m.group(1)):.0f} % of openssl's sign/s per core (target: 50 %)"
    print(line)
PY
echo "deliveries left in the queue: $(db 'SELECT count(*) FROM deliveries')," \
  "hosts recorded: $(db 'SELECT count(*) FROM federation_hosts')," \
  "delivered (federation_hosts): $(db 'SELECT coalesce(sum(delivered_count), 0) FROM federation_hosts')"
echo "starling peak RSS (VmHWM): $(kib_of "$spid" VmHWM) KiB, RSS now $(kib_of "$spid" VmRSS) KiB"
if [ -n "${PERF:-}" ]; then
  echo "== perf: top symbols of the starling process (self time)"
  perf report -i "$work/perf.data" --no-children --sort dso,symbol --percent-limit 1 --stdio 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | head -40
  if [ -n "${PERF_OUT:-}" ]; then cp "$work/perf.data" "$PERF_OUT"; fi
fi

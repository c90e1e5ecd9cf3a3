#!/usr/bin/env bash
# Inbox benchmark of docs/performance.md ("Federation"):
#   bench/federation/inbox.sh [ACTORS] [REQUESTS] [CONNECTIONS]
# (defaults 100 20000 32). ACTORS remote actors with their own RSA-2048 keys are
# written into the database with `public_key_id` set (keys known: nothing is fetched),
# and the local account follows them all. `fedbench inbox-load` pre-signs REQUESTS
# distinct `Create(Note)` activities (draft-cavage, rsa-sha256, a fresh Date; not timed),
# then POSTs them to /inbox over CONNECTIONS keep-alive connections from one thread.
# First the generator runs alone against a trivial endpoint (`fedbench sink`, 202 to
# everything) to show what it can send; then against Starling. Prints 202s per second
# and latency, then how fast the stored activities are processed (inbox_activities rows
# with processed_at set, statuses created), from Starling's own timestamps.
# PERF=1 also records a profile of the starling process (load and drain) and prints its
# top symbols; PERF_OUT=FILE keeps perf.data. DOMAIN_BLOCKS=N writes N domain blocks
# (none covering the actors' host) before serving, for the moderation policy's cost;
# CONTENT_RULES=N adds N content-policy rules (every 20th a regex, the rest keywords;
# none matching the benchmark's posts) and the mention rule, so every post is checked.
set -euo pipefail
actors=${1:-100}
requests=${2:-20000}
connections=${3:-32}
baseline=${BASELINE_REQUESTS:-10000}
source "$(dirname "$0")/common.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3" >&2; exit 1; }
build

port=$(free_port)
actor_port=$(free_port) # nobody listens there: a fetch would fail, and show as an error
write_config "$port" ""
if [ -n "${CONTENT_RULES:-}" ]; then
  python3 - "$CONTENT_RULES" >> "$work/config.toml" <<'PY'
import sys
n = int(sys.argv[1])
print("[content_policy]")
print("max_mentions_from_new_accounts = 5")
print("rules = [")
for i in range(n):
    if i % 20 == 19:
        print(f'  {{ name = "regex {i}", regex = "(?i)\\\\bbuy{i}\\\\s+now\\\\b", action = "reject" }},')
    else:
        action = "reject" if i % 2 else "sensitive"
        print(f'  {{ name = "keyword {i}", keyword = "spamword{i} offer", action = "{action}" }},')
print("]")
PY
fi
seed_local
"$tool" actors --actors "$actors" --actor-host "127.0.0.1:$actor_port" --local-id "$local_id" \
  --out "$work/actors"
db < "$work/actors/actors.sql"
if [ -n "${DOMAIN_BLOCKS:-}" ]; then
  # Through the command line, as an admin would: Mastodon's CSV.
  python3 - "$DOMAIN_BLOCKS" > "$work/blocks.csv" <<'PY'
import sys
print("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate")
for i in range(int(sys.argv[1])):
    print(f"blocked-{i}.example,{('suspend', 'silence', 'noop')[i % 3]},{'true' if i % 2 else 'false'},false,,false")
PY
  "$bin" --config "$work/config.toml" domain import "$work/blocks.csv" | tail -1
  echo "domain blocks in force: $(db 'SELECT count(*) FROM domain_blocks')"
fi
echo "== inbox: $requests signed Create(Note) from $actors actors, $connections connections, $(nproc) cores"
openssl_bound

echo "-- the generator alone, against a trivial endpoint (fedbench sink, 1 thread)"
sink_port=$(free_port)
"$tool" sink --base-port "$sink_port" --ports 1 --expect "$baseline" --verify-every 0 \
  --idle-exit 5 --max-secs 300 > "$work/sink.out" 2>&1 &
sink=$!
pids+=("$sink")
until grep -q listening "$work/sink.out"; do sleep 0.05; done
"$tool" inbox-load --keys "$work/actors" --actor-host "127.0.0.1:$actor_port" \
  --target "127.0.0.1:$sink_port" --requests "$baseline" --concurrency "$connections" | grep -v '^RESULT'
wait "$sink" || true

echo "-- against Starling (POST /inbox)"
serve "$port"
sleep 1
# Progress every second while it runs: time, stored, processed, remote statuses.
(
  while sleep 1; do
    echo "$(date +%s.%N) $(db "SELECT count(*), count(processed_at) FROM inbox_activities" | tr '|' ' ') $(db 'SELECT count(*) FROM statuses WHERE local = 0')"
  done
) > "$work/progress.txt" 2>/dev/null &
pids+=("$!")
if [ -n "${PERF:-}" ]; then
  perf record ${PERF_ARGS:--F 499 -g} -p "$spid" -o "$work/perf.data" >/dev/null 2>&1 &
  perf_pid=$!
  pids+=("$perf_pid")
fi
"$tool" inbox-load --keys "$work/actors" --actor-host "127.0.0.1:$actor_port" \
  --target "127.0.0.1:$port" --requests "$requests" --concurrency "$connections" \
  --watch-pid "$spid" > "$work/load.out"
t1=$(date +%s.%N)
cpu1=$(cpu_of "$spid")
grep -v '^RESULT' "$work/load.out"
accepted=$(grep '^RESULT' "$work/load.out" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read().split(" ",1)[1])["accepted"])')
# Let the processor finish: until everything stored is processed, or no progress for 20 s.
last=-1; still=0
for _ in $(seq 1 600); do
  done_n=$(db "SELECT count(processed_at) FROM inbox_activities")
  [ "$done_n" -ge "$accepted" ] && break
  if [ "$done_n" = "$last" ]; then still=$((still + 1)); [ "$still" -ge 20 ] && break; else still=0; fi
  last=$done_n
  sleep 1
done
t2=$(date +%s.%N)
cpu2=$(cpu_of "$spid")
[ -n "${PERF:-}" ] && kill -INT "$perf_pid" && wait "$perf_pid" 2>/dev/null || true
python3 - "$work/data/starling.db" "$cpu1" "$cpu2" "$t1" "$t2" <<'PY'
import sqlite3, sys
from datetime import datetime
db = sqlite3.connect(sys.argv[1])
cpu1, cpu2, t1, t2 = map(float, sys.argv[2:])
def ts(s):
    # 2026-12-01T10:00:00.123456789+00:00: keep microseconds
    head, frac = s[:19], s[19:].split("+")[0]
    return datetime.fromisoformat(head).timestamp() + (float(frac) if frac else 0.0)
rows = db.execute("SELECT received_at, processed_at FROM inbox_activities").fetchall()
stored = len(rows)
received = sorted(ts(r[0]) for r in rows)
processed = sorted(ts(r[1]) for r in rows if r[1])
errors = db.execute("SELECT count(*) FROM inbox_activities WHERE error IS NOT NULL").fetchone()[0]
statuses = db.execute("SELECT count(*) FROM statuses WHERE local = 0").fetchone()[0]
feed = db.execute("SELECT count(*) FROM home_feed").fetchone()[0]
print(f"stored {stored} activities; processed {len(processed)} ({errors} with an error); "
      f"{statuses} remote statuses created, {feed} home-feed rows")
if received:
    span = received[-1] - received[0]
    print(f"stored (received_at) first to last: {span:.2f} s = {stored / span if span else 0:.0f}/s")
if processed:
    span = processed[-1] - received[0]
    during = sum(1 for p in processed if p <= received[-1])
    print(f"processed: first received to last processed {span:.2f} s = {len(processed) / span:.0f}/s; "
          f"{during} processed while the load ran ({during / (received[-1] - received[0]):.0f}/s), "
          f"backlog {len(processed) - during} when it ended, drained at "
          f"{(len(processed) - during) / max(processed[-1] - received[-1], 1e-9):.0f}/s")
print(f"starling CPU while the backlog drained: {cpu2 - cpu1:.2f} s in {t2 - t1:.1f} s "
      f"({(cpu2 - cpu1) / max(t2 - t1, 1e-9):.2f} cores)")
PY
echo "starling peak RSS (VmHWM): $(kib_of "$spid" VmHWM) KiB"
if [ -n "${PERF:-}" ]; then
  echo "== perf: top symbols of the starling process (self time), load and drain"
  perf report -i "$work/perf.data" --no-children --sort dso,symbol --percent-limit 1 --stdio 2>/dev/null \
    | grep -E '^ +[0-9.]+%' | head -40
  if [ -n "${PERF_OUT:-}" ]; then cp "$work/perf.data" "$PERF_OUT"; fi
fi

#!/usr/bin/env bash
# Signing benchmark of docs/performance.md ("Federation"):
#   bench/federation/signing.sh [ROUNDS]
# Runs `openssl speed -seconds 3 rsa2048` (the signing bound) and the criterion bench
# `cargo bench -p starling-federation --bench signatures` (aws-lc-rs: draft-cavage
# sign_request of a 2 KB POST, the inbox's checks, bare RSA-2048 sign), alternating
# ROUNDS times (default 2), so that both see the same load on a shared machine. Prints
# the load average before each, and the criterion estimates (low, mid, high).
set -euo pipefail
rounds=${1:-2}
root=$(cd "$(dirname "$0")/../.." && pwd)
command -v openssl >/dev/null || { echo "openssl is needed: apt-get install openssl" >&2; exit 1; }
cargo bench -p starling-federation --bench signatures --manifest-path "$root/Cargo.toml" --no-run >&2
for round in $(seq 1 "$rounds"); do
  echo "== round $round, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  openssl speed -seconds 3 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {
    printf "openssl speed rsa2048 (1 core): %s sign/s, %s verify/s\n", $6, $7 }'
  cargo bench -q -p starling-federation --bench signatures --manifest-path "$root/Cargo.toml" 2>/dev/null \
    | awk '/^(sign|verify)\// { name = $0 } /%/ { next }
           /time:/ { t = $0; sub(/^ +/, "", t); print name ": " t }
           /thrpt:/ { sub(/^ +/, ""); print "    " $0 }'
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Shared by bench/federation/fanout.sh and inbox.sh: builds, a fresh instance, its
# process figures. Source it; it sets $root, $bin, $tool, $work and a cleanup trap.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$root/target/release/starling
tool=$root/target/bench-federation/release/fedbench

# SKIP_BUILD=1 uses the binaries as they are (repeated runs while the tree changes).
build() {
  if [ -n "${SKIP_BUILD:-}" ] && [ -x "$bin" ] && [ -x "$tool" ]; then return; fi
  cargo build --release -p starling-server --manifest-path "$root/Cargo.toml" >&2
  CARGO_TARGET_DIR=$root/target/bench-federation \
    cargo build --release --manifest-path "$root/bench/federation/tool/Cargo.toml" >&2
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  if [ -n "${KEEP_WORK:-}" ]; then echo "work folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# write_config PORT [extra TOML for [federation]]
write_config() {
  cat > "$work/config.toml" <<TOML
[instance]
domain = "127.0.0.1:$1"
[server]
listen = "127.0.0.1:$1"
[storage]
data_dir = "data"
[limits]
api_requests_per_5min = 0
[federation]
allow_private_addresses = true
$2
[log]
level = "warn"
TOML
}

db() { sqlite3 -cmd ".timeout 5000" "$work/data/starling.db" "$@"; }

# seed_local: one local account and its bearer token ($work/token.txt); sets $local_id.
seed_local() {
  "$bin" --config "$work/config.toml" seed --accounts 1 --statuses 0 --follows 0 \
    --tokens "$work/token.txt" --token-count 1 >/dev/null 2>&1
  local_id=$(db "SELECT id FROM accounts WHERE domain IS NULL AND private_key_pem IS NOT NULL LIMIT 1")
  local_uri=$(db "SELECT uri FROM accounts WHERE id = $local_id")
}

# serve PORT: starts starling serve and waits until it answers; sets $spid.
serve() {
  "$bin" --config "$work/config.toml" serve >"$work/serve.log" 2>&1 &
  spid=$!
  pids+=("$spid")
  until curl -sf "http://127.0.0.1:$1/api/v1/instance" >/dev/null; do
    kill -0 "$spid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.05
  done
}

# cpu_of PID: user + system CPU seconds of a process so far.
cpu_of() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"; }
kib_of() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

openssl_bound() {
  # The signing bound of the issue: RSA-2048 signs per second on one core.
  openssl speed -seconds "${OPENSSL_SECONDS:-3}" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {
    printf "openssl speed rsa2048 (1 core): %s sign/s, %s verify/s\n", $6, $7 }'
}

#!/usr/bin/env bash
# Federation peer checks: real ActivityPub software talks to a fresh Starling server over
# loopback http (versions pinned in requirements-pasture.txt and requirements-bovine.txt):
#   - fediverse-pasture verify_actor  (pasture_verify_actor.py)
#   - fediverse-pasture send          (pasture_send.py)
#   - apsig, verifying Starling's outgoing signatures at a sink (apsig_outgoing.py)
#   - a bovine-herd server following and followed by a Starling user (bovine_herd_peer.py)
#
#   bash tests/peers/run.sh [STARLING_BIN]
#
# STARLING_BIN (argument or environment) defaults to target/debug/starling in the
# repository root. STARLING_TEST_DATABASE=postgres runs against a fresh PostgreSQL
# database (postgres://postgres@127.0.0.1:5432, trust auth) instead of SQLite.
# PEER_CHECKS="pasture_verify_actor apsig_outgoing" runs only some of the checks.
# KEEP_PEER_WORKDIR=1 keeps the scratch folder (server and peer logs) for a look.
# Prints "N passed, M failed" last and exits non-zero when any check failed.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../.." && pwd))"
BIN="${1:-${STARLING_BIN:-$ROOT/target/debug/starling}}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
DB_KIND="${STARLING_TEST_DATABASE:-sqlite}"
PG_URL_BASE="postgres://postgres@127.0.0.1:5432"
SCRIPT_TIMEOUT="${PEER_SCRIPT_TIMEOUT:-180}"
CHECKS="${PEER_CHECKS:-pasture_verify_actor pasture_send apsig_outgoing bovine_herd_peer}"
started=$SECONDS

log() { printf '[peers] %s\n' "$*" >&2; }

if [ ! -x "$BIN" ]; then
    log "starling binary not found or not executable: $BIN (build it with: cargo build -p starling-server)"
    echo "0 passed, 1 failed"
    exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/starling-peers.XXXXXX")"
SERVER_PID=""
PG_DB=""

cleanup() {
    local rc=$?
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_DB" ]; then
        timeout 30 dropdb -h 127.0.0.1 -p 5432 -U postgres --if-exists --force "$PG_DB" \
            >/dev/null 2>&1 || log "could not drop database $PG_DB"
    fi
    if [ "${KEEP_PEER_WORKDIR:-0}" = 1 ]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- peer installs (two venvs: bovine-herd pins an older Quart than pasture) ------------
install_venv() {
    local venv="$1" req="$2"
    if [ ! -x "$venv/bin/python" ]; then
        log "creating $venv"
        python3 -m venv "$venv"
    fi
    # Skip pip when the venv already holds exactly these pins.
    if ! cmp -s "$req" "$venv/.installed-requirements" 2>/dev/null; then
        log "installing $(basename "$req")"
        timeout 600 "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" >&2
        cp "$req" "$venv/.installed-requirements"
    fi
}
PASTURE_VENV="$HERE/.venv-pasture"
BOVINE_VENV="$HERE/.venv-bovine"
install_venv "$PASTURE_VENV" "$HERE/requirements-pasture.txt"
install_venv "$BOVINE_VENV" "$HERE/requirements-bovine.txt"

# --- a fresh server -------------------------------------------------------------------
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$WORK/data"

DB_URL_LINE=""
if [ "$DB_KIND" = postgres ]; then
    PG_DB="starling_peers_$$_$RANDOM"
    log "creating PostgreSQL database $PG_DB"
    timeout 30 createdb -h 127.0.0.1 -p 5432 -U postgres "$PG_DB"
    DB_URL_LINE="url = \"$PG_URL_BASE/$PG_DB\""
elif [ "$DB_KIND" != sqlite ]; then
    log "STARLING_TEST_DATABASE must be sqlite or postgres, not $DB_KIND"
    echo "0 passed, 1 failed"
    exit 1
fi

cat >"$WORK/config.toml" <<EOF
[instance]
domain = "127.0.0.1:$PORT"
title = "Starling peer tests"

[server]
listen = "127.0.0.1:$PORT"

[database]
$DB_URL_LINE

[storage]
data_dir = "$WORK/data"

[limits]
api_requests_per_5min = 0
registrations_per_30min = 0
sign_ins_per_5min = 0

[federation]
# The peers are on loopback, over http, with host:port domains.
allow_private_addresses = true
retry_base_ms = 200
retry_max_ms = 1000
request_timeout_secs = 5

[log]
level = "starling_federation=debug,info"
EOF

# Keep the developer's environment from overriding the test configuration.
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(STARLING_[A-Z_]*__[A-Z_]*\)=.*/\1/p')
unset STARLING_CONFIG RUST_LOG

# One account per check, so that they do not see each other's follows and posts.
echo '{}' >"$WORK/accounts.json"
for user in alice carol dave; do
    if ! timeout 60 "$BIN" --config "$WORK/config.toml" account create --username "$user" \
            --email "$user@example.com" >"$WORK/password-$user.txt" 2>>"$WORK/account-create.log"; then
        cat "$WORK/account-create.log" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
    password="$(head -n 1 "$WORK/password-$user.txt" | tr -d '[:space:]')"
    python3 - "$WORK/accounts.json" "$user" "$password" <<'EOF'
import json, sys
path, user, password = sys.argv[1:]
accounts = json.load(open(path))
accounts[user] = {"email": f"{user}@example.com", "password": password}
json.dump(accounts, open(path, "w"))
EOF
done

log "starting $BIN on $BASE ($DB_KIND)"
"$BIN" --config "$WORK/config.toml" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ready=0
for _ in $(seq 1 300); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    if curl -fsS -m 2 --noproxy '*' "$BASE/api/v1/instance" >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.2
done
if [ "$ready" != 1 ]; then
    log "server did not come up; its log:"
    tail -n 50 "$WORK/server.log" >&2 || true
    echo "0 passed, 1 failed"
    exit 1
fi

# --- the peers ------------------------------------------------------------------------
export STARLING_URL="$BASE" STARLING_DOMAIN="127.0.0.1:$PORT" PEER_WORK="$WORK"
export PEER_ACCOUNTS="$WORK/accounts.json"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 NO_COLOR=1
# Offline and loopback only. The peers' own HTTP (aiohttp) ignores proxy variables; the
# JSON-LD context loader bovine uses (requests) honours them: should anything still try
# the internet, it meets a closed port on loopback instead.
export http_proxy="http://127.0.0.1:9" https_proxy="http://127.0.0.1:9"
export HTTP_PROXY="$http_proxy" HTTPS_PROXY="$https_proxy"
unset all_proxy ALL_PROXY
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"

passed=0
failed=0
run_check() {
    local name="$1"; shift
    local out="$WORK/$name.out" rc=0
    log "---- $name"
    local t0=$SECONDS
    # In the scratch folder: bovine leaves a bovine_jsonld_cache.sqlite in its working
    # directory, pasture a data.toml.
    (cd "$WORK" && timeout --kill-after=10 "$SCRIPT_TIMEOUT" "$@") >"$out" 2>&1 || rc=$?
    cat "$out"
    local p f
    p=$(grep -c '^PASS: ' "$out" || true)
    f=$(grep -c '^FAIL: ' "$out" || true)
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        # It died (or timed out) before reporting a failure: count that as one.
        echo "FAIL: $name exited with status $rc"
        f=1
    fi
    if [ "$f" != 0 ]; then
        for peer_log in "$WORK"/*.log; do
            case "$peer_log" in */server.log|*/account-create.log) continue ;; esac
            log "$(basename "$peer_log") (last 30 lines):"
            tail -n 30 "$peer_log" >&2 || true
        done
    fi
    log "$name: $p passed, $f failed in $((SECONDS - t0))s"
    passed=$((passed + p))
    failed=$((failed + f))
}

for c in $CHECKS; do
    case "$c" in
        pasture_verify_actor|pasture_send|apsig_outgoing)
            run_check "$c" "$PASTURE_VENV/bin/python" "$HERE/$c.py" ;;
        bovine_herd_peer)
            run_check "$c" "$BOVINE_VENV/bin/python" "$HERE/$c.py" ;;
        *) echo "FAIL: unknown peer check $c"; failed=$((failed + 1)) ;;
    esac
done

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "FAIL: the server died during the run"
    failed=$((failed + 1))
fi
if [ "$failed" != 0 ]; then
    log "server log (last 60 lines):"
    tail -n 60 "$WORK/server.log" >&2 || true
fi

log "finished in $((SECONDS - started))s ($DB_KIND)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

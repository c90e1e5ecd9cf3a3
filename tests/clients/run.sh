#!/usr/bin/env bash
# Real-client checks: drives a fresh Starling server with the toot CLI, Mastodon.py,
# masto.js and the FediBlockHole admin tool (versions pinned in requirements.txt and
# package-lock.json).
#
#   bash tests/clients/run.sh [STARLING_BIN]
#
# STARLING_BIN (argument or environment) defaults to target/debug/starling in the
# repository root. STARLING_TEST_DATABASE=postgres runs against a fresh PostgreSQL
# database (postgres://postgres@127.0.0.1:5432, trust auth) instead of SQLite.
# Prints "N passed, M failed" last and exits non-zero when any check failed.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../.." && pwd))"
BIN="${1:-${STARLING_BIN:-$ROOT/target/debug/starling}}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
DB_KIND="${STARLING_TEST_DATABASE:-sqlite}"
PG_URL_BASE="postgres://postgres@127.0.0.1:5432"
SCRIPT_TIMEOUT="${CLIENT_SCRIPT_TIMEOUT:-300}"
started=$SECONDS

log() { printf '[clients] %s\n' "$*" >&2; }

if [ ! -x "$BIN" ]; then
    log "starling binary not found or not executable: $BIN (build it with: cargo build -p starling-server)"
    echo "0 passed, 1 failed"
    exit 1
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/starling-clients.XXXXXX")"
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
    if [ "${KEEP_CLIENT_WORKDIR:-0}" = 1 ]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- client tool installs -------------------------------------------------------------
VENV="$HERE/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
log "installing Python requirements"
timeout 600 "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$HERE/requirements.txt" >&2
log "npm ci"
(cd "$HERE" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >&2)

# --- a fresh server -------------------------------------------------------------------
PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$WORK/data"

DB_URL_LINE=""
if [ "$DB_KIND" = postgres ]; then
    PG_DB="starling_clients_$$_$RANDOM"
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
title = "Starling client tests"
registrations = "open"

[server]
listen = "127.0.0.1:$PORT"

[database]
$DB_URL_LINE

[storage]
data_dir = "$WORK/data"

[limits]
# On, so clients see (and parse) X-RateLimit-* headers, but high enough for this run.
api_requests_per_5min = 5000
registrations_per_30min = 100
sign_ins_per_5min = 100
EOF

# Keep the developer's environment from overriding the test configuration.
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(STARLING_[A-Z_]*__[A-Z_]*\)=.*/\1/p')
unset STARLING_CONFIG

USERNAME="alice"
EMAIL="alice@example.com"
log "creating account $USERNAME"
if ! timeout 60 "$BIN" --config "$WORK/config.toml" account create --username "$USERNAME" \
        --email "$EMAIL" >"$WORK/password.txt" 2>"$WORK/account-create.log"; then
    cat "$WORK/account-create.log" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
PASSWORD="$(tr -d '[:space:]' <"$WORK/password.txt")"
if [ -z "$PASSWORD" ]; then
    log "account create printed no password"
    cat "$WORK/account-create.log" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# A second account for following and looking up.
OTHER_USERNAME="carol"
if ! timeout 60 "$BIN" --config "$WORK/config.toml" account create --username "$OTHER_USERNAME" \
        --email "carol@example.com" >/dev/null 2>>"$WORK/account-create.log"; then
    cat "$WORK/account-create.log" >&2
    echo "0 passed, 1 failed"
    exit 1
fi

# An admin, for the admin-API tools (FediBlockHole).
if ! timeout 60 "$BIN" --config "$WORK/config.toml" account create --username root \
        --email "root@example.com" --admin >"$WORK/admin-password.txt" 2>>"$WORK/account-create.log"; then
    cat "$WORK/account-create.log" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
ADMIN_PASSWORD="$(tr -d '[:space:]' <"$WORK/admin-password.txt")"

log "starting $BIN on $BASE ($DB_KIND)"
"$BIN" --config "$WORK/config.toml" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ready=0
for _ in $(seq 1 300); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    if curl -fsS -m 2 "$BASE/api/v1/instance" >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.2
done
if [ "$ready" != 1 ]; then
    log "server did not come up; its log:"
    tail -n 50 "$WORK/server.log" >&2 || true
    echo "0 passed, 1 failed"
    exit 1
fi

# --- the clients ----------------------------------------------------------------------
export STARLING_URL="$BASE" STARLING_EMAIL="$EMAIL" STARLING_PASSWORD="$PASSWORD"
export STARLING_USERNAME="$USERNAME" STARLING_OTHER_USERNAME="$OTHER_USERNAME" CLIENT_WORK="$WORK"
export STARLING_ADMIN_EMAIL="root@example.com" STARLING_ADMIN_PASSWORD="$ADMIN_PASSWORD"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 NO_COLOR=1
export TOOT_BIN="$VENV/bin/toot"
# Neither toot nor Mastodon.py should go through a proxy to reach the loopback server.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"

passed=0
failed=0
run_client() {
    local name="$1"; shift
    local out="$WORK/$name.out" rc=0
    log "---- $name"
    timeout --kill-after=10 "$SCRIPT_TIMEOUT" "$@" >"$out" 2>&1 || rc=$?
    cat "$out"
    local p f
    p=$(grep -c '^PASS: ' "$out" || true)
    f=$(grep -c '^FAIL: ' "$out" || true)
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        # It died (or timed out) before reporting a failure: count that as one.
        echo "FAIL: $name exited with status $rc"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

run_client toot "$VENV/bin/python" "$HERE/toot_cli.py"
run_client mastodon_py "$VENV/bin/python" "$HERE/mastodon_py.py"
run_client masto_js node "$HERE/masto_js.mjs"
run_client register "$VENV/bin/python" "$HERE/register.py"
run_client fediblockhole "$VENV/bin/python" "$HERE/fediblockhole_sync.py"

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "FAIL: the server died during the run"
    failed=$((failed + 1))
fi
if [ "$failed" != 0 ]; then
    log "server log (last 40 lines):"
    tail -n 40 "$WORK/server.log" >&2 || true
fi

log "finished in $((SECONDS - started))s ($DB_KIND)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

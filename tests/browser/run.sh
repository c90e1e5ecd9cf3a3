#!/usr/bin/env bash
# Browser checks of the moderation page: drives a fresh Starling server with headless
# Chromium (Debian's package, installed here when missing) through playwright-core
# (pinned in package-lock.json), JavaScript turned off.
#
#   bash tests/browser/run.sh [STARLING_BIN]
#
# STARLING_BIN (argument or environment) defaults to target/debug/starling in the
# repository root; CHROMIUM_BIN defaults to /usr/bin/chromium. SQLite only.
# Prints "N passed, M failed" last and exits non-zero when any check failed.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../.." && pwd))"
BIN="${1:-${STARLING_BIN:-$ROOT/target/debug/starling}}"
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
SCRIPT_TIMEOUT="${BROWSER_SCRIPT_TIMEOUT:-300}"
started=$SECONDS

log() { printf '[browser] %s\n' "$*" >&2; }
fail() {
    log "$*"
    echo "0 passed, 1 failed"
    exit 1
}

[ -x "$BIN" ] || fail "starling binary not found or not executable: $BIN (build it with: cargo build -p starling-server)"

# --- Chromium and playwright-core -----------------------------------------------------
if [ ! -x "$CHROMIUM_BIN" ]; then
    log "$CHROMIUM_BIN is missing: installing Debian's chromium"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || fail "not root and no sudo: install Debian's chromium package by hand"
        SUDO="sudo -n"
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! { timeout 600 $SUDO apt-get update -q >&2 &&
        timeout 900 $SUDO apt-get install -y -q --no-install-recommends chromium >&2; }; then
        fail "could not install chromium with apt-get"
    fi
    [ -x "$CHROMIUM_BIN" ] || fail "chromium installed, but $CHROMIUM_BIN is still missing"
fi
log "npm ci"
(cd "$HERE" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >&2) || fail "npm ci failed"

# --- a fresh server -------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/starling-browser.XXXXXX")"
SERVER_PID=""

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
    if [ "${KEEP_BROWSER_WORKDIR:-0}" = 1 ]; then
        log "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$WORK/data"

cat >"$WORK/config.toml" <<EOF
[instance]
domain = "127.0.0.1:$PORT"
title = "Starling browser tests"
registrations = "open"

[server]
listen = "127.0.0.1:$PORT"

[storage]
data_dir = "$WORK/data"

[limits]
api_requests_per_5min = 5000
registrations_per_30min = 100
sign_ins_per_5min = 100
EOF

# Keep the developer's environment from overriding the test configuration.
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(STARLING_[A-Z_]*__[A-Z_]*\)=.*/\1/p')
unset STARLING_CONFIG

create_account() {
    # create_account USERNAME EMAIL [--admin] -> prints the generated password
    local out
    if ! out="$(timeout 60 "$BIN" --config "$WORK/config.toml" account create --username "$1" \
            --email "$2" "${@:3}" 2>>"$WORK/account-create.log")"; then
        cat "$WORK/account-create.log" >&2
        return 1
    fi
    printf '%s' "$out" | tr -d '[:space:]'
}

log "creating accounts"
ADMIN_PASSWORD="$(create_account root root@example.com --admin)" || fail "account create --admin failed"
USER_PASSWORD="$(create_account alice alice@example.com)" || fail "account create failed"
[ -n "$ADMIN_PASSWORD" ] && [ -n "$USER_PASSWORD" ] || fail "account create printed no password"

log "starting $BIN on $BASE"
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
    fail "no server"
fi

# --- the browser ----------------------------------------------------------------------
export STARLING_URL="$BASE" CHROMIUM_BIN
export STARLING_ADMIN_EMAIL="root@example.com" STARLING_ADMIN_PASSWORD="$ADMIN_PASSWORD"
export STARLING_EMAIL="alice@example.com" STARLING_PASSWORD="$USER_PASSWORD" STARLING_USERNAME="alice"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY="127.0.0.1,localhost" no_proxy="127.0.0.1,localhost"

out="$WORK/moderation.out"
rc=0
log "---- moderation.mjs"
(cd "$HERE" && timeout --kill-after=10 "$SCRIPT_TIMEOUT" node moderation.mjs) >"$out" 2>&1 || rc=$?
cat "$out"
passed=$(grep -c '^PASS: ' "$out" || true)
failed=$(grep -c '^FAIL: ' "$out" || true)
if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
    echo "FAIL: moderation.mjs exited with status $rc"
    failed=1
fi
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "FAIL: the server died during the run"
    failed=$((failed + 1))
fi
if [ "$failed" != 0 ]; then
    log "server log (last 40 lines):"
    tail -n 40 "$WORK/server.log" >&2 || true
fi

log "finished in $((SECONDS - started))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

"""Shared helpers for the federation peer checks (stdlib only, so every venv can use it).

Each check prints `PASS: name` or `FAIL: name: reason`; run.sh counts those lines.
A script exits non-zero when any of its checks failed.

Environment (set by run.sh):
  STARLING_URL        http://127.0.0.1:PORT of the served instance
  STARLING_DOMAIN     127.0.0.1:PORT (the instance's domain)
  PEER_ACCOUNTS       JSON file {"username": {"email": ..., "password": ...}}
  PEER_WORK           a scratch folder for this run
"""

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ["STARLING_URL"].rstrip("/")
DOMAIN = os.environ["STARLING_DOMAIN"]
WORK = os.environ["PEER_WORK"]

_failures = 0
_children = []


class CheckFailed(Exception):
    pass


def expect(cond, message):
    if not cond:
        raise CheckFailed(message)


def expect_eq(actual, expected, what):
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


def check(name, required=False):
    """Decorator: runs the function at once as a named check.

    When a `required` check fails the script stops there (later checks need it)."""

    def run(fn):
        global _failures
        try:
            fn()
        except CheckFailed as e:
            _failures += 1
            print(f"FAIL: {name}: {e}", flush=True)
        except Exception as e:
            _failures += 1
            print(f"FAIL: {name}: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(file=sys.stdout)
        else:
            print(f"PASS: {name}", flush=True)
            return fn
        if required:
            print(f"(stopping: later checks need {name!r})", flush=True)
            finish()
        return fn

    return run


def finish():
    stop_children()
    sys.exit(1 if _failures else 0)


def info(msg):
    print(f"  {msg}", flush=True)


# --- processes ---------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # PR_SET_PDEATHSIG: the child gets SIGTERM when this driver dies, however it dies.
    _libc.prctl(1, signal.SIGTERM)
    os.setpgid(0, 0)


def spawn(name, argv, cwd=None, env=None):
    """Starts a peer process (its output goes to WORK/<name>.log); it is stopped by
    stop_children(), at the latest when this driver exits."""
    log = open(os.path.join(WORK, f"{name}.log"), "ab")
    p = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )
    p.log_path = log.name
    _children.append(p)
    return p


def stop_children():
    while _children:
        p = _children.pop()
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=5)


def _on_term(signum, frame):
    stop_children()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_term)


def tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-lines:]).decode("utf-8", "replace")
    except OSError:
        return ""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, fn, timeout=20.0, interval=0.2):
    """Polls fn() until it returns something truthy; raises CheckFailed after timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = fn()
            if value:
                return value
        except Exception as e:  # keep polling; report the last error
            last_error = e
        time.sleep(interval)
    extra = f" (last error: {type(last_error).__name__}: {last_error})" if last_error else ""
    raise CheckFailed(f"timed out after {timeout:.0f}s waiting for {what}{extra}")


def wait_http(url, proc=None, timeout=30.0):
    """Waits until url answers at all (any status)."""

    def up():
        if proc is not None and proc.poll() is not None:
            raise CheckFailed(f"process exited with {proc.returncode}: {tail(proc.log_path)}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
        except urllib.error.HTTPError:
            pass
        return True

    return wait_for(f"{url} to answer", up, timeout=timeout)


# --- HTTP --------------------------------------------------------------------------------

# Nothing here may go through a proxy: everything is on loopback.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(method, url, body=None, headers=None, timeout=15):
    """Returns (status, headers, body bytes); never raises for an HTTP status."""
    data = body
    if isinstance(body, (dict, list)):
        data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _opener.open(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def get_json(url, headers=None):
    status, _, body = http("GET", url, headers={"Accept": "application/json", **(headers or {})})
    if status != 200:
        raise CheckFailed(f"GET {url}: {status} {body[:300]!r}")
    return json.loads(body)


class Starling:
    """A logged-in Mastodon API client for one local account."""

    def __init__(self, username):
        with open(os.environ["PEER_ACCOUNTS"]) as f:
            acct = json.load(f)[username]
        self.username = username
        self.uri = f"{URL}/users/{username}"
        status, _, body = http(
            "POST",
            f"{URL}/api/v1/apps",
            urllib.parse.urlencode(
                {"client_name": "peer-tests", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                 "scopes": "read write follow"}
            ).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 200:
            raise CheckFailed(f"POST /api/v1/apps: {status} {body[:300]!r}")
        app = json.loads(body)
        status, _, body = http(
            "POST",
            f"{URL}/oauth/token",
            urllib.parse.urlencode(
                {"grant_type": "password", "client_id": app["client_id"],
                 "client_secret": app["client_secret"], "username": acct["email"],
                 "password": acct["password"], "scope": "read write follow"}
            ).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 200:
            raise CheckFailed(f"password grant for {username}: {status} {body[:300]!r}")
        self.token = json.loads(body)["access_token"]

    def call(self, method, path, form=None):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, _, raw = http(method, f"{URL}{path}", body, headers)
        if status >= 300:
            raise CheckFailed(f"{method} {path}: {status} {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, form=None):
        return self.call("POST", path, form or {})

    def resolve(self, handle):
        """An account by address, through `GET /api/v2/search?resolve=true` (WebFinger)."""
        q = urllib.parse.urlencode({"q": handle, "resolve": "true", "type": "accounts"})
        found = self.get(f"/api/v2/search?{q}")["accounts"]
        expect(len(found) == 1, f"search {handle!r} found {len(found)} accounts: {found!r}")
        return found[0]

    def relationship(self, account_id):
        rel = self.get(f"/api/v1/accounts/relationships?id[]={account_id}")
        return rel[0]

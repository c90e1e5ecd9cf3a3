"""Tiny check harness shared by the Python client scripts.

Each check prints `PASS: name` or `FAIL: name: reason`; run.sh counts those lines.
A script exits non-zero when any of its checks failed.
"""

import json
import os
import sys
import traceback

URL = os.environ["STARLING_URL"]
EMAIL = os.environ["STARLING_EMAIL"]
PASSWORD = os.environ["STARLING_PASSWORD"]
USERNAME = os.environ["STARLING_USERNAME"]
WORK = os.environ["CLIENT_WORK"]

_failures = 0


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

    When a `required` check fails the script stops there (later checks need it).
    """

    def run(fn):
        global _failures
        try:
            fn()
        except CheckFailed as e:
            _failures += 1
            print(f"FAIL: {name}: {e}", flush=True)
        except Exception as e:  # a client error is a failed check, with its trace
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


def png(width, height, rgb=(200, 30, 30)):
    """A small valid PNG, for upload checks."""
    import struct
    import zlib

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def save_state(key, value):
    """Shares values (status ids, tokens) with the scripts that run later."""
    path = os.path.join(WORK, "state.json")
    state = {}
    if os.path.exists(path):
        with open(path) as f:
            state = json.load(f)
    state[key] = value
    with open(path, "w") as f:
        json.dump(state, f)


def finish():
    sys.exit(1 if _failures else 0)

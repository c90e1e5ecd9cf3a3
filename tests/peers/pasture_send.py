"""fediverse-pasture `send`: a Create(Note) mentioning a Starling user, from an actor
nobody here follows.

Pasture's `one_actor` app serves the sending actor (http://127.0.0.1:Q/actor, with
WebFinger and its key); `python -m fediverse_pasture.send --mention` resolves our user
through WebFinger, fetches our actor with a signed GET and POSTs a signed Create to its
inbox. The Note must show up in the public timeline with `uri` equal to its ActivityPub
id, and in the user's notifications as a mention.
"""

import json
import os
import secrets
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peerlib import (  # noqa: E402
    DOMAIN, WORK, Starling, check, expect, expect_eq, finish, free_port, info, spawn,
    wait_for, wait_http,
)

HERE = os.path.dirname(os.path.abspath(__file__))
USER = "alice"

cwd = os.path.join(WORK, "pasture-send")
os.makedirs(cwd, exist_ok=True)  # one_actor and send share the actor's keys in ./data.toml
port = free_port()
base = f"http://127.0.0.1:{port}"
launch = [sys.executable, os.path.join(HERE, "launch.py")]
proc = spawn("pasture-one-actor", launch + ["pasture-one-actor", str(port)], cwd=cwd)
state = {}


@check("pasture one_actor starts", required=True)
def _():
    wait_http(base + "/.well-known/webfinger", proc)


@check("pasture send delivers a Create(Note) mentioning our user (our inbox answers 2xx)",
       required=True)
def _():
    text = f"Hello from pasture {secrets.token_hex(4)}"
    state["text"] = text
    argv = launch + ["pasture-send", "--domain", base, "--mention", "--text", text,
                     "--verbose", f"acct:{USER}@{DOMAIN}"]
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=90)
    out = r.stdout
    with open(os.path.join(WORK, "pasture-send.out"), "w") as f:
        f.write(out + "\n--- stderr ---\n" + r.stderr)
    expect(r.returncode == 0,
           f"send exited with {r.returncode}: {out[-800:]} {r.stderr[-1500:]}")
    lines = out.splitlines()
    start = lines.index("{")
    end = len(lines) - 1 - lines[::-1].index("}")
    activity = json.loads("\n".join(lines[start:end + 1]))
    state["activity"] = activity
    note = activity["object"]
    info(f"sent {activity['type']} {activity['id']} of {note['type']} {note['id']}")
    info(f"tags: {json.dumps(note.get('tag'))}")
    expect(any(t.get("type") == "Mention" and t.get("href", "").endswith(f"/users/{USER}")
               for t in note.get("tag", [])), "pasture did not put a Mention tag in")


alice = Starling(USER)


@check("the Note is in /api/v1/timelines/public with uri = its ActivityPub id")
def _():
    note = state["activity"]["object"]

    def find():
        for s in alice.get("/api/v1/timelines/public?limit=40"):
            if s["uri"] == note["id"]:
                return s
        return None

    s = wait_for("the Note in the public timeline", find, timeout=20)
    state["status"] = s
    info(f"status {s['id']}: uri={s['uri']} url={s['url']} acct={s['account']['acct']} "
         f"visibility={s['visibility']} content={s['content']!r}")
    expect(state["text"] in s["content"], f"content {s['content']!r}")
    expect_eq(s["account"]["uri"], note["attributedTo"], "author uri")
    expect_eq(s["account"]["acct"], f"actor@127.0.0.1:{port}", "author acct")
    expect_eq(s["visibility"], "public", "visibility")


@check("the status lists our user in `mentions`")
def _():
    s = state["status"]
    accts = [m["acct"] for m in s.get("mentions", [])]
    expect(USER in accts, f"mentions: {s.get('mentions')!r}")


@check("our user has a `mention` notification for the Note")
def _():
    note_id = state["activity"]["object"]["id"]

    def find():
        for n in alice.get("/api/v1/notifications?limit=40"):
            if n["type"] == "mention" and (n.get("status") or {}).get("uri") == note_id:
                return n
        return None

    n = wait_for("a mention notification", find, timeout=20)
    expect_eq(n["account"]["acct"], f"actor@127.0.0.1:{port}", "notification account")


finish()

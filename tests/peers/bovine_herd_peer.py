"""A real bovine-herd server on loopback, following and followed by a Starling user.

bovine-herd is a client-driven ActivityPub server: its actor acts through the outbox
(here with bovine's own `BovineClient`, authenticated with Moo-Auth-1 and the Ed25519
secret that `python -m bovine_store key --new` made), and bovine-herd signs and delivers
with the actor's RSA key. It refuses unsigned GETs of its actors, so Starling must sign
its fetches, and it answers an inbox POST 202 only when the signature verified (401
otherwise), storing the activity in the actor's inbox collection.

  1. bovine's actor follows a Starling user; Starling accepts;
  2. the Starling user posts; the Create lands in bovine's inbox (so its signature passed);
  3. the Starling user follows bovine's actor back; bovine's actor accepts (outbox);
  4. bovine's actor posts a public Note; it shows up in the Starling user's home timeline.
"""

import asyncio
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from launch import offline_jsonld  # noqa: E402
from peerlib import (  # noqa: E402
    CheckFailed, Starling, check, expect, expect_eq, finish, free_port, http, info,
    spawn, tail, wait_for, wait_http,
)

offline_jsonld()
from bovine import BovineClient  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.environ["PEER_WORK"]
USER = "dave"
cwd = os.path.join(WORK, "bovine")
os.makedirs(cwd, exist_ok=True)
port = free_port()
base = f"http://127.0.0.1:{port}"
db_url = "sqlite://bovine.sqlite3"  # relative to cwd
state = {}
loop = asyncio.new_event_loop()


def run(coro, timeout=30):
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


def bovine_store(*args):
    r = subprocess.run([sys.executable, "-m", "bovine_store", "--db_url", db_url, *args],
                       cwd=cwd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise CheckFailed(f"bovine_store {' '.join(args)}: {r.returncode} {r.stderr[-1500:]}")
    return r.stdout


@check("bovine-herd: create its database and actor with bovine_store's CLI", required=True)
def _():
    bovine_store("create")
    out = bovine_store("register", "--domain", base, "--handle", "moocow")
    state["name"] = re.search(r"bovine name (\S+)", out).group(1)
    out = bovine_store("key", "--new", state["name"])
    state["secret"] = re.search(r"Your new secret: (\S+)", out).group(1)
    info(f"registered {state['name']}")


proc = spawn("bovine-herd", [sys.executable, os.path.join(HERE, "launch.py"), "bovine-herd",
                             str(port), db_url], cwd=cwd)


@check("bovine-herd serves; WebFinger finds its actor, which refuses an unsigned GET",
       required=True)
def _():
    wait_http(f"{base}/.well-known/nodeinfo", proc)
    # bovine-herd creates its application actor (whose key signs its key fetches) on
    # first use, and two concurrent first uses race: the loser fails with
    # `KeyError: 'private_key'` (bovine_store.actor.BovineApplicationActor) and bovine
    # answers 401 to a correctly signed request. Create it now, as any earlier visitor
    # of a long-running bovine-herd would have.
    status, _, body = http("GET", f"{base}/activitypub/bovine",
                           headers={"Accept": "application/activity+json"})
    expect_eq(status, 200, f"bovine's application actor ({body[:200]!r})")
    client = BovineClient(domain=base, secret=state["secret"])
    run(client.init())
    state["client"] = client
    state["actor"] = client.actor_id
    info(f"bovine actor {client.actor_id}")
    status, _, _ = http("GET", client.actor_id, headers={"Accept": "application/activity+json"})
    expect_eq(status, 401, "unsigned GET of bovine's actor")


dave = Starling(USER)


async def collection_ids(url):
    client = state["client"]
    ids = []
    async for item in client.collection_helper(url):
        ids.append(item if isinstance(item, str) else item.get("id"))
    return ids


async def inbox_items():
    """The bovine actor's inbox, items resolved (bovine stores only what it accepted)."""
    client = state["client"]
    out = []
    async for item in client.inbox(resolve=False):
        out.append(item)
    return out


async def fetch(obj_id):
    return await state["client"].proxy(obj_id)


@check("bovine's actor follows the Starling user (through its outbox)", required=True)
def _():
    client = state["client"]
    follow = client.activity_factory.follow(dave.uri).build()
    resp = run(client.send_to_outbox(follow))
    expect_eq(resp.status, 201, "outbox POST status")
    state["follow_id"] = resp.headers.get("location")
    info(f"Follow {state['follow_id']}")


@check("Starling accepts: the bovine actor is the user's follower")
def _():
    account = dave.resolve(f"moocow@127.0.0.1:{port}")
    expect_eq(account["uri"], state["actor"], "resolved uri")
    state["account_id"] = account["id"]
    wait_for("followed_by", lambda: dave.relationship(account["id"])["followed_by"], timeout=20)


@check("bovine got Starling's Accept (signature passed): the user is in its following")
def _():
    following = state["client"].information["following"]

    def accepted():
        return dave.uri in run(collection_ids(following))

    wait_for("the user in bovine's following collection", accepted, timeout=20)


@check("the user's next post reaches bovine's inbox (bovine verified the signature)")
def _():
    status = dave.post("/api/v1/statuses", {"status": f"Moo {time.time_ns()}",
                                            "visibility": "public"})
    state["status"] = status

    def arrived():
        for item in run(inbox_items()):
            item_id = item if isinstance(item, str) else item.get("id")
            if isinstance(item_id, str) and item_id.startswith(status["uri"]):
                return item_id
        return None

    create_id = wait_for("the Create in bovine's inbox", arrived, timeout=25)
    stored = run(fetch(create_id))
    info(f"bovine stored {stored.get('type')} {create_id}")
    obj = stored.get("object")
    obj_id = obj.get("id") if isinstance(obj, dict) else obj
    expect_eq(stored.get("type"), "Create", "stored activity type")
    expect_eq(obj_id, status["uri"], "stored Create's object")


@check("the user follows bovine's actor back; bovine's actor accepts through its outbox")
def _():
    account_id = state["account_id"]
    dave.post(f"/api/v1/accounts/{account_id}/follow")

    def follow_in_inbox():
        for item in run(inbox_items()):
            item_id = item if isinstance(item, str) else item.get("id")
            if not isinstance(item_id, str) or not item_id.startswith(dave.uri):
                continue
            doc = run(fetch(item_id))
            if doc.get("type") == "Follow":
                return doc
        return None

    follow = wait_for("Starling's Follow in bovine's inbox", follow_in_inbox, timeout=25)
    info(f"bovine received Follow {follow.get('id')}")
    client = state["client"]
    accept = client.activity_factory.accept(follow).build()
    resp = run(client.send_to_outbox(accept))
    expect_eq(resp.status, 201, "outbox POST status of the Accept")
    wait_for("relationship following=true",
             lambda: dave.relationship(account_id)["following"], timeout=20)


@check("a post by bovine's actor appears in the user's home timeline (uri = its id)")
def _():
    client = state["client"]
    text = f"Hello from bovine {time.time_ns()}"
    note = client.object_factory.note(content=text).as_public().build()
    create = client.activity_factory.create(note).build()
    resp = run(client.send_to_outbox(create))
    expect_eq(resp.status, 201, "outbox POST status of the Create")
    stored = run(client.get(resp.headers["location"]))
    obj = stored.get("object")
    note_id = obj.get("id") if isinstance(obj, dict) else obj
    info(f"bovine Create {resp.headers['location']} of Note {note_id}")

    def in_home():
        for s in dave.get("/api/v1/timelines/home?limit=40"):
            if s["uri"] == note_id:
                return s
        return None

    s = wait_for("the Note in the home timeline", in_home, timeout=25)
    expect(text in s["content"], f"content {s['content']!r}")
    expect_eq(s["account"]["uri"], state["actor"], "author")


@check("bovine-herd is still running")
def _():
    expect(proc.poll() is None, f"exited with {proc.returncode}: {tail(proc.log_path)}")


if state.get("client"):
    run(state["client"].session.close())
finish()

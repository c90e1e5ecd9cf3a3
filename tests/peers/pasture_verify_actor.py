"""fediverse-pasture verify_actor against a Starling account.

Pasture's six test actors each fetch our actor and POST to its inbox:

  actor   signs its POST   its own document needs a signed GET   has WebFinger
  alice   no               no                                    yes
  bob     yes              no                                    yes
  claire  yes              yes                                   yes
  dean    no               no                                    no
  emily   yes              no                                    no
  frank   yes              yes                                   no

A correct server refuses the unsigned POSTs (alice, dean) and accepts the signed Likes,
which for claire and frank needs a *signed* fetch of the signer's key. Pasture also checks
that WebFinger for acct:<preferredUsername>@<host> gives back our actor id.
"""

import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peerlib import (  # noqa: E402
    DOMAIN, URL, WORK, check, expect, expect_eq, finish, free_port, http, info, spawn,
    wait_http,
)

HERE = os.path.dirname(os.path.abspath(__file__))
USER = "alice"
ACTOR = f"{URL}/users/{USER}"
EXPECTED = {
    "alice": (True, False),
    "bob": (True, True),
    "claire": (True, True),
    "dean": (True, False),
    "emily": (True, True),
    "frank": (True, True),
}
WHY = {
    "alice": "unsigned POST must be refused",
    "bob": "signed POST must be accepted",
    "claire": "signed POST must be accepted; its key needs a signed GET",
    "dean": "unsigned POST (actor without WebFinger) must be refused",
    "emily": "signed POST by an actor without preferredUsername/WebFinger must be accepted",
    "frank": "signed POST, key behind a signed GET, no WebFinger: must be accepted",
}

cwd = os.path.join(WORK, "pasture-verify")
os.makedirs(cwd, exist_ok=True)  # pasture keeps its generated keys in ./data.toml
port = free_port()
base = f"http://127.0.0.1:{port}"
proc = spawn("pasture-verify-actor", [sys.executable, os.path.join(HERE, "launch.py"),
                                      "pasture-verify-actor", str(port)], cwd=cwd)
state = {}


@check("pasture verify_actor starts", required=True)
def _():
    wait_http(base + "/", proc)


def verify(actor_uri):
    q = urllib.parse.urlencode({"actor_uri": actor_uri})
    status, _, body = http("GET", f"{base}/?{q}", headers={"Accept": "application/json"},
                           timeout=120)
    expect(status == 200, f"pasture answered {status}: {body[:500]!r}")
    data = json.loads(body)
    messages = data.get("messages")
    if isinstance(messages, str):
        messages = json.loads(messages)
    return data["result"], messages


@check("pasture verify_actor runs against our actor", required=True)
def _():
    result, messages = verify(ACTOR)
    state["result"] = result
    info(f"pasture verdict for {ACTOR}:")
    for name, res in result.items():
        info(f"  {name}: {json.dumps(res)}")
    info("pasture log: " + json.dumps(messages.get("steps", messages) if isinstance(messages, dict) else messages))


for name, (get_ok, post_ok) in EXPECTED.items():

    @check(f"pasture {name}: fetches our actor; {WHY[name]}")
    def _(name=name, get_ok=get_ok, post_ok=post_ok):
        got = state["result"].get(name)
        expect(got is not None, f"no result for {name}")
        expect_eq(got.get("get_actor"), get_ok, f"{name} get_actor")
        expect_eq(got.get("post_inbox"), post_ok, f"{name} post_inbox")


@check("pasture webfinger: acct:<preferredUsername>@host resolves to our actor id")
def _():
    expect_eq(state["result"].get("webfinger"), True, "webfinger")


@check("pasture verify_actor with an acct: address (resolved through our WebFinger)")
def _():
    result, messages = verify(f"acct:{USER}@{DOMAIN}")
    steps = messages.get("steps", []) if isinstance(messages, dict) else messages
    expect(f"Resolved to {ACTOR}" in steps, f"pasture did not resolve the address: {steps}")
    for name, (get_ok, post_ok) in EXPECTED.items():
        got = result.get(name, {})
        expect((got.get("get_actor"), got.get("post_inbox")) == (get_ok, post_ok),
               f"{name}: {got}")
    expect_eq(result.get("webfinger"), True, "webfinger")


@check("a well-formed but unsigned Like is refused with 401 (not only a malformed one)")
def _():
    # Pasture's unsigned POST is an `EchoRequest` without id or actor, which a server may
    # refuse as malformed (400) before it looks at signatures. This one is a valid Like by
    # pasture's bob, just without a signature.
    like = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{base}/bob/unsigned-like",
        "type": "Like",
        "actor": f"{base}/bob",
        "object": ACTOR,
    }
    status, _, body = http("POST", f"{ACTOR}/inbox", like,
                           {"Content-Type": "application/activity+json"})
    expect_eq(status, 401, f"status for an unsigned Like ({body[:200]!r})")


finish()

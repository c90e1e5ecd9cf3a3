"""Registers new accounts through POST /api/v1/accounts (open registrations) and uses
the returned tokens: Mastodon.py's create_account (form-encoded), then plain requests
with a JSON body."""

import json
import os
import uuid

import requests
from mastodon import Mastodon

from harness import URL, USERNAME, WORK, check, expect, expect_eq, finish

RUN = uuid.uuid4().hex[:6]
CLIENT_FILE = os.path.join(WORK, "register_client.secret")
NEW_USER = f"bob{RUN}"
NEW_EMAIL = f"bob{RUN}@example.com"
NEW_PASSWORD = f"correct horse {RUN} battery"
with open(os.path.join(WORK, "state.json")) as f:
    shared = json.load(f)
state = {}


def client(**kw):
    return Mastodon(api_base_url=URL, request_timeout=30, **kw)


@check("register: create_app", required=True)
def _():
    Mastodon.create_app(
        "starling-register-test",
        scopes=["read", "write", "follow"],
        api_base_url=URL,
        to_file=CLIENT_FILE,
        request_timeout=30,
    )


@check("register: Mastodon.py create_account returns a usable token", required=True)
def _():
    m = client(client_id=CLIENT_FILE)
    token = m.create_account(
        NEW_USER, NEW_PASSWORD, NEW_EMAIL, agreement=True, locale="en", scopes=["read", "write", "follow"]
    )
    expect(isinstance(token, str) and token, f"no token: {token!r}")
    me = m.account_verify_credentials()
    expect_eq(me["username"], NEW_USER, "username of the new account")
    expect_eq(me["statuses_count"], 0, "statuses_count of a new account")
    state["m"] = m
    state["me"] = me


@check("register: the new account posts a status")
def _():
    m = state["m"]
    st = m.status_post(f"hello from {NEW_USER}", spoiler_text="first post")
    expect_eq(st["account"]["username"], NEW_USER, "author")
    expect_eq(st["spoiler_text"], "first post", "spoiler_text")
    pub = client().timeline_public(limit=10)
    expect(st["id"] in [s["id"] for s in pub], "new account's status missing from the public timeline")
    expect_eq(m.account_verify_credentials()["statuses_count"], 1, "statuses_count after posting")
    state["first"] = st


@check("register: duplicate username and missing agreement are refused with details")
def _():
    m = client(client_id=CLIENT_FILE)
    token, err = m.create_account(
        NEW_USER, NEW_PASSWORD, f"other{RUN}@example.com", agreement=True, return_detailed_error=True,
        scopes=["read", "write", "follow"],
    )
    expect(token is None, "a duplicate username registered")
    expect("username" in err["details"], f"no username detail: {err}")
    expect_eq(err["details"]["username"][0]["error"], "ERR_TAKEN", "duplicate username error code")
    token, err = m.create_account(
        f"carl{RUN}", NEW_PASSWORD, f"carl{RUN}@example.com", agreement=False, return_detailed_error=True,
        scopes=["read", "write", "follow"],
    )
    expect(token is None, "registered without accepting the agreement")
    expect_eq(err["details"]["agreement"][0]["error"], "ERR_ACCEPTED", "agreement error code")


@check("register: the new account signs in with email and password")
def _():
    m = client(client_id=CLIENT_FILE)
    token = m.log_in(NEW_EMAIL, NEW_PASSWORD, scopes=["read", "write"], allow_http=True)
    expect(token and token != state["m"].access_token, "no fresh token")
    expect_eq(m.me()["username"], NEW_USER, "signed-in user")


@check("register: reply to another account, follow, home timeline")
def _():
    m = state["m"]
    alice = m.account_lookup(USERNAME)
    parent = shared.get("toot_cw_id")
    expect(parent, "toot_cli.py left no status id")
    reply = m.status_post(f"@{USERNAME} {NEW_USER} replies", in_reply_to_id=parent)
    expect_eq(reply["in_reply_to_account_id"], alice["id"], "in_reply_to_account_id")
    expect_eq([x["acct"] for x in reply["mentions"]], [USERNAME], "mentions of the reply")
    expect(alice["url"] in reply["content"], f"no link to the mentioned profile: {reply['content']!r}")
    # Mastodon's exclude_replies drops replies to other accounts.
    norep = [s["id"] for s in m.account_statuses(state["me"]["id"], exclude_replies=True)]
    expect(reply["id"] not in norep, "exclude_replies kept a reply to someone else")
    expect(state["first"]["id"] in norep, "exclude_replies dropped a plain status")
    rel = m.account_follow(alice["id"])
    expect_eq(rel["following"], True, "following after account_follow")
    home = [s["id"] for s in m.timeline_home(limit=40)]
    expect(parent in home, "followed account's status missing from home")
    expect(reply["id"] in home, "own reply missing from home")


@check("register: plain JSON POST /api/v1/accounts with an app token")
def _():
    with open(CLIENT_FILE) as f:
        cid, secret = f.read().split("\n")[:2]
    r = requests.post(
        f"{URL}/oauth/token",
        data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret, "scope": "read write"},
        timeout=30,
    )
    expect_eq(r.status_code, 200, f"client_credentials token ({r.text})")
    app_token = r.json()["access_token"]
    user = f"dana{RUN}"
    r = requests.post(
        f"{URL}/api/v1/accounts",
        json={"username": user, "email": f"{user}@example.com", "password": NEW_PASSWORD,
              "agreement": True, "locale": "en"},
        headers={"Authorization": f"Bearer {app_token}"},
        timeout=30,
    )
    expect_eq(r.status_code, 200, f"registration status ({r.text})")
    body = r.json()
    expect_eq(body.get("token_type"), "Bearer", "token_type")
    tok = body["access_token"]
    auth = {"Authorization": f"Bearer {tok}"}
    r = requests.post(f"{URL}/api/v1/statuses", json={"status": f"{user} was here"}, headers=auth, timeout=30)
    expect_eq(r.status_code, 200, f"post with the new token ({r.text})")
    expect_eq(r.json()["account"]["username"], user, "author")
    r = requests.get(f"{URL}/api/v1/accounts/verify_credentials", headers=auth, timeout=30)
    expect_eq(r.json()["username"], user, "verify_credentials")
    state["dana"] = client(access_token=tok)
    # Without an app token the endpoint refuses.
    r = requests.post(f"{URL}/api/v1/accounts", json={"username": "x" + user}, timeout=30)
    expect(r.status_code == 401, f"anonymous registration answered {r.status_code}")


@check("register: locked account, follow request, authorize, private status")
def _():
    dana, bob = state["dana"], state["m"]
    expect_eq(dana.account_update_credentials(locked=True)["locked"], True, "locked")
    dana_id = dana.me()["id"]
    rel = bob.account_follow(dana_id)
    expect_eq((rel["following"], rel["requested"]), (False, True), "following/requested before approval")
    reqs = dana.follow_requests()
    expect_eq([a["username"] for a in reqs], [NEW_USER], "follow requests")
    rel = dana.follow_request_authorize(reqs[0]["id"])
    expect_eq(rel["followed_by"], True, "followed_by after authorize")
    rel = bob.account_relationships([dana_id])[0]
    expect_eq((rel["following"], rel["requested"]), (True, False), "following after approval")
    priv = dana.status_post("for followers only", visibility="private")
    expect(priv["id"] in [s["id"] for s in bob.timeline_home(limit=10)], "private status missing for a follower")
    expect(priv["id"] not in [s["id"] for s in client().timeline_public(limit=40)], "private status is public")
    r = requests.get(f"{URL}/api/v1/statuses/{priv['id']}", timeout=30)
    expect_eq(r.status_code, 404, "anonymous GET of a private status")


finish()

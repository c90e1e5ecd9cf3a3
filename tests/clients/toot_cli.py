"""Drives the real toot CLI (pinned in requirements.txt) against the test server.

toot keeps its config (app + token) under $XDG_CONFIG_HOME/toot, which is pointed at a
temp folder here so nothing of the developer's is read or written. What toot claims is
cross-checked through the API with the token toot stored.
"""

import json
import os
import subprocess
import tempfile
import urllib.error
import urllib.request
import uuid

from harness import EMAIL, PASSWORD, URL, USERNAME, WORK, check, expect, expect_eq, finish, png, save_state

TOOT = os.environ.get("TOOT_BIN", "toot")
CONFIG_HOME = tempfile.mkdtemp(prefix="toot-config-", dir=WORK)  # run.sh removes WORK
ENV = dict(os.environ, XDG_CONFIG_HOME=CONFIG_HOME, NO_COLOR="1", TERM="dumb", COLUMNS="200")
RUN = uuid.uuid4().hex[:8]
state = {}


def toot(*args, check_rc=True):
    p = subprocess.run(
        [TOOT, "--no-color", *args],
        env=ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if check_rc and p.returncode != 0:
        raise AssertionError(
            f"toot {' '.join(args)} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
        )
    return p


def toot_json(*args):
    out = toot(*args, "--json").stdout
    try:
        return json.loads(out)
    except json.JSONDecodeError as e:
        raise AssertionError(f"toot {' '.join(args)} --json printed no JSON ({e}): {out[:500]!r}")


def api(method, path, token=None):
    req = urllib.request.Request(URL + path, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, body.decode(errors="replace")


@check("toot login_cli with email and password", required=True)
def _():
    p = toot("login_cli", "-i", URL, "-e", EMAIL, "-p", PASSWORD)
    expect("Successfully logged in" in p.stdout, f"no success message: {p.stdout!r} {p.stderr!r}")
    with open(os.path.join(CONFIG_HOME, "toot", "config.json")) as f:
        cfg = json.load(f)
    users = cfg.get("users", {})
    expect(len(users) == 1, f"toot saved {len(users)} users: {cfg}")
    user = next(iter(users.values()))
    expect_eq(user.get("username"), USERNAME, "saved username")
    expect(user.get("access_token"), "no access token saved")
    state["token"] = user["access_token"]
    code, me = api("GET", "/api/v1/accounts/verify_credentials", state["token"])
    expect_eq(code, 200, "verify_credentials with toot's token")
    expect_eq(me["username"], USERNAME, "verify_credentials username")


@check("toot whoami")
def _():
    p = toot("whoami", "--json")
    me = json.loads(p.stdout)
    expect_eq(me["username"], USERNAME, "whoami username")
    text = toot("whoami").stdout
    expect(f"@{USERNAME}" in text, f"whoami text lacks @{USERNAME}: {text!r}")


@check("toot post with a content warning")
def _():
    text = f"toot CW body {RUN}"
    st = toot_json("post", text, "--spoiler-text", f"toot CW {RUN}")
    expect(st.get("id"), f"no id in {st}")
    expect(text in st["content"], f"content {st['content']!r}")
    expect_eq(st["spoiler_text"], f"toot CW {RUN}", "spoiler_text in the response")
    expect_eq(st["sensitive"], True, "sensitive of a status with a CW")
    state["cw"] = st["id"]
    code, again = api("GET", f"/api/v1/statuses/{st['id']}", state["token"])
    expect_eq(code, 200, "GET the posted status")
    expect_eq(again["spoiler_text"], f"toot CW {RUN}", "spoiler_text read back")


@check("toot post plain (human output)")
def _():
    p = toot("post", f"toot plain {RUN}")
    expect("Toot posted" in p.stdout, f"unexpected output {p.stdout!r}")
    # The printed URL must be the status's public URL on this server.
    url = p.stdout.strip().split()[-1]
    expect(url.startswith(URL + "/"), f"posted URL {url!r} not on {URL}")


@check("toot post --reply-to")
def _():
    st = toot_json("post", f"toot reply {RUN}", "--reply-to", state["cw"])
    expect_eq(st["in_reply_to_id"], state["cw"], "in_reply_to_id")
    state["reply"] = st["id"]
    code, ctx = api("GET", f"/api/v1/statuses/{state['cw']}/context", state["token"])
    expect_eq(code, 200, "context")
    expect([d["id"] for d in ctx["descendants"]] == [st["id"]], f"descendants {ctx['descendants']}")


@check("toot thread shows the reply")
def _():
    out = toot("thread", state["cw"]).stdout
    expect(f"toot reply {RUN}" in out, f"reply missing from thread output: {out!r}")


@check("toot timelines home --json")
def _():
    tl = toot_json("timelines", "home", "--limit", "40")
    expect(isinstance(tl, list), f"not a list: {tl!r}")
    by_id = {s["id"]: s for s in tl}
    expect(state["cw"] in by_id and state["reply"] in by_id, f"posted ids missing from {list(by_id)}")
    expect_eq(by_id[state["cw"]]["spoiler_text"], f"toot CW {RUN}", "CW in home timeline")
    expect_eq(by_id[state["reply"]]["in_reply_to_id"], state["cw"], "reply in home timeline")
    ids = [s["id"] for s in tl]
    expect(ids.index(state["reply"]) < ids.index(state["cw"]), "home timeline not newest first")


@check("toot timelines home (rendered)")
def _():
    out = toot("timelines", "home", "--no-pager", "--no-clear").stdout
    expect(f"toot reply {RUN}" in out, f"reply missing: {out[:1000]!r}")
    # toot's text rendering shows the body, not the content warning.
    expect(f"toot CW body {RUN}" in out, f"CW post missing: {out[:1000]!r}")
    expect(f"In reply to {state['cw']}" in out, f"reply marker missing: {out[:1000]!r}")


@check("toot timelines public --json (and --local)")
def _():
    for extra in ([], ["--local"]):
        tl = toot_json("timelines", "public", *extra)
        ids = [s["id"] for s in tl]
        expect(state["cw"] in ids, f"CW post missing from public {extra}: {ids}")
        expect(all(s["visibility"] == "public" for s in tl), "non-public status in public timeline")


@check("toot timelines public with paging options")
def _():
    tl = toot_json("timelines", "public", "--max-id", state["reply"], "--limit", "5")
    ids = [s["id"] for s in tl]
    expect(state["reply"] not in ids, f"max_id is exclusive, got {ids}")
    expect(state["cw"] in ids, f"older status missing below max_id: {ids}")


@check("toot post unlisted stays out of the public timeline")
def _():
    st = toot_json("post", f"toot unlisted {RUN}", "--visibility", "unlisted")
    expect_eq(st["visibility"], "unlisted", "visibility")
    ids = [s["id"] for s in toot_json("timelines", "public")]
    expect(st["id"] not in ids, "unlisted status in the public timeline")
    home = [s["id"] for s in toot_json("timelines", "home")]
    expect(st["id"] in home, "unlisted status missing from home")


@check("toot post --media with a description")
def _():
    path = os.path.join(CONFIG_HOME, "box.png")
    with open(path, "wb") as f:
        f.write(png(16, 8, (10, 120, 200)))
    st = toot_json("post", f"toot media {RUN}", "--media", path, "--description", "a blue box")
    att = st["media_attachments"]
    expect_eq(len(att), 1, "attachments")
    expect_eq(att[0]["type"], "image", "type")
    expect_eq(att[0]["description"], "a blue box", "description")
    expect_eq(att[0]["meta"]["original"]["width"], 16, "width")


@check("toot status shows one status")
def _():
    out = toot("status", state["cw"]).stdout
    expect(f"toot CW body {RUN}" in out, f"body missing from `toot status`: {out!r}")
    expect(f"ID {state['cw']}" in out, f"id missing from `toot status`: {out!r}")


@check("toot delete")
def _():
    p = toot("delete", state["reply"])
    expect("Status deleted" in p.stdout, f"unexpected output {p.stdout!r}")
    code, _body = api("GET", f"/api/v1/statuses/{state['reply']}", state["token"])
    expect_eq(code, 404, "GET a deleted status")
    ids = [s["id"] for s in toot_json("timelines", "home", "--limit", "40")]
    expect(state["reply"] not in ids, "deleted status still in home timeline")
    expect(state["cw"] in ids, "the other status vanished too")
    p = toot("delete", state["reply"], check_rc=False)
    expect(p.returncode != 0, "deleting twice succeeded")


OTHER = os.environ["STARLING_OTHER_USERNAME"]


def account_list(*args):
    """`toot following/followers NAME` prints one `* @acct …` line per account."""
    out = toot(*args).stdout
    return [line.split()[1] for line in out.splitlines() if line.startswith("* @")]


@check("toot whois and search resolve accounts (GET /api/v2/search)")
def _():
    out = toot("whois", OTHER).stdout
    expect(f"/@{OTHER}" in out, f"whois {OTHER}: {out!r}")
    out = toot("whois", f"@{USERNAME}@{URL.split('://', 1)[1]}").stdout
    expect(f"/@{USERNAME}" in out, f"whois with the full address: {out!r}")
    p = toot("whois", "nobody-here", check_rc=False)
    expect(p.returncode != 0 and "not found" in (p.stdout + p.stderr).lower(), f"unknown account: {p!r}")
    out = toot("search", OTHER).stdout
    expect(f"@{OTHER}" in out, f"search {OTHER}: {out!r}")


@check("toot follow / following / followers / unfollow")
def _():
    expect_eq(account_list("following", USERNAME), [], "following before")
    p = toot("follow", OTHER)
    expect("now following" in p.stdout.lower(), f"follow output {p.stdout!r}")
    expect_eq(account_list("following", USERNAME), [f"@{OTHER}"], "following after follow")
    expect_eq(account_list("followers", OTHER), [f"@{USERNAME}"], "followers of the followed")
    code, me = api("GET", "/api/v1/accounts/verify_credentials", state["token"])
    expect_eq(me["following_count"], 1, "following_count")
    p = toot("unfollow", OTHER)
    expect("no longer following" in p.stdout.lower(), f"unfollow output {p.stdout!r}")
    expect_eq(account_list("following", USERNAME), [], "following after unfollow")


@check("toot timelines account")
def _():
    tl = toot_json("timelines", "account", USERNAME, "--limit", "40")
    ids = [s["id"] for s in tl]
    expect(state["cw"] in ids, f"CW post missing from the account timeline: {ids}")
    expect(all(s["account"]["username"] == USERNAME for s in tl), "someone else's status")


save_state("toot_cw_id", state.get("cw"))
finish()

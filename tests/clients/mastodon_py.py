"""Drives Mastodon.py (pinned in requirements.txt) against the test server."""

import os
import time
import uuid

from mastodon import Mastodon
from mastodon.errors import MastodonAPIError, MastodonIllegalArgumentError, MastodonNotFoundError

from harness import EMAIL, PASSWORD, URL, USERNAME, WORK, check, expect, expect_eq, finish, png, save_state

RUN = uuid.uuid4().hex[:8]
CLIENT_FILE = os.path.join(WORK, "mastodonpy_client.secret")
state = {}


def client(**kw):
    return Mastodon(api_base_url=URL, request_timeout=30, **kw)


def ids(statuses):
    return [s["id"] for s in statuses]


@check("Mastodon.py create_app", required=True)
def _():
    cid, secret = Mastodon.create_app(
        "starling-client-tests",
        scopes=["read", "write", "follow"],
        api_base_url=URL,
        to_file=CLIENT_FILE,
        request_timeout=30,
    )
    expect(cid and secret, f"no client id/secret: {cid!r} {secret!r}")


@check("Mastodon.py log_in with email and password", required=True)
def _():
    m = client(client_id=CLIENT_FILE)
    # allow_http: the test server is plain HTTP on loopback.
    token = m.log_in(EMAIL, PASSWORD, scopes=["read", "write", "follow"], allow_http=True)
    expect(token, "no access token")
    state["m"] = m
    state["token"] = token


@check("Mastodon.py log_in with a wrong password is refused")
def _():
    m = client(client_id=CLIENT_FILE)
    try:
        m.log_in(EMAIL, PASSWORD + "x", scopes=["read"], allow_http=True)
    except MastodonIllegalArgumentError as e:
        # Mastodon.py wraps the server's answer; it must be the API refusing (HTTP 4xx).
        cause = e.__context__
        expect(isinstance(cause, MastodonAPIError), f"not refused by the server: {e!r}")
        expect(cause.args[1] in (400, 401), f"status {cause.args[1]} for a wrong password")
    else:
        raise AssertionError("a wrong password logged in")


@check("Mastodon.py account_verify_credentials")
def _():
    me = state["m"].account_verify_credentials()
    expect_eq(me["username"], USERNAME, "username")
    expect_eq(me["acct"], USERNAME, "acct")
    expect("source" in me and "privacy" in me["source"], f"no source in {me}")
    expect_eq(state["m"].me()["id"], me["id"], "me() id")
    state["me"] = me


@check("Mastodon.py instance info and version check")
def _():
    inst = state["m"].instance()
    expect(inst.get("version"), f"no version in {inst}")
    # Mastodon.py parses the version to decide which endpoints exist.
    expect(state["m"].verify_minimum_version("3.0.0", cached=True), f"version {inst['version']!r} < 3.0.0")


@check("Mastodon.py status_post with spoiler_text")
def _():
    m = state["m"]
    st = m.status_post(f"mpy CW body {RUN}", spoiler_text=f"mpy CW {RUN}", visibility="public")
    expect_eq(st["spoiler_text"], f"mpy CW {RUN}", "spoiler_text")
    expect(f"mpy CW body {RUN}" in st["content"], f"content {st['content']!r}")
    expect_eq(st["sensitive"], True, "sensitive")
    expect_eq(st["account"]["id"], state["me"]["id"], "author")
    expect_eq(m.status(st["id"])["spoiler_text"], f"mpy CW {RUN}", "spoiler_text read back")
    state["cw"] = st


@check("Mastodon.py reply with in_reply_to_id")
def _():
    m = state["m"]
    st = m.status_post(f"mpy reply {RUN}", in_reply_to_id=state["cw"]["id"])
    expect_eq(st["in_reply_to_id"], state["cw"]["id"], "in_reply_to_id")
    expect_eq(st["in_reply_to_account_id"], state["me"]["id"], "in_reply_to_account_id")
    ctx = m.status_context(state["cw"]["id"])
    expect_eq(ids(ctx["descendants"]), [st["id"]], "descendants of the parent")
    ctx = m.status_context(st["id"])
    expect_eq(ids(ctx["ancestors"]), [state["cw"]["id"]], "ancestors of the reply")
    expect_eq(m.status(state["cw"]["id"])["replies_count"], 1, "replies_count")
    # status_reply fills in the reply and keeps the CW.
    st2 = m.status_reply(state["cw"], f"mpy status_reply {RUN}")
    expect_eq(st2["in_reply_to_id"], state["cw"]["id"], "status_reply in_reply_to_id")
    expect_eq(st2["spoiler_text"], f"mpy CW {RUN}", "status_reply keeps the CW")
    state["reply"] = st
    state["reply2"] = st2


@check("Mastodon.py timeline_home and timeline_public")
def _():
    m = state["m"]
    want = {state["cw"]["id"], state["reply"]["id"], state["reply2"]["id"]}
    home = m.timeline_home(limit=40)
    expect(want <= set(ids(home)), f"posted ids {want} missing from home {ids(home)}")
    pub = m.timeline_public(limit=40)
    expect(want <= set(ids(pub)), f"posted ids missing from public {ids(pub)}")
    local = m.timeline_local(limit=40)
    expect(want <= set(ids(local)), f"posted ids missing from local {ids(local)}")
    expect(ids(home) == sorted(ids(home), key=int, reverse=True), "home not newest first")
    by_id = {s["id"]: s for s in home}
    expect_eq(by_id[state["cw"]["id"]]["spoiler_text"], f"mpy CW {RUN}", "CW in home")
    # Anonymous public timeline.
    anon = client().timeline_public(limit=40)
    expect(state["cw"]["id"] in ids(anon), "CW post missing from the anonymous public timeline")


@check("Mastodon.py paging: 25 statuses, limit=10, fetch_next")
def _():
    m = state["m"]
    posted = [m.status_post(f"mpy page {RUN} #{i:02d}")["id"] for i in range(25)]
    expect(len(set(posted)) == 25, "duplicate ids when posting")
    newest_first = list(reversed(posted))
    seen = []
    page = m.timeline_home(limit=10)
    first_page = page
    pages = 0
    while page and pages < 20:
        pages += 1
        expect(len(page) <= 10, f"page of {len(page)} for limit=10")
        seen.extend(ids(page))
        if all(p in seen for p in posted):
            break
        page = m.fetch_next(page)
    expect(len(seen) == len(set(seen)), f"a status was seen twice: {seen}")
    expect(seen == sorted(seen, key=int, reverse=True), "pages not in newest-first order")
    ours = [i for i in seen if i in set(posted)]
    expect_eq(ours, newest_first, "our 25 statuses, once each, newest first")
    expect(pages >= 3, f"25 statuses fit in {pages} pages of 10")
    state["posted"] = posted
    state["first_page"] = first_page


@check("Mastodon.py paging with max_id, since_id and min_id")
def _():
    m = state["m"]
    posted = state["posted"]
    below = m.timeline_home(max_id=posted[20], limit=10)
    expect_eq(ids(below)[:10], list(reversed(posted[10:20])), "max_id page")
    above = m.timeline_home(min_id=posted[4], limit=5)
    expect_eq(ids(above), list(reversed(posted[5:10])), "min_id page (just above, newest first)")
    since = m.timeline_home(since_id=posted[19], limit=40)
    expect_eq(ids(since), list(reversed(posted[20:])), "since_id page")
    # fetch_previous from the first page finds a status posted after it.
    newer = m.status_post(f"mpy newer {RUN}")
    prev = m.fetch_previous(state["first_page"])
    expect(prev is not None and newer["id"] in ids(prev), f"fetch_previous lacks the new status: {prev}")
    state["newer"] = newer


@check("Mastodon.py account_statuses")
def _():
    m = state["m"]
    st = m.account_statuses(state["me"]["id"], limit=5)
    expect_eq(ids(st)[0], state["newer"]["id"], "newest status first")
    nxt = m.fetch_next(st)
    expect(nxt and int(ids(nxt)[0]) < int(ids(st)[-1]), "account_statuses next page")
    # Mastodon's exclude_replies keeps self-replies (threads): these replies are to
    # our own status. register.py checks a reply to someone else is dropped.
    norep = ids(m.account_statuses(state["me"]["id"], exclude_replies=True, limit=40))
    expect(state["reply"]["id"] in norep, "exclude_replies dropped a self-reply")


@check("Mastodon.py media_post, status with media, only_media")
def _():
    m = state["m"]
    media = m.media_post(png(20, 10), mime_type="image/png", description="a red box", synchronous=True)
    expect_eq(media["type"], "image", "media type")
    expect_eq(media["description"], "a red box", "description")
    expect_eq((media["meta"]["original"]["width"], media["meta"]["original"]["height"]), (20, 10), "size")
    st = m.status_post(f"mpy media {RUN}", media_ids=[media["id"]], sensitive=True)
    expect_eq([a["id"] for a in st["media_attachments"]], [media["id"]], "attachments")
    expect_eq(st["sensitive"], True, "sensitive")
    r = m.session.get(st["media_attachments"][0]["url"], timeout=30)
    expect_eq((r.status_code, r.content[:8]), (200, b"\x89PNG\r\n\x1a\n"), "the original file is served")
    only = m.account_statuses(state["me"]["id"], only_media=True)
    expect_eq(ids(only)[0], st["id"], "newest only_media status")
    expect(all(s["media_attachments"] for s in only), "only_media returned a status without media")
    expect(len(only) < len(m.account_statuses(state["me"]["id"], limit=40)), "only_media filtered nothing")
    state["media_status"] = st


@check("Mastodon.py status_delete")
def _():
    m = state["m"]
    victim = m.status_post(f"mpy delete me {RUN}")
    deleted = m.status_delete(victim["id"])
    expect_eq(deleted["id"], victim["id"], "deleted status id")
    expect_eq(deleted.get("text"), f"mpy delete me {RUN}", "source text returned by delete")
    try:
        m.status(victim["id"])
    except MastodonNotFoundError:
        pass
    else:
        raise AssertionError("deleted status still readable")
    expect(victim["id"] not in ids(m.timeline_home(limit=40)), "deleted status still in home")


@check("Mastodon.py read the X-RateLimit headers")
def _():
    m = state["m"]
    m.account_verify_credentials()
    expect_eq(m.ratelimit_limit, 5000, "ratelimit_limit (run.sh sets 5000 per 5 minutes)")
    expect(0 < m.ratelimit_remaining < 5000, f"ratelimit_remaining {m.ratelimit_remaining}")
    expect(time.time() < m.ratelimit_reset <= time.time() + 301, f"ratelimit_reset {m.ratelimit_reset}")


@check("Mastodon.py hashtags: timeline_hashtag and tagged")
def _():
    m = state["m"]
    tag = f"mpy{RUN}"
    st = m.status_post(f"tagged post #{tag}")
    expect_eq([t["name"] for t in st["tags"]], [tag], "tags of the status")
    expect_eq(ids(m.timeline_hashtag(tag)), [st["id"]], "timeline_hashtag")
    expect_eq(ids(m.timeline_hashtag(tag, local=True)), [st["id"]], "timeline_hashtag local")
    expect_eq(ids(m.account_statuses(state["me"]["id"], tagged=tag)), [st["id"]], "account_statuses tagged")
    expect_eq(ids(m.timeline_hashtag(f"no{RUN}")), [], "unused hashtag")


@check("Mastodon.py token from file, app_verify_credentials, revoke_access_token")
def _():
    path = os.path.join(WORK, "mastodonpy_user.secret")
    m = client(client_id=CLIENT_FILE)
    m.log_in(EMAIL, PASSWORD, scopes=["read", "write"], allow_http=True, to_file=path)
    m2 = Mastodon(access_token=path, request_timeout=30)  # base URL read from the file
    expect_eq(m2.me()["username"], USERNAME, "user of the saved token")
    app = m2.app_verify_credentials()
    expect_eq(app["name"], "starling-client-tests", "app name")
    m2.revoke_access_token(allow_http=True)
    try:
        m2.account_verify_credentials()
    except MastodonAPIError as e:
        expect_eq(e.args[1], 401, "status with a revoked token")
    else:
        raise AssertionError("a revoked token still works")
    expect_eq(state["m"].me()["username"], USERNAME, "the other token still works")


@check("Mastodon.py search_v2 finds an account by address")
def _():
    m = state["m"]
    res = m.search_v2(f"@{USERNAME}", result_type="accounts")
    expect_eq([a["id"] for a in res["accounts"]], [state["me"]["id"]], "accounts found")
    res = m.search_v2(f"{USERNAME}@{URL.split('://', 1)[1]}")
    expect_eq([a["acct"] for a in res["accounts"]], [USERNAME], "full address")
    expect_eq(m.search_v2("nobody-by-that-name")["accounts"], [], "unknown name")


@check("Mastodon.py account_verify_credentials counts")
def _():
    me = state["m"].account_verify_credentials()
    # 3 above + 25 paging + 1 newer (+ the ones toot posted, which stay)
    expect(me["statuses_count"] >= 29, f"statuses_count {me['statuses_count']}")


save_state("mpy_token", state.get("token"))
save_state("mpy_ids", [s["id"] for s in (state.get("cw"), state.get("reply"), state.get("reply2")) if s])
save_state("mpy_run", RUN)
finish()

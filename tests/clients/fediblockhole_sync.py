"""Drives FediBlockHole (pinned in requirements.txt), a block-list sync tool for
Mastodon admins nobody here wrote, against the test server's admin API.

It pushes a block list, served by a local HTTP server in Mastodon's CSV, into Starling
(`GET/POST/PUT /api/v1/admin/domain_blocks`, and `POST /api/v1/admin/measures` to ask
whether local users follow a domain before suspending it), pushes a changed list, and
then reads the blocks back out of Starling into a file.
"""

import csv
import http.server
import os
import subprocess
import sys
import threading

from mastodon import Mastodon

from harness import URL, WORK, check, expect, expect_eq, finish

ADMIN_EMAIL = os.environ["STARLING_ADMIN_EMAIL"]
ADMIN_PASSWORD = os.environ["STARLING_ADMIN_PASSWORD"]
SYNC = os.path.join(os.path.dirname(sys.executable), "fediblock-sync")
HOST = URL.split("://", 1)[1]
state = {}

FIRST_LIST = """#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
spam.example,suspend,true,true,Spam wave,false
noisy.example,silence,false,false,Too loud,false
quiet.example,noop,true,false,,false
"""
# noisy.example goes up to suspend, quiet.example gains reject_reports, a new entry.
SECOND_LIST = """#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
spam.example,suspend,true,true,Spam wave,false
noisy.example,suspend,false,false,Too loud,false
quiet.example,noop,true,true,,false
bots.example,silence,false,false,Bot farm,true
"""


class ListServer(http.server.BaseHTTPRequestHandler):
    body = FIRST_LIST

    def do_GET(self):
        data = ListServer.body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ListServer)
threading.Thread(target=server.serve_forever, daemon=True).start()
LIST_URL = f"http://127.0.0.1:{server.server_address[1]}/blocklist.csv"


def run_sync(config_text, name):
    path = os.path.join(WORK, f"fediblockhole-{name}.toml")
    with open(path, "w") as f:
        f.write(config_text)
    done = subprocess.run(
        [SYNC, "-c", path, "--loglevel", "info"],
        capture_output=True,
        text=True,
        timeout=240,
    )
    log = done.stdout + done.stderr
    expect(done.returncode == 0, f"fediblock-sync exited {done.returncode}:\n{log}")
    expect("Traceback" not in log, f"fediblock-sync failed:\n{log}")
    return log


def push_config(token):
    return f"""
blocklist_url_sources = [ {{ url = "{LIST_URL}", format = "mastodon_csv" }} ]
blocklist_instance_destinations = [
  {{ domain = "{HOST}", token = "{token}", scheme = "http", max_followed_severity = "silence" }},
]
import_fields = ["public_comment", "reject_media", "reject_reports", "obfuscate"]
"""


def blocks_by_domain():
    return {b["domain"]: b for b in state["m"].admin_domain_blocks()}


@check("FediBlockHole: an admin token through Mastodon.py", required=True)
def _():
    client_file = os.path.join(WORK, "fediblockhole_client.secret")
    Mastodon.create_app(
        "fediblockhole",
        scopes=["read", "write", "admin:read", "admin:write"],
        api_base_url=URL,
        to_file=client_file,
        request_timeout=30,
    )
    m = Mastodon(client_id=client_file, api_base_url=URL, request_timeout=30)
    state["token"] = m.log_in(
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        scopes=["read", "write", "admin:read", "admin:write"],
        allow_http=True,
    )
    state["m"] = m


@check("FediBlockHole pushes a Mastodon CSV block list into Starling", required=True)
def _():
    run_sync(push_config(state["token"]), "push")
    blocks = blocks_by_domain()
    expect_eq(sorted(blocks), ["noisy.example", "quiet.example", "spam.example"], "domains")
    expect_eq(blocks["spam.example"]["severity"], "suspend", "spam severity")
    expect_eq(blocks["spam.example"]["reject_reports"], True, "spam reject_reports")
    expect_eq(blocks["spam.example"]["public_comment"], "Spam wave", "spam comment")
    expect_eq(blocks["noisy.example"]["severity"], "silence", "noisy severity")
    expect_eq(blocks["quiet.example"]["severity"], "noop", "quiet severity")
    expect_eq(blocks["quiet.example"]["reject_media"], True, "quiet reject_media")
    state["ids"] = {d: b["id"] for d, b in blocks.items()}


@check("FediBlockHole pushes changes: severities raised (after asking the follows measure), flags, new blocks")
def _():
    ListServer.body = SECOND_LIST
    log = run_sync(push_config(state["token"]), "update")
    blocks = blocks_by_domain()
    expect_eq(len(blocks), 4, "block count")
    expect_eq(blocks["noisy.example"]["severity"], "suspend", "noisy raised: nobody here follows it")
    expect_eq(blocks["noisy.example"]["id"], state["ids"]["noisy.example"], "changed in place")
    expect_eq(blocks["quiet.example"]["reject_reports"], True, "quiet reject_reports")
    expect_eq(blocks["bots.example"]["severity"], "silence", "bots severity")
    expect_eq(blocks["bots.example"]["obfuscate"], True, "bots obfuscate")
    expect("Adding new block" in log, f"no new block in the log:\n{log}")


@check("FediBlockHole reads Starling's blocks back out through the admin API")
def _():
    out = os.path.join(WORK, "fediblockhole-export.csv")
    run_sync(
        f"""
blocklist_instance_sources = [
  {{ domain = "{HOST}", token = "{state["token"]}", admin = true, scheme = "http" }},
]
no_push_instance = true
blocklist_savefile = "{out}"
import_fields = ["public_comment", "reject_media", "reject_reports", "obfuscate"]
export_fields = ["severity", "public_comment", "reject_media", "reject_reports", "obfuscate"]
""",
        "export",
    )
    with open(out) as f:
        rows = {r["domain"]: r for r in csv.DictReader(f)}
    expect_eq(sorted(rows), ["bots.example", "noisy.example", "quiet.example", "spam.example"], "exported domains")
    expect_eq(rows["noisy.example"]["severity"], "suspend", "exported severity")
    expect_eq(rows["bots.example"]["public_comment"], "Bot farm", "exported comment")
    expect_eq(rows["quiet.example"]["reject_reports"], "True", "exported flag")


server.shutdown()
finish()

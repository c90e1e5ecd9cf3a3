"""Starts a peer the way its own CLI would, but bound to 127.0.0.1 and offline.

    python launch.py pasture-verify-actor PORT     fediverse_pasture.verify_actor's app
    python launch.py pasture-one-actor PORT        fediverse_pasture.one_actor's app
    python launch.py pasture-send ARGS...          python -m fediverse_pasture.send ARGS...
    python launch.py bovine-herd PORT DB_URL       a bovine-herd server (Quart + hypercorn)

Why not the peers' own entry points: `fediverse_pasture.verify_actor` and `one_actor`
listen on 0.0.0.0 (we only use loopback), and bovine-herd ships no server command (it is
a Quart app meant to run under hypercorn). The apps themselves are the packages' own.

Offline: bovine (which pasture builds on) fetches JSON-LD contexts it does not bundle
(`https://w3id.org/security/v1`, `…/did/v1`, `…/multikey/v1`) from the internet and falls
back to an empty context when that fails. Here the fetch is replaced by an immediate
failure, so the same fallback runs without any traffic leaving the machine.
"""

import asyncio
import logging
import sys


def offline_jsonld():
    import bovine.jsonld as bj

    def no_network_loader(*args, **kwargs):
        def load(url, options=None):
            raise RuntimeError(f"peer tests are offline: not fetching {url}")

        return load

    bj.requests_document_loader = no_network_loader


def serve(app, port):
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = "-"
    asyncio.run(hypercorn_serve(app, config))


def main():
    kind, args = sys.argv[1], sys.argv[2:]
    offline_jsonld()
    if kind == "pasture-verify-actor":
        from fediverse_pasture.verify_actor import build_app

        port = int(args[0])
        # (only_generate_config, domain, https, timeout): what `--port P --domain
        # 127.0.0.1:P --timeout 5` passes on.
        serve(build_app(False, f"127.0.0.1:{port}", False, 5), port)
    elif kind == "pasture-one-actor":
        from fediverse_pasture.data_provider import DataProvider
        from fediverse_pasture.server.one_actor_app import app_for_data_provider

        port = int(args[0])
        serve(app_for_data_provider(DataProvider.generate_and_load(False)), port)
    elif kind == "pasture-send":
        from fediverse_pasture.send.__main__ import send_to

        send_to(args, prog_name="python -m fediverse_pasture.send")
    elif kind == "bovine-herd":
        from quart import Quart
        from bovine_herd import BovineHerd

        logging.basicConfig(level=logging.INFO)
        logging.getLogger("bovine").setLevel(logging.DEBUG)
        logging.getLogger("bovine_process").setLevel(logging.DEBUG)
        port, db_url = int(args[0]), args[1]
        serve(BovineHerd(Quart("bovine_herd_peer"), db_url=db_url), port)
    else:
        sys.exit(f"unknown peer {kind}")


if __name__ == "__main__":
    main()

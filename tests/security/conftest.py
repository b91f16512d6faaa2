"""The real stack the security suite attacks: the published Haig Fras demo (restricted
`hf-sidescan`), a backend process on PostgreSQL signing tokens with real keys, the real tiler
process verifying them against the backend's JWKS, the local OIDC provider, and a canary HTTP
server that records every request it receives (to prove the tiler and backend fetch nothing a
caller names).

Everything is started once per session and bound to free loopback ports.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from e2e.stack import stop_process
from tests.backend.test_access_support import VENV_BIN, Backend, sign_in, start_backend
from tests.fixtures.oidc import free_port, wait_http
from tests.fixtures.postgres import fresh_database

DEMO_DEPOSITOR = "0000-0002-1825-0097"
RESTRICTED = "hf-sidescan"


@dataclass
class Canary:
    """A loopback HTTP server that answers 200 to everything and remembers what it was asked."""

    url: str
    hits: list[str] = field(default_factory=list)


@pytest.fixture
def canary(canary_server: Canary) -> Canary:
    """The canary with an empty record: each test sees only the requests made during it."""
    canary_server.hits.clear()
    return canary_server


@pytest.fixture(scope="session")
def canary_server() -> Iterator[Canary]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            hits.append(f"{self.command} {self.path}")
            body = b"canary"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_POST = do_PUT = _any

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Canary(f"http://127.0.0.1:{server.server_address[1]}", hits)
    server.shutdown()
    server.server_close()


@dataclass
class Tiler:
    url: str
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        stop_process(self.proc)


def start_tiler(tmp: Path, catalog_url: str, backend: Backend | None, **extra_env: str) -> Tiler:
    """The tiler as deployed (uvicorn), checking tokens against the backend's JWKS."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPA_")}
    env.update(MPA_CATALOG_URL=catalog_url, MPA_TILER_CACHE_DIR=str(tmp / f"tiler-cache-{port}"))
    if backend is not None:
        env.update(MPA_TILER_JWKS_URL=f"{backend.url}/api/.well-known/jwks.json", MPA_TILER_TOKEN_ISSUER=backend.url)
    env.update(extra_env)
    log = tmp / f"tiler-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(VENV_BIN / "uvicorn"), "mpa_tiler.main:app", "--host", "127.0.0.1",
                                 "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", 60, proc)
    except Exception as exc:
        proc.kill()
        raise RuntimeError(f"tiler failed to start: {exc}\n{log.read_text()[-3000:]}") from exc
    return Tiler(f"http://127.0.0.1:{port}", proc, log)


@dataclass
class Stack:
    backend: Backend
    tiler: Tiler
    catalog_path: Path
    oidc: Any

    def sign_in(self, sub: str, **claims: Any) -> httpx.Client:
        return sign_in(self.backend, self.oidc, sub, **claims)


@pytest.fixture(scope="session")
def stack(demo_catalog, oidc_provider, tmp_path_factory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("security")
    with fresh_database() as db_url:
        backend = start_backend(tmp, demo_catalog.url, db_url, oidc_provider)
        try:
            tiler = start_tiler(tmp, demo_catalog.url, backend)
            try:
                yield Stack(backend, tiler, demo_catalog.path, oidc_provider)
            finally:
                tiler.stop()
        finally:
            backend.stop()


@pytest.fixture(scope="session")
def depositor(stack) -> Iterator[httpx.Client]:
    client = stack.sign_in(DEMO_DEPOSITOR)
    yield client
    client.close()


@dataclass
class Secrets:
    """What the restricted collection holds that must never reach a caller without a grant."""

    item_ids: list[str]
    markers: list[str]  # strings derived from the restricted data (hrefs, digests, statistics, file names)


@pytest.fixture(scope="session")
def restricted(demo_catalog) -> Secrets:
    """Read straight from the published store: ids, asset hrefs/digests, statistics, provenance."""
    root = demo_catalog.path
    catalog = json.loads((root / "catalog.json").read_text())
    href = next(link["href"] for link in catalog["links"]
                if link.get("rel") == "child" and f"/{RESTRICTED}/" in link["href"])
    cdir = (root / href).parent
    collection = json.loads((root / href).read_text())
    assert collection["mpa:access"] == "restricted"
    item_ids, markers = [], []
    for link in collection["links"]:
        if link.get("rel") != "item":
            continue
        item = json.loads((cdir / link["href"]).read_text())
        item_ids.append(item["id"])
        for asset in item["assets"].values():
            markers.append(Path(asset["href"]).name)  # content-addressed file name = sha256
            markers.append(asset["file:checksum"][4:20])
            for band in asset.get("raster:bands", []):
                for stat in ("mean", "stddev"):
                    value = band.get("statistics", {}).get(stat)
                    if value is not None:
                        markers.append(repr(value)[:8])
        prov = item["properties"].get("mpa:provenance", {})
        markers += [s["sha256"][:16] for s in prov.get("sources", [])]
        markers += [Path(s["file"]).name for s in prov.get("sources", [])]
    # Whatever public documents also say (a shared batch hash, the same grid) is not a secret.
    public = "".join(p.read_text() for p in root.rglob("*.json") if "restricted" not in p.relative_to(root).parts)
    markers = sorted({m for m in markers if m not in public})
    assert item_ids and len(markers) >= 6, markers
    return Secrets(item_ids, markers)


def leaks(text: str, secrets: Secrets) -> list[str]:
    """The restricted markers found in a response body or header block."""
    return [m for m in secrets.markers if m in text]

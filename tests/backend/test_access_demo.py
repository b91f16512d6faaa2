"""Every door on the real published demo, with the real tiler checking the backend's tokens: a person
without a grant is refused by the STAC API, downloads and tiles; gets in after the depositor's grant;
is refused again after revocation. (Presigned S3 downloads: test_access_s3.py.)"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.backend.test_access_support import (
    VENV_BIN,
    Backend,
    sign_in,
    start_backend,
    valid_orcid,
)
from tests.fixtures.oidc import free_port, wait_http
from tests.fixtures.postgres import fresh_database

pytestmark = [pytest.mark.postgres]
DEMO_DEPOSITOR = "0000-0002-1825-0097"


@pytest.fixture(scope="module")
def stack(demo_catalog, oidc_provider, tmp_path_factory) -> Iterator[tuple[Backend, str]]:
    tmp = tmp_path_factory.mktemp("access-demo")
    with fresh_database() as db_url:
        backend = start_backend(tmp, demo_catalog.url, db_url, oidc_provider)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("MPA_")}
        env.update(MPA_CATALOG_URL=demo_catalog.url,
                   MPA_TILER_JWKS_URL=f"{backend.url}/api/.well-known/jwks.json",
                   MPA_TILER_TOKEN_ISSUER=backend.url, MPA_TILER_CACHE_DIR=str(tmp / "tiler-cache"),
                   MPA_TILER_TILE_CACHE_BYTES="0")
        log = tmp / "tiler.log"
        with log.open("wb") as out:
            tiler = subprocess.Popen([str(VENV_BIN / "uvicorn"), "mpa_tiler.main:app", "--host", "127.0.0.1",
                                      "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", 60, tiler)
            yield backend, f"http://127.0.0.1:{port}"
        finally:
            tiler.terminate()
            tiler.wait(timeout=10)
            backend.stop()


def _sidescan_item(depositor: httpx.Client) -> str:
    r = depositor.get("/api/stac/collections/hf-sidescan/items", params={"limit": 1})
    assert r.status_code == 200, r.text
    return r.json()["features"][0]["id"]


def _doors(client: httpx.Client, tiler: str, item: str) -> dict[str, int]:
    token = client.post("/api/token")
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"} if token.status_code == 200 else {}
    tile = httpx.get(f"{tiler}/tiles/collections/hf-sidescan/items/{item}/preview.png",
                     params={"assets": "data", "max_size": 128}, headers=headers, timeout=60)
    return {
        "stac": client.get(f"/api/stac/collections/hf-sidescan/items/{item}").status_code,
        "download": client.get(f"/api/collections/hf-sidescan/items/{item}/assets/data",
                               follow_redirects=False).status_code,
        "tiles": tile.status_code,
    }


def test_every_door_on_the_demo(stack, oidc_provider, demo_catalog) -> None:
    backend, tiler = stack
    depositor = sign_in(backend, oidc_provider, DEMO_DEPOSITOR)
    item = _sidescan_item(depositor)
    with httpx.Client(base_url=backend.url) as anon:
        assert _doors(anon, tiler, item) == {"stac": 401, "download": 401, "tiles": 401}

    orcid = valid_orcid()
    user = sign_in(backend, oidc_provider, orcid)
    assert _doors(user, tiler, item) == {"stac": 403, "download": 403, "tiles": 403}

    assert depositor.post("/api/collections/hf-sidescan/grants", json={"person": orcid}).status_code == 201
    assert _doors(user, tiler, item) == {"stac": 200, "download": 200, "tiles": 200}
    stac_item = user.get(f"/api/stac/collections/hf-sidescan/items/{item}").json()
    assert all(a["href"].startswith(f"{backend.url}/api/collections/hf-sidescan/") for a in stac_item["assets"].values())
    got = user.get(f"/api/collections/hf-sidescan/items/{item}/assets/data")
    assert got.content[:4] in (b"II*\x00", b"MM\x00*")
    assert stac_item["assets"]["data"]["file:checksum"] == "1220" + hashlib.sha256(got.content).hexdigest()

    assert depositor.delete("/api/collections/hf-sidescan/grants", params={"person": orcid}).status_code == 204
    assert _doors(user, tiler, item) == {"stac": 403, "download": 403, "tiles": 403}

    trail = depositor.get("/api/collections/hf-sidescan/audit").json()
    reads = {e["detail"].get("door") for e in trail if e["actor"] == orcid and e["action"] == "read"}
    assert reads >= {"stac", "download"}

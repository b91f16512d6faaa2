"""frontend/nginx/default.conf.template with the real nginx in front of the real backend and tiler.

Checks what the image's nginx must do: serve the app with the right caching, proxy /api and /tiles
without touching the path or the upstream's caching headers, pass the request id through, and keep
the Host so links the services build point back at the front door.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e.stack import free_port

from .nginx import Nginx, make_dist, nginx_env
from .processes import VENV_BIN, Proc, base_env, http_get, work_dir


@dataclass
class Front:
    nginx: Nginx
    backend: Proc
    tiler: Proc
    backend_url: str
    tiler_url: str
    collection: str
    item: str


@pytest.fixture(scope="module")
def front(stack_dirs) -> Iterator[Front]:
    from tests.builder.batches import make_raster_batch

    work = stack_dirs.enter_context(work_dir("nginx-front"))
    batch = make_raster_batch(work / "batch", survey="nx2015-mbes")
    store = work / "store"
    subprocess.run([str(VENV_BIN / "mpa-catalog"), "publish", str(batch), "--store", f"file://{store}"],
                   check=True, capture_output=True, timeout=180)
    catalog = json.loads(next(store.glob("collections/nx2015-mbes-bathymetry/*/collection.json")).read_text())
    item = next(link["href"] for link in catalog["links"] if link["rel"] == "item").rsplit("/", 1)[-1][:-5]

    bport, tport, nport = free_port(), free_port(), free_port()
    public = f"http://127.0.0.1:{nport}"
    env = {**base_env(work / "home"), "MPA_CATALOG_URL": f"file://{store}", "MPA_LOG_LEVEL": "info"}
    uvicorn = str(VENV_BIN / "uvicorn")
    backend = Proc("backend", [uvicorn, "mpa_backend.main:app", "--host", "127.0.0.1", "--port", str(bport)],
                   {**env, "MPA_BACKEND_PUBLIC_URL": public, "MPA_BACKEND_DATABASE_URL": f"sqlite:///{work}/b.sqlite",
                    "MPA_BACKEND_CACHE_DIR": str(work / "bcache")}, work / "backend.log")
    tiler = Proc("tiler", [uvicorn, "mpa_tiler.main:app", "--host", "127.0.0.1", "--port", str(tport)],
                 {**env, "MPA_TILER_CACHE_DIR": str(work / "tcache")}, work / "tiler.log")
    nginx = Nginx(work / "nginx", make_dist(work / "dist"), nginx_env(f"127.0.0.1:{bport}", f"127.0.0.1:{tport}", nport))
    started: list = []
    try:
        for svc, url in ((backend, f"http://127.0.0.1:{bport}/readyz"), (tiler, f"http://127.0.0.1:{tport}/readyz")):
            started.append(svc.start(url))
        started.append(nginx.start())
        yield Front(nginx, backend, tiler, f"http://127.0.0.1:{bport}", f"http://127.0.0.1:{tport}",
                    "nx2015-mbes-bathymetry", item)
    finally:
        for svc in reversed(started):
            svc.stop()


def test_config_is_valid_for_nginx(tmp_path: Path) -> None:
    nginx = Nginx(tmp_path, make_dist(tmp_path / "dist"), nginx_env("127.0.0.1:1", "127.0.0.1:2"))
    result = nginx.check_config()
    assert result.returncode == 0, result.stderr
    site = (tmp_path / "conf.d" / "default.conf").read_text()
    assert "${MPA_" not in site and "$mpa_request_id" in site and "$http_x_request_id" in site


def test_app_is_served_with_the_right_caching(front: Front) -> None:
    status, headers, body = http_get(front.nginx.url + "/")
    assert status == 200 and b"<title>MPA Twin</title>" in body and headers["cache-control"] == "no-cache"
    status, headers, body = http_get(front.nginx.url + "/assets/app-3f9a.js")
    assert status == 200 and headers["cache-control"] == "public, max-age=31536000, immutable"
    status, _, body = http_get(front.nginx.url + "/survey/hf2012-auv")  # a client-side route
    assert status == 200 and b"<title>MPA Twin</title>" in body
    status, _, body = http_get(front.nginx.url + "/metrics")  # not proxied: Prometheus scrapes services directly
    assert b"mpa_http_requests_total" not in body


def test_api_is_proxied_unchanged_with_the_request_id(front: Front) -> None:
    status, headers, body = http_get(front.nginx.url + "/api/collections?limit=5", **{"X-Request-ID": "nginx-test-1"})
    direct_status, _, direct = http_get(front.backend_url + "/api/collections?limit=5")
    assert status == direct_status == 200
    assert json.loads(body) == json.loads(direct)
    assert front.collection in body.decode()
    assert headers["x-request-id"] == "nginx-test-1"
    line = front.backend.wait_log(lambda x: x.get("request_id") == "nginx-test-1")
    assert line["path"] == "/api/collections", "the /api prefix reaches the backend (no stripping)"
    # no id from the client: nginx makes one and the backend logs the same one it returns
    _, headers, _ = http_get(front.nginx.url + "/api/health")
    rid = headers["x-request-id"]
    assert front.backend.wait_log(lambda x: x.get("request_id") == rid)["path"] == "/api/health"
    status, _, body = http_get(front.nginx.url + "/api/no-such-route")
    assert status == 404 and b"MPA Twin" not in body, "API errors are the backend's, not the app's fallback"


def test_tiles_are_proxied_with_caching_headers_kept(front: Front) -> None:
    path = f"/tiles/collections/{front.collection}/items/{front.item}/WebMercatorQuad/tilejson.json?assets=data"
    status, _, body = http_get(front.nginx.url + path)
    assert status == 200, body
    tilejson = json.loads(body)
    template = tilejson["tiles"][0]
    assert template.startswith(front.nginx.url + "/tiles/"), "links point back at the front door (Host kept)"
    import morecantile

    lon = (tilejson["bounds"][0] + tilejson["bounds"][2]) / 2
    lat = (tilejson["bounds"][1] + tilejson["bounds"][3]) / 2
    z = max(tilejson["minzoom"], 12)
    t = morecantile.tms.get("WebMercatorQuad").tile(lon, lat, z)
    tile_path = template.replace(front.nginx.url, "").replace("{z}", str(z)).replace("{x}", str(t.x)).replace("{y}", str(t.y))
    status, headers, png = http_get(front.nginx.url + tile_path)
    # The tiler's ETag covers the public host (tiles and links differ per host), so ask it directly
    # with the forwarded headers nginx is configured to send: equal ETags prove both the headers
    # nginx sends and that it hands the upstream's caching headers back untouched.
    host = front.nginx.url.split("://", 1)[1]
    d_status, d_headers, d_png = http_get(front.tiler_url + tile_path, Host=host, **{
        "X-Forwarded-Proto": "http", "X-Forwarded-Host": host})
    assert status == d_status == 200 and png[:8] == b"\x89PNG\r\n\x1a\n" and png == d_png
    for name in ("cache-control", "etag", "content-type"):
        assert headers[name] == d_headers[name], name
    assert "max-age" in headers["cache-control"]
    status, headers, body = http_get(front.nginx.url + tile_path, **{"If-None-Match": d_headers["etag"]})
    assert status == 304 and body == b""


def test_scheme_and_host_of_an_edge_proxy_are_kept(front: Front) -> None:
    """Behind the TLS edge (blue-green), links must be https:// on the public host."""
    path = f"/tiles/collections/{front.collection}/items/{front.item}/WebMercatorQuad/tilejson.json?assets=data"
    # what docs/deploy/edge-nginx.conf sends: the public Host and the scheme it terminated
    status, _, body = http_get(front.nginx.url + path, Host="mpa.example.org", **{"X-Forwarded-Proto": "https"})
    assert status == 200
    assert json.loads(body)["tiles"][0].startswith("https://mpa.example.org/tiles/collections/")

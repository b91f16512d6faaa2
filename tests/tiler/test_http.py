"""HTTP behaviour: ETags and 304s, cache headers, the rendered-tile cache, gzip, CORS, health, metrics,
new publishes appearing without a restart."""

from __future__ import annotations

import json
import shutil
import time

from fastapi.testclient import TestClient

from mpa_tiler.main import create_app
from mpa_tiler.settings import Settings
from tests.tiler.helpers import bathy_url, inner_tile


def _tile(catalogue, query=""):
    t = inner_tile(catalogue, 13)
    return f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png{query}"


def _metric(client, name) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith((name + " ", name + "{")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_strong_etag_and_304(client, catalogue):
    url = _tile(catalogue, "?rescale=-110,-60&colormap_name=haline")
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["cache-control"] == "public, max-age=3600"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = client.get(_tile(catalogue, "?rescale=-110,-60&colormap_name=thermal"))
    assert other.headers["etag"] != etag
    # parameter order does not matter, the access token is not part of the key
    same = client.get(_tile(catalogue, "?colormap_name=haline&rescale=-110,-60&access_token=x"))
    assert same.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_rendered_tiles_are_cached_in_process(client, catalogue):
    url = _tile(catalogue, "?rescale=-100,-70&colormap_name=ice")
    hits = _metric(client, "mpa_tiler_tile_cache_hits_total")
    a = client.get(url)
    b = client.get(url)
    assert a.content == b.content and a.headers["etag"] == b.headers["etag"]
    assert _metric(client, "mpa_tiler_tile_cache_hits_total") == hits + 1


def test_lru_is_bounded_in_bytes():
    from mpa_tiler.tile_cache import Entry, LRUBytes

    lru = LRUBytes(max_bytes=10_000)
    for i in range(50):
        lru.put(str(i), Entry(200, [], bytes(1000)))
    assert lru.size <= 10_000 and len(lru) == 10
    assert lru.get("49") is not None and lru.get("0") is None


def test_json_is_gzipped_images_are_not(client, catalogue):
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/WMTSCapabilities.xml", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"
    r = client.get(_tile(catalogue), headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in r.headers


def test_cors(client, catalogue):
    r = client.get(_tile(catalogue), headers={"Origin": "http://frontend.test"})
    assert r.headers["access-control-allow-origin"] == "http://frontend.test"
    r = client.get(_tile(catalogue), headers={"Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in r.headers


def test_health_ready_metrics(client, tmp_path):
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").json() == {"status": "ready", "collections": 4}
    text = client.get("/metrics").text
    assert 'mpa_tiler_requests_total{route="/tiles/collections/{c}/items/{i}/tiles/{z}/{x}/{y}",status="200"}' in text
    broken = TestClient(create_app(Settings(catalog_url=f"file://{tmp_path}/nothing", cache_dir=tmp_path)))
    assert broken.get("/healthz").status_code == 200
    assert broken.get("/readyz").status_code == 503


def test_new_publish_appears_without_restart(catalogue, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(catalogue.root, store)
    root = json.loads((store / "catalog.json").read_text())
    vector_link = next(link for link in root["links"] if "habitat-map" in link["href"])
    root["links"] = [link for link in root["links"] if link is not vector_link]
    (store / "catalog.json").write_text(json.dumps(root))
    c = TestClient(create_app(Settings(catalog_url=f"file://{store}", cache_dir=tmp_path / "c", catalog_ttl=0.2)))
    url = "/tiles/collections/habitat-map/items/habitat-map/vector/tilejson.json"
    assert c.get(url).status_code == 404
    root["links"].append(vector_link)
    (store / "catalog.json").write_text(json.dumps(root))  # the builder's publish: root rewritten last
    deadline = time.monotonic() + 10
    while c.get(url).status_code != 200:
        assert time.monotonic() < deadline, "new collection never appeared"
        time.sleep(0.05)  # poll interval

"""Attack 1: every door, anonymous and signed-in-without-grant, against the restricted `hf-sidescan`.

The routes are enumerated from each service's own OpenAPI document, so a door added later is
attacked too. A depositor's request to the same URLs is the control (the URLs are right, the data
is there): everyone else gets 401/403 and no byte derived from the restricted data — no asset
href or digest, no statistics, no provenance, no file names.
"""

from __future__ import annotations

import re

import httpx
import morecantile
import pytest

from tests.backend.test_access_support import valid_orcid
from tests.security.conftest import RESTRICTED, Secrets, Stack, leaks

LON, LAT = -8.0, 50.3
TILE = morecantile.tms.get("WebMercatorQuad").tile(LON, LAT, 9)
FEATURE = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
    [-8.1, 50.2], [-7.9, 50.2], [-7.9, 50.4], [-8.1, 50.4], [-8.1, 50.2]]]}}
PATH_VALUES = {
    "collection_id": RESTRICTED, "tileMatrixSetId": "WebMercatorQuad", "z": str(TILE.z), "x": str(TILE.x),
    "y": str(TILE.y), "format": "png", "lon": str(LON), "lat": str(LAT), "width": "64", "height": "64",
    "minx": "-8.1", "miny": "50.2", "maxx": "-7.9", "maxy": "50.4", "scale": "1", "key": "data",
    "person": "someone@example.org",
}


def _fill(path: str, item_id: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: item_id if m[1] == "item_id" else PATH_VALUES[m[1]], path)


def _routes(base: str, openapi_path: str, keep) -> list[tuple[str, str]]:
    spec = httpx.get(base + openapi_path, timeout=30).json()
    return sorted((method.upper(), path) for path, ops in spec["paths"].items() for method in ops if keep(path))


def _tiler_routes(stack: Stack) -> list[tuple[str, str]]:
    return _routes(stack.tiler.url, "/tiles/openapi.json", lambda p: p.startswith("/tiles/collections/{collection_id}"))


def _backend_routes(stack: Stack) -> list[tuple[str, str]]:
    # the locked collection document itself is public metadata (checked in the listings test)
    return _routes(stack.backend.url, "/api/openapi.json",
                   lambda p: "{collection_id}" in p and p != "/api/stac/collections/{collection_id}")


def _call(client: httpx.Client | None, method: str, url: str, **kw) -> httpx.Response:
    body = FEATURE if method in ("POST", "PUT") else None
    if "/stats/" in url and method == "POST":
        body = {"delta_percent": 20} if url.endswith("/power/simulation") else {}
    if url.endswith("/grants") and method == "POST":
        body = {"person": valid_orcid()}
    if method == "DELETE":
        kw.setdefault("params", {"person": PATH_VALUES["person"]})
    send = client.request if client is not None else httpx.request
    return send(method, url, json=body, timeout=60, follow_redirects=False, **kw)


def _assert_closed(r: httpx.Response, secrets: Secrets, what: str, allowed=(401, 403)) -> None:
    assert r.status_code in allowed, f"{what}: {r.status_code} {r.text[:300]}"
    text = r.text + "\n" + "\n".join(f"{k}: {v}" for k, v in r.headers.items())
    assert not leaks(text, secrets), f"{what} leaks {leaks(text, secrets)}"


@pytest.fixture(scope="module")
def tokens(stack, depositor) -> dict[str, str]:
    stranger = stack.sign_in(valid_orcid())
    out = {
        "depositor": depositor.post("/api/token").json()["access_token"],
        "no-grant": stranger.post("/api/token").json()["access_token"],
        "api-audience": depositor.post("/api/token", params={"audience": "mpa-api"}).json()["access_token"],
    }
    stranger.close()
    return out


def test_the_route_lists_cover_every_door(stack) -> None:
    tiler = {p.rsplit("/", 1)[-1] for _, p in _tiler_routes(stack)}
    assert {"tilejson.json", "info", "statistics", "WMTSCapabilities.xml", "{lon},{lat}", "preview.{format}",
            "{minx},{miny},{maxx},{maxy}.{format}", "feature", ["{z}/{x}", "{y}.mvt"][-1]} <= tiler
    backend = {p for _, p in _backend_routes(stack)}
    assert {"/api/collections/{collection_id}/points", "/api/stats/{collection_id}/summary",
            "/api/stac/collections/{collection_id}/items/{item_id}",
            "/api/collections/{collection_id}/items/{item_id}/assets/{key}",
            "/api/collections/{collection_id}/items/{item_id}/thumbnail"} <= backend


def test_tiler_doors_open_for_the_depositor(stack, restricted, tokens) -> None:
    """Control: with the depositor's token every raster door of the restricted item answers 200."""
    item = restricted.item_ids[0]
    auth = {"Authorization": f"Bearer {tokens['depositor']}"}
    failed = []
    for method, path in _tiler_routes(stack):
        if "/vector/" in path:
            continue  # a raster item has no vector tiles (404 after the access check)
        r = _call(None, method, stack.tiler.url + _fill(path, item), headers=auth)
        if r.status_code != 200:
            failed.append((method, path, r.status_code, r.text[:200]))
    assert not failed
    info = httpx.get(f"{stack.tiler.url}/tiles/collections/{RESTRICTED}/items/{item}/statistics", headers=auth,
                     timeout=60)
    assert info.status_code == 200 and "mean" in info.text


@pytest.mark.parametrize("caller", ["anonymous", "no-grant", "api-audience", "garbage"])
def test_tiler_doors_closed(stack, restricted, tokens, caller) -> None:
    item = restricted.item_ids[0]
    headers = {} if caller == "anonymous" else {
        "Authorization": f"Bearer {tokens.get(caller, 'not.a.token')}"}
    for method, path in _tiler_routes(stack):
        url = stack.tiler.url + _fill(path, item)
        _assert_closed(_call(None, method, url, headers=headers), restricted, f"{caller} {method} {path}")
        # the same in the query string, as MapLibre sends it
        if caller != "anonymous":
            r = _call(None, method, url, params={"access_token": headers["Authorization"][7:]})
            _assert_closed(r, restricted, f"{caller} ?access_token {method} {path}")


def test_tiler_head_and_preflight_give_nothing(stack, restricted, tokens) -> None:
    item = restricted.item_ids[0]
    for _, path in _tiler_routes(stack):
        url = stack.tiler.url + _fill(path, item)
        _assert_closed(httpx.head(url, timeout=30), restricted, f"HEAD {path}", allowed=(401, 403, 405))
        pre = httpx.options(url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET",
                                          "Access-Control-Request-Headers": "authorization"}, timeout=30)
        _assert_closed(pre, restricted, f"OPTIONS {path}", allowed=(400, 401, 403, 405))
        assert pre.headers.get("access-control-allow-origin") not in ("*", "https://evil.example")


def test_tiler_does_not_tell_which_restricted_items_exist(stack, restricted) -> None:
    """An unknown item of a restricted collection answers like a real one: no id oracle."""
    base = f"{stack.tiler.url}/tiles/collections/{RESTRICTED}/items"
    real = httpx.get(f"{base}/{restricted.item_ids[0]}/info", timeout=30)
    fake = httpx.get(f"{base}/{restricted.item_ids[0]}-not-there/info", timeout=30)
    assert real.status_code == 401
    assert fake.status_code == real.status_code, f"unknown restricted item: {fake.status_code} {fake.text}"


def test_backend_doors_open_for_the_depositor(stack, restricted, depositor) -> None:
    item = restricted.item_ids[0]
    for path in (f"/api/stac/collections/{RESTRICTED}/items", f"/api/stac/collections/{RESTRICTED}/items/{item}",
                 f"/api/collections/{RESTRICTED}/items/{item}/assets/data",
                 f"/api/collections/{RESTRICTED}/items/{item}/thumbnail"):
        assert depositor.get(path).status_code == 200, path
    assert leaks(depositor.get(f"/api/stac/collections/{RESTRICTED}/items/{item}").text, restricted), \
        "control: the depositor's item document carries the restricted statistics"


@pytest.mark.parametrize("caller", ["anonymous", "no-grant", "tiler-audience-bearer"])
def test_backend_doors_closed(stack, restricted, tokens, caller) -> None:
    item = restricted.item_ids[0]
    if caller == "anonymous":
        client = httpx.Client(base_url=stack.backend.url)
    elif caller == "no-grant":
        client = stack.sign_in(valid_orcid())
    else:
        client = httpx.Client(base_url=stack.backend.url, headers={"Authorization": f"Bearer {tokens['depositor']}"})
    try:
        for method, path in _backend_routes(stack):
            r = _call(client, method, stack.backend.url + _fill(path, item))
            _assert_closed(r, restricted, f"{caller} {method} {path}")
        for method in ("HEAD", "OPTIONS"):
            r = client.request(method, f"/api/collections/{RESTRICTED}/items/{item}/assets/data",
                               headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
            _assert_closed(r, restricted, f"{caller} {method} download", allowed=(400, 401, 403, 405))
            assert r.headers.get("access-control-allow-origin") not in ("*", "https://evil.example")
    finally:
        client.close()


def test_backend_listings_show_the_restricted_collection_locked_and_empty(stack, restricted) -> None:
    """Listings name the locked collection (title, extent, depositor) and nothing derived from its data."""
    with httpx.Client(base_url=stack.backend.url, timeout=30) as anon:
        for path in ("/api/collections", "/api/layers", "/api/site", "/api/me", "/api/stac", "/api/stac/collections",
                     f"/api/stac/collections/{RESTRICTED}", "/api/auth/providers"):
            r = anon.get(path)
            assert r.status_code == 200, path
            assert not leaks(r.text, restricted), f"{path} leaks {leaks(r.text, restricted)}"
        layer = next(x for x in anon.get("/api/layers").json() if x["id"] == RESTRICTED)
        assert layer["locked"] and not layer["tiles"] and not layer["items"] and not layer["render"]
        assert layer["legend"] is None and layer["tilejson"] is None
        coll = anon.get(f"/api/stac/collections/{RESTRICTED}").json()
        assert coll["mpa:locked"] is True
        assert not {"renders", "summaries", "item_assets", "assets"} & set(coll)
        assert not any(link["rel"] == "items" for link in coll["links"])
        for search in (anon.get("/api/stac/search", params={"collections": RESTRICTED}),
                       anon.get("/api/stac/search", params={"ids": ",".join(restricted.item_ids)}),
                       anon.post("/api/stac/search", json={"collections": [RESTRICTED], "limit": 100}),
                       anon.get("/api/stac/search", params={"limit": 1000})):
            assert search.status_code == 200
            assert all(f["collection"] != RESTRICTED for f in search.json()["features"])
            assert not leaks(search.text, restricted)
        stats = anon.post("/api/stats/compare", json={"a": {"collection": RESTRICTED}, "b": {"collection": RESTRICTED}})
        assert stats.status_code in (401, 422) and not leaks(stats.text, restricted)


def test_search_counts_do_not_reveal_restricted_items(stack, depositor) -> None:
    """numberMatched for an anonymous search is what it would be without the restricted collection."""
    with httpx.Client(base_url=stack.backend.url, timeout=30) as anon:
        a = anon.get("/api/stac/search", params={"limit": 1}).json()["numberMatched"]
    d = depositor.get("/api/stac/search", params={"limit": 1}).json()["numberMatched"]
    assert d > a, "control: the depositor matches the restricted item too"


def test_a_cached_restricted_tile_is_not_served_to_others(stack, restricted, tokens) -> None:
    """The tiler's LRU and ETags sit in front of the routes: a warm tile and a 304 still need the grant."""
    url = (f"{stack.tiler.url}/tiles/collections/{RESTRICTED}/items/{restricted.item_ids[0]}/tiles/WebMercatorQuad/"
           f"{TILE.z}/{TILE.x}/{TILE.y}.png")
    warm = httpx.get(url, headers={"Authorization": f"Bearer {tokens['depositor']}"}, timeout=60)
    again = httpx.get(url, headers={"Authorization": f"Bearer {tokens['depositor']}"}, timeout=60)
    assert warm.status_code == again.status_code == 200 and again.content == warm.content
    etag = warm.headers["etag"]
    assert "private" in warm.headers["cache-control"] and "authorization" in warm.headers.get("vary", "").lower()
    for headers in ({}, {"If-None-Match": etag}, {"Authorization": f"Bearer {tokens['no-grant']}",
                                                  "If-None-Match": etag}):
        r = httpx.get(url, headers=headers, timeout=30)
        assert r.status_code in (401, 403) and not r.content.startswith(b"\x89PNG"), (headers.keys(), r.status_code)
        assert "etag" not in r.headers


def test_no_door_names_where_the_store_is(stack, depositor, tokens) -> None:
    """Store paths and bucket keys are internal: no answer, public or granted, shows them."""
    store = str(stack.catalog_path)
    item = httpx.get(f"{stack.backend.url}/api/stac/collections/hf-bathymetry/items", params={"limit": 1},
                     timeout=30).json()["features"][0]["id"]
    auth = {"Authorization": f"Bearer {tokens['depositor']}"}
    for collection, item_id in (("hf-bathymetry", item), (RESTRICTED, RESTRICTED)):
        base = f"{stack.tiler.url}/tiles/collections/{collection}/items/{item_id}"
        for path in ("/assets", "/info", "/info.geojson", "/WebMercatorQuad/tilejson.json", "/WMTSCapabilities.xml",
                     "/statistics", "/point/-8.0,50.3", "/info?assets=nope", "/tiles/WebMercatorQuad/2/0/0.png"):
            r = httpx.get(base + path, headers=auth, timeout=60)
            assert store not in r.text and "/vsis3/" not in r.text and "file://" not in r.text, \
                f"{collection} {path}: {r.status_code} {r.text[:300]}"
    for path in (f"/api/stac/collections/{RESTRICTED}/items", "/api/layers", "/api/collections"):
        r = depositor.get(path)
        assert store not in r.text and "file://" not in r.text, path

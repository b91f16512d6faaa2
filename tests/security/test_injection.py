"""Attack 3: make the tiler or the backend open something that is not a catalogue asset, or fall over.

Every attempt names a canary HTTP server on loopback (or a local file); the canary must receive
nothing, the answer must be 4xx (never 5xx), and neither service may die.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import quote

import httpx
import pytest

from tests.security.conftest import RESTRICTED, Canary, Stack

PUBLIC = "hf-bathymetry"


def _public_item(stack: Stack) -> str:
    r = httpx.get(f"{stack.backend.url}/api/stac/collections/{PUBLIC}/items", params={"limit": 1}, timeout=30)
    return r.json()["features"][0]["id"]


def _targets(canary: Canary) -> list[str]:
    return [f"{canary.url}/x.tif", f"/vsicurl/{canary.url}/x.tif", "/etc/passwd", "file:///etc/passwd",
            "s3://mpa/catalog/x.tif", "http://169.254.169.254/latest/meta-data/", f"/vsicurl?url={canary.url}/x.tif"]


def _bad_paths(canary: Canary, item: str) -> list[str]:
    enc = quote(f"{canary.url}/x.tif", safe="")
    return [
        "/tiles/collections/..%2F..%2F..%2Fetc/items/passwd/info",
        f"/tiles/collections/{PUBLIC}/items/..%2F..%2F{item}/info",
        f"/tiles/collections/{PUBLIC}/items/%2Fetc%2Fpasswd/info",
        f"/tiles/collections/{PUBLIC}/items/{enc}/info",
        f"/tiles/collections/{enc}/items/{item}/info",
        f"/tiles/collections/{PUBLIC}/items/..%252F..%252Fcatalog/info",
        f"/tiles/collections/{PUBLIC}/items/{item}%00.json/info",
        f"/tiles/collections/{PUBLIC}/items/{'a' * 5000}/info",
        f"/tiles/collections/{PUBLIC}/items/{quote('s3://mpa/x', safe='')}/info",
        f"/tiles/collections/{PUBLIC}/items/file:%2F%2F%2Fetc%2Fpasswd/info",
    ]


def _assert_4xx(r: httpx.Response, what: str) -> None:
    assert 400 <= r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"
    assert "root:" not in r.text and "canary" not in r.text, f"{what} echoes what it read: {r.text[:200]}"


def _alive(stack: Stack) -> None:
    assert httpx.get(f"{stack.tiler.url}/healthz", timeout=10).status_code == 200
    assert httpx.get(f"{stack.backend.url}/healthz", timeout=10).status_code == 200


def test_ids_that_are_paths_or_urls_are_404(stack, canary) -> None:
    item = _public_item(stack)
    for path in _bad_paths(canary, item):
        _assert_4xx(httpx.get(stack.tiler.url + path, timeout=30), path)
        backend_path = path.replace("/tiles/collections", "/api/collections").replace("/info", "/assets/data")
        _assert_4xx(httpx.get(stack.backend.url + backend_path, timeout=30), backend_path)
        stac_path = path.replace("/tiles/collections", "/api/stac/collections").removesuffix("/info")
        _assert_4xx(httpx.get(stack.backend.url + stac_path, timeout=30), stac_path)
    assert canary.hits == []
    _alive(stack)


def test_url_and_asset_parameters_name_catalogue_assets_only(stack, canary) -> None:
    item = _public_item(stack)
    base = f"{stack.tiler.url}/tiles/collections/{PUBLIC}/items/{item}"
    assert httpx.get(f"{base}/info", params={"assets": "data"}, timeout=30).status_code == 200, "control"
    for target in _targets(canary):
        for path, params in (
            ("/info", {"url": target}),
            ("/preview.png", {"url": target, "max_size": 64}),
            ("/info", {"assets": target}),
            ("/statistics", {"assets": target}),
            ("/preview.png", {"assets": target, "max_size": 64}),
            ("/preview.png", {"expression": f"{target}*2", "max_size": 64}),
            ("/preview.png", {"assets": "data", "expression": f"data_b1+{target}", "max_size": 64}),
            ("/info", {"assets": "not-an-asset"}),
            ("/info", {"assets": "../../../etc/passwd"}),
        ):
            _assert_4xx(httpx.get(base + path, params=params, timeout=30), f"{path} {params}")
    for key in ("../../catalog.json", "..%2F..%2Fcatalog.json", "not-an-asset", "href", quote(f"{canary.url}/x", safe="")):
        r = httpx.get(f"{stack.backend.url}/api/collections/{PUBLIC}/items/{item}/assets/{key}", timeout=30)
        _assert_4xx(r, f"download asset key {key}")
    assert canary.hits == []
    _alive(stack)


@pytest.mark.parametrize("param", ["coord_crs", "dst_crs", "crs"])
def test_crs_parameters_open_no_file_or_url(stack, canary, param) -> None:
    """GDAL's SetFromUserInput reads files and URLs given as a CRS; the tiler must never pass one on."""
    item = _public_item(stack)
    base = f"{stack.tiler.url}/tiles/collections/{PUBLIC}/items/{item}"
    paths = ["/point/-8.0,50.3", "/bbox/-8.1,50.2,-7.9,50.4.png", "/preview.png?max_size=64", "/info.geojson",
             "/WebMercatorQuad/tilejson.json", "/statistics"]
    for target in (f"{canary.url}/crs.wkt", f"/vsicurl/{canary.url}/crs.wkt", "/etc/hostname",
                   f"[{canary.url}/crs.wkt]"):
        for path in paths:
            r = httpx.get(base + path, params={param: target}, timeout=30)
            assert r.status_code < 500, f"{path} {param}={target}: {r.status_code} {r.text[:200]}"
    assert canary.hits == [], f"the tiler fetched a caller-named URL as a CRS: {canary.hits}"
    _alive(stack)


ABSURD = [
    ("/tiles/WebMercatorQuad/9/0/0.png", {"tilesize": 100000}),
    ("/tiles/WebMercatorQuad/9/0/0.png", {"buffer": 1e9}),
    ("/tiles/WebMercatorQuad/9/0/0.png", {"padding": -5}),
    ("/tiles/WebMercatorQuad/99/0/0.png", {}),
    ("/tiles/WebMercatorQuad/9/-1/0.png", {}),
    ("/tiles/WebMercatorQuad/9/99999/0.png", {}),
    ("/tiles/NotATms/9/0/0.png", {}),
    ("/tiles/WebMercatorQuad/9/0/0.exe", {}),
    ("/preview.png", {"max_size": 10 ** 9}),
    ("/preview/100000x100000.png", {}),
    ("/bbox/-8.1,50.2,-7.9,50.4/99999x99999.png", {}),
    ("/bbox/nan,50.2,-7.9,50.4.png", {}),
    ("/bbox/-7.9,50.2,-8.1,50.4.png", {}),
    ("/point/1e400,50", {}),
    ("/point/nan,nan", {}),
    ("/preview.png", {"rescale": "a,b"}),
    ("/preview.png", {"colormap": "{not json"}),
    ("/preview.png", {"colormap": json.dumps([1, 2, 3])}),
    ("/preview.png", {"colormap": json.dumps({"0": "not-a-colour"})}),
    ("/preview.png", {"colormap_name": "../../etc/passwd"}),
    ("/preview.png", {"algorithm": "not-an-algorithm"}),
    ("/preview.png", {"algorithm": "hillshade", "algorithm_params": "{not json"}),
    ("/preview.png", {"expression": "__import__('os').system('id')"}),
    ("/preview.png", {"nodata": "not-a-number"}),
    ("/preview.png", {"resampling": "evil"}),
    ("/preview.png", {"color_formula": "gamma r 1e400 ; " * 50}),
    ("/statistics", {"histogram_bins": "1e12"}),
    ("/statistics", {"categorical": "yes", "c": "x" * 10000}),
]


# Odd but harmless: an answer is fine, a crash is not.
TOLERATED = [
    ("/preview.png", {"max_size": 64, "colormap": json.dumps({str(i): [i % 256, 0, 0, 255] for i in range(600)})}),
]


@pytest.mark.parametrize("path,params", ABSURD, ids=[f"{p}?{'&'.join(q)}" for p, q in ABSURD])
def test_absurd_parameters_are_4xx(stack, canary, path, params) -> None:
    item = _public_item(stack)
    r = httpx.get(f"{stack.tiler.url}/tiles/collections/{PUBLIC}/items/{item}{path}", params=params, timeout=60)
    assert 400 <= r.status_code < 500, f"{r.status_code} {r.text[:300]}"
    assert canary.hits == []


@pytest.mark.parametrize("path,params", TOLERATED, ids=[f"{p}?{'&'.join(q)}" for p, q in TOLERATED])
def test_odd_parameters_never_crash(stack, path, params) -> None:
    item = _public_item(stack)
    r = httpx.get(f"{stack.tiler.url}/tiles/collections/{PUBLIC}/items/{item}{path}", params=params, timeout=60)
    assert r.status_code < 500, f"{r.status_code} {r.text[:300]}"


def test_huge_colormap_is_refused_not_parsed(stack) -> None:
    """A ~0.8 MB query string (httpx would not even send it: raw socket)."""
    item = _public_item(stack)
    big = quote(json.dumps({str(i): [1, 2, 3, 255] for i in range(40000)}), safe="")
    host, port = stack.tiler.url.removeprefix("http://").split(":")
    request = (f"GET /tiles/collections/{PUBLIC}/items/{item}/preview.png?colormap={big} HTTP/1.1\r\n"
               f"Host: {host}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        try:
            sock.sendall(request)
            status = sock.recv(64).split(b"\r\n", 1)[0]
        except (ConnectionResetError, BrokenPipeError):
            status = b"closed"  # the server dropped an oversized request: also a refusal
    assert status == b"closed" or status.split()[1].startswith(b"4"), status
    _alive(stack)


def test_bad_feature_bodies_are_4xx(stack) -> None:
    item = _public_item(stack)
    url = f"{stack.tiler.url}/tiles/collections/{PUBLIC}/items/{item}/feature"
    failed = []
    for body in ({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0]]]}, "properties": {}},
                 {"type": "Feature", "geometry": None, "properties": {}}, [1, 2], "x" * 1000,
                 {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
                     [-1e400, 0], [1, 0], [1, 1], [-1e400, 0]]]}}):
        r = httpx.post(url, content=json.dumps(body), headers={"content-type": "application/json"}, timeout=60)
        if not 400 <= r.status_code < 500:
            failed.append(f"{body!r:.100}: {r.status_code} {r.text[:100]}")
    assert not failed


BAD_API = [
    ("GET", "/api/stac/search", {"bbox": "nan,0,1,1"}, None),
    ("GET", "/api/stac/search", {"bbox": "1,2,3"}, None),
    ("GET", "/api/stac/search", {"bbox": "a,b,c,d"}, None),
    ("GET", "/api/stac/search", {"intersects": "{not json"}, None),
    ("GET", "/api/stac/search", {"intersects": json.dumps({"type": "Polygon", "coordinates": "x"})}, None),
    ("GET", "/api/stac/search", {"intersects": json.dumps([1, 2])}, None),
    ("GET", "/api/stac/search", {"datetime": "yesterday"}, None),
    ("GET", "/api/stac/search", {"datetime": "2020-01-01T00:00:00Z/2010-01-01T00:00:00Z"}, None),
    ("GET", "/api/stac/search", {"limit": "100000000"}, None),
    ("GET", "/api/stac/search", {"limit": "-1"}, None),
    ("GET", "/api/stac/search", {"token": "next:-5"}, None),
    ("GET", "/api/stac/search", {"token": "next:" + "9" * 5000}, None),
    ("GET", "/api/stac/search", {"token": "../../etc"}, None),
    ("POST", "/api/stac/search", None, {"bbox": [0, 0, 1]}),
    ("POST", "/api/stac/search", None, {"bbox": [0, 0, 1, 1], "intersects": {"type": "Point", "coordinates": [0, 0]}}),
    ("POST", "/api/stac/search", None, {"intersects": {"type": "Nope", "coordinates": []}}),
    ("POST", "/api/stac/search", None, {"intersects": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}}),
    ("POST", "/api/stac/search", None, {"collections": "hf-bathymetry"}),
    ("POST", "/api/stac/search", None, {"ids": [{"$ne": 1}]}),
    ("POST", "/api/stac/search", None, {"datetime": 5}),
    ("POST", "/api/stac/search", None, [1, 2, 3]),
    ("GET", "/api/stac/collections/hf-bathymetry/items", {"bbox": "inf,0,1,1"}, None),
    ("GET", "/api/stac/collections/no-such-collection/items", {}, None),
    ("POST", f"/api/collections/{RESTRICTED}/grants", None, {"person": 5}),
    ("GET", "/api/token", {"audience": "x" * 10000}, None),
    ("GET", "/api/auth/login/..%2F..%2Fetc", {}, None),
    ("GET", "/api/auth/callback/orcid", {"code": "x", "state": "y"}, None),
    ("GET", "/api/auth/callback/orcid", {"error": "access_denied"}, None),
    ("GET", "/api/collections/hf-bathymetry/points", {}, None),
]


@pytest.mark.parametrize("method,path,params,body", BAD_API, ids=[f"{m} {p} {q or b}"[:90] for m, p, q, b in BAD_API])
def test_bad_api_input_is_4xx(stack, method, path, params, body) -> None:
    r = httpx.request(method, stack.backend.url + path, params=params, json=body, timeout=30)
    assert 400 <= r.status_code < 500, f"{r.status_code} {r.text[:300]}"


COMPARE_NEGATIVE_SEED = ('{"a": {"collection": "hf2012-annotations"}, "b": {"collection": "hf2015-annotations"}, '
                         '"seed": -1}')
BAD_STATS = [
    ("/api/stats/hf2012-annotations/summary", '{"seed": -1}'),
    ("/api/stats/hf2012-annotations/cumulative", '{"seed": -1}'),
    ("/api/stats/compare", COMPARE_NEGATIVE_SEED),
    ("/api/stats/hf2012-annotations/unit-size", '{"delta_percent": Infinity}'),
    ("/api/stats/hf2012-annotations/unit-size", '{"delta_percent": 1e308}'),
    ("/api/stats/hf2012-annotations/unit-size", '{"delta_percent": 1e9}'),
    ("/api/stats/hf2012-annotations/summary", '{"units": {"target_area_m2": NaN}}'),
    ("/api/stats/hf2012-annotations/power/simulation", '{"delta_percent": NaN}'),
]


@pytest.mark.parametrize("path,body", BAD_STATS, ids=[f"{p.rsplit('/', 1)[-1]} {b[-30:]}" for p, b in BAD_STATS])
def test_bad_statistics_input_is_4xx(stack, path, body) -> None:
    """Python's json accepts NaN/Infinity; numpy refuses negative seeds: both must be a 422, not a crash."""
    r = httpx.post(stack.backend.url + path, content=body, headers={"content-type": "application/json"}, timeout=120)
    assert 400 <= r.status_code < 500, f"{r.status_code} {r.text[:300]}"

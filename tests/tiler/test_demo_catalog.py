"""Every layer of the demo catalogue as the builder publishes it (shared fixture `demo_catalog`):
the tiler must serve what the real builder writes, not only our hand-made test catalogue."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from mpa_tiler.main import create_app
from mpa_tiler.settings import Settings
from tests.tiler.conftest import ISSUER
from tests.tiler.helpers import WEB_MERCATOR, decode_png


@pytest.fixture(scope="module")
def demo(demo_catalog, jwks_url, tmp_path_factory):
    app = create_app(Settings(catalog_url=demo_catalog.url, jwks_url=jwks_url, token_issuer=ISSUER,
                              cache_dir=tmp_path_factory.mktemp("demo-cache")))
    return demo_catalog, TestClient(app)


def _first_item(app_client: TestClient, collection_id: str) -> str:
    catalogue = app_client.app.state.catalogue
    catalogue.refresh(force=True)
    return min(catalogue._collections[collection_id].items)


def _centre_tile(bounds, zoom):
    west, south, east, north = bounds
    return WEB_MERCATOR.tile((west + east) / 2, (south + north) / 2, zoom)


def test_every_demo_layer_is_served(demo, make_token):
    published, client = demo
    assert published.collections, "the demo catalogue has collections"
    kinds = set()
    for col in published.collections:
        cid, kind = col["id"], col["kind"]
        kinds.add(kind)
        item = _first_item(client, cid)
        base = f"/tiles/collections/{cid}/items/{item}"
        headers = {}
        if col["access"] == "restricted":
            assert client.get(f"{base}/info").status_code == 401
            headers = {"Authorization": f"Bearer {make_token([cid])}"}
        if kind in ("raster", "images"):
            tj = client.get(f"{base}/WebMercatorQuad/tilejson.json", headers=headers)
            assert tj.status_code == 200, (cid, tj.text)
            tj = tj.json()
            t = _centre_tile(tj["bounds"], tj["maxzoom"])
            r = client.get(f"{base}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png", headers=headers)
            assert r.status_code == 200, (cid, r.text[:300])
            assert decode_png(r.content).shape == (256, 256, 4)
        elif kind == "vector":
            tj = client.get(f"{base}/vector/tilejson.json", headers=headers)
            assert tj.status_code == 200, (cid, tj.text)
            tj = tj.json()
            assert tj["vector_layers"], cid
            t = _centre_tile(tj["bounds"], tj["maxzoom"])
            r = client.get(f"{base}/vector/{t.z}/{t.x}/{t.y}.mvt", headers=headers)
            assert r.status_code in (200, 204), (cid, r.status_code, r.text[:300])
        else:  # tables have no tiles: a clear 4xx, not a crash
            r = client.get(f"{base}/tiles/WebMercatorQuad/10/500/300.png", headers=headers)
            assert 400 <= r.status_code < 500, (cid, r.status_code)
    assert {"raster", "vector"} <= kinds


def test_demo_bathymetry_renders_with_its_defaults(demo):
    published, client = demo
    bathy = [c for c in published.collections if c["kind"] == "raster" and c["access"] == "public"
             and "bathy" in c["id"]]
    assert bathy, [c["id"] for c in published.collections]
    cid = bathy[0]["id"]
    layer = client.app.state.catalogue.layer(cid, _first_item(client, cid))
    render = layer.default_render
    assert render.get("colormap_name") and render.get("rescale"), json.dumps(layer.renders)
    base = f"/tiles/collections/{cid}/items/{layer.item_id}"
    tj = client.get(f"{base}/WebMercatorQuad/tilejson.json").json()
    t = _centre_tile(tj["bounds"], max(tj["minzoom"], tj["maxzoom"] - 2))
    url = f"{base}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png"
    (lo, hi), = render["rescale"]
    default = decode_png(client.get(url).content)
    explicit = decode_png(client.get(f"{url}?colormap_name={render['colormap_name']}&rescale={lo},{hi}").content)
    assert (default == explicit).all()
    assert (default[..., 3] == 255).mean() > 0.2  # the survey covers part of the tile


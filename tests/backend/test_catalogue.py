"""The catalogue doors of the backend: collections, map layers, points, health."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd


def _root(demo_catalog) -> dict:
    return json.loads((Path(urlparse(demo_catalog.url).path) / "catalog.json").read_text())


def test_collections_mirror_the_published_catalogue(api_client, demo_catalog) -> None:
    published = [link for link in _root(demo_catalog)["links"] if link["rel"] == "child"]
    listed = api_client.get("/api/collections").json()
    assert len(listed) == len(published)
    kinds = {c["kind"] for c in listed}
    assert {"raster", "vector", "table"} <= kinds


def test_restricted_collections_are_listed_locked_for_anonymous_callers(api_client) -> None:
    listed = api_client.get("/api/collections").json()
    restricted = [c for c in listed if c["access"] == "restricted"]
    assert restricted, "the demo has a restricted collection (sidescan)"
    assert all(c["locked"] for c in restricted)
    assert not any(c["locked"] for c in listed if c["access"] == "public")


def test_raster_layers_point_at_the_tiler_by_collection_and_item(api_client) -> None:
    layers = api_client.get("/api/layers").json()
    bathy = next(layer for layer in layers if layer["theme"] == "bathymetry")
    assert bathy["type"] == "raster"
    template = bathy["tiles"][0]
    assert template.startswith(f"/tiles/collections/{bathy['id']}/items/{bathy['items'][0]}/tiles/WebMercatorQuad/")
    assert "{z}/{x}/{y}.png" in template and "url=" not in template
    lo, hi = bathy["legend"]["rescale"]
    assert -200 < lo < hi < 0, "bathymetry rescale comes from the data (negative depths)"


def test_points_of_an_annotation_table_match_its_rows(api_client) -> None:
    tables = [c for c in api_client.get("/api/collections").json() if c["kind"] == "table" and not c["locked"]]
    assert tables
    fc = api_client.get(f"/api/collections/{tables[0]['id']}/points").json()
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) > 1000
    lon, lat = fc["features"][0]["geometry"]["coordinates"]
    assert -8.6 < lon < -7.4 and 49.9 < lat < 50.7


def test_density_by_substratum_equals_a_direct_pandas_computation(api_client, demo_catalog) -> None:
    from mpa_backend.catalog import get_catalogue
    from mpa_backend.tables import annotation_table, taxa_of

    table_id = next(c["id"] for c in api_client.get("/api/collections").json() if c["kind"] == "table" and not c["locked"])
    collection = get_catalogue().collections[table_id]
    frame = annotation_table(collection)
    taxa = taxa_of(collection, frame)
    expected = frame[taxa].sum(axis=1).groupby(frame["substratum"]).sum() / frame.groupby("substratum")["area_seabed_m2"].sum()
    got = pd.Series({r["substratum"]: r["density_per_m2"] for r in api_client.get(f"/api/stats/{table_id}/density").json()})
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False, rtol=1e-12)


def test_unknown_collection_is_a_404_naming_it(api_client) -> None:
    resp = api_client.get("/api/collections/no-such-layer/points")
    assert resp.status_code == 404
    assert "no-such-layer" in resp.json()["detail"]


def test_restricted_points_are_refused_to_anonymous_callers(api_client) -> None:
    locked = [c for c in api_client.get("/api/collections").json() if c["locked"]]
    for c in locked:
        resp = api_client.get(f"/api/collections/{c['id']}/points")
        assert resp.status_code == 401
        assert "features" not in resp.text


def test_readiness_reports_the_catalogue(api_client) -> None:
    body = api_client.get("/readyz").json()
    assert body["status"] == "ok" and body["collections"] >= 5


def test_site_is_derived_from_the_catalogue_extent(api_client) -> None:
    site = api_client.get("/api/site").json()
    west, south, east, north = site["bbox"]
    lon, lat = site["center"]
    assert west < lon < east and south < lat < north
    assert -8.6 < lon < -7.6 and 50.0 < lat < 50.6, "the demo is centred on Haig Fras"


def test_locked_layers_carry_nothing_derived_from_their_data(api_client) -> None:
    locked = [layer for layer in api_client.get("/api/layers").json() if layer["locked"]]
    assert locked, "the demo's sidescan is restricted"
    for layer in locked:
        assert layer["tiles"] == [] and layer["tilejson"] is None and layer["data"] is None
        assert layer["render"] == {} and layer["legend"] is None and layer["items"] == []


def test_vector_layers_take_their_zoom_range_from_the_published_tiles(api_client, demo_catalog) -> None:
    from mpa_backend.catalog import get_catalogue

    snapshot = get_catalogue()
    for layer in api_client.get("/api/layers").json():
        if layer["type"] != "vector" or layer["locked"]:
            continue
        props = snapshot.collections[layer["id"]].items[layer["items"][0]].stac["properties"]
        assert (layer["minzoom"], layer["maxzoom"]) == (props["mpa:minzoom"], props["mpa:maxzoom"])

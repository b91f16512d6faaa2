"""The STAC API as pystac-client sees it: conformance, collections, paged item search by bbox /
datetime / ids / collections, GET and POST, per-caller visibility and rewritten asset hrefs."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pystac_client import Client
from shapely.geometry import box, shape

from tests.backend.test_access_support import (
    DEPOSITOR,
    Backend,
    MiniCatalog,
    sign_in,
    start_backend,
    write_mini_catalog,
)


@pytest.fixture(scope="module")
def mini_catalog(tmp_path_factory) -> MiniCatalog:
    return write_mini_catalog(tmp_path_factory.mktemp("stac-catalog") / "store")


@pytest.fixture(scope="module")
def backend(mini_catalog, oidc_provider, tmp_path_factory) -> Iterator[Backend]:
    tmp = tmp_path_factory.mktemp("stac")
    server = start_backend(tmp, mini_catalog.url, f"sqlite:///{tmp / 'stac.sqlite'}", oidc_provider)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def depositor_headers(backend, oidc_provider) -> dict[str, str]:
    client = sign_in(backend, oidc_provider, DEPOSITOR)
    token = client.post("/api/token", params={"audience": "mpa-api"}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _published_items(mini_catalog: MiniCatalog, collections: set[str]) -> dict[str, dict]:
    """Independent view of the published items: read the JSON files straight from the store."""
    import json

    found = {}
    for path in mini_catalog.root.glob("collections/*/*/items/*.json"):
        doc = json.loads(path.read_text())
        if doc["collection"] in collections:
            found[doc["id"]] = doc
    return found


def test_landing_page_conforms_and_links(backend) -> None:
    client = Client.open(f"{backend.url}/api/stac")
    for cls in ("core", "collections", "item-search", "ogcapi-features"):
        assert any(c.endswith(f"/v1.0.0/{cls}") for c in client.get_conforms_to()), cls
    assert {link.rel for link in client.links} >= {"self", "root", "conformance", "data", "search", "child"}


def test_anonymous_collections_show_locked_restricted_metadata_only(backend) -> None:
    client = Client.open(f"{backend.url}/api/stac")
    collections = {c.id: c for c in client.get_collections()}
    assert set(collections) == {"hf-bathymetry", "hf-sidescan", "hf-annotations"}
    assert collections["hf-sidescan"].extra_fields["mpa:locked"] is True
    assert collections["hf-bathymetry"].extra_fields["mpa:locked"] is False
    assert not collections["hf-sidescan"].get_links("items")
    assert "mpa:taxa" not in collections["hf-annotations"].extra_fields, "a locked table does not list its taxa"
    assert collections["hf-annotations"].extra_fields["mpa:depositor"] == DEPOSITOR, "but says whom to ask"
    r = httpx.get(f"{backend.url}/api/stac/collections/hf-sidescan/items")
    assert r.status_code == 401


def test_granted_callers_see_the_full_collection(backend, depositor_headers) -> None:
    signed = Client.open(f"{backend.url}/api/stac", headers=depositor_headers)
    annotations = signed.get_collection("hf-annotations")
    assert annotations.extra_fields["mpa:locked"] is False
    assert annotations.extra_fields["mpa:taxa"] == ["taxon_a", "taxon_b"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_pages_through_what_the_caller_may_see(backend, mini_catalog, depositor_headers, method) -> None:
    anon = Client.open(f"{backend.url}/api/stac")
    search = anon.search(limit=1, method=method)
    ids = [item.id for item in search.items()]
    assert ids == sorted(_published_items(mini_catalog, {"hf-bathymetry"})), "public only, every page followed"
    assert search.matched() == 2

    signed = Client.open(f"{backend.url}/api/stac", headers=depositor_headers)
    everything = [i.id for i in signed.search(limit=2, method=method).items()]
    assert sorted(everything) == sorted(_published_items(mini_catalog, {"hf-bathymetry", "hf-sidescan", "hf-annotations"}))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_bbox_datetime_ids_filters_match_an_independent_selection(backend, mini_catalog, depositor_headers, method) -> None:
    signed = Client.open(f"{backend.url}/api/stac", headers=depositor_headers)
    published = _published_items(mini_catalog, {"hf-sidescan", "hf-bathymetry"})
    area = [-8.205, 50.195, -8.165, 50.235]
    expected = sorted(i for i, d in published.items() if shape(d["geometry"]).intersects(box(*area)))
    assert expected and len(expected) < len(published), "the box selects some items, not all"
    got = sorted(i.id for i in signed.search(bbox=area, collections=["hf-sidescan", "hf-bathymetry"], method=method).items())
    assert got == expected

    window = "2015-08-16T00:00:00Z/2015-08-17T23:59:59Z"
    expected = sorted(i for i, d in published.items() if "2015-08-16" <= d["properties"]["datetime"][:10] <= "2015-08-17")
    assert expected == ["hf-sidescan-01", "hf-sidescan-02"]
    got = sorted(i.id for i in signed.search(datetime=window, method=method).items())
    assert got == expected

    got = [i.id for i in signed.search(ids=["hf-sidescan-02", "hf-bathymetry-00"], method=method).items()]
    assert sorted(got) == ["hf-bathymetry-00", "hf-sidescan-02"]


def test_items_are_valid_and_assets_point_at_the_download_route(backend, depositor_headers) -> None:
    signed = Client.open(f"{backend.url}/api/stac", headers=depositor_headers)
    item = next(signed.get_collection("hf-sidescan").get_items())
    item.validate()
    for key, asset in item.assets.items():
        assert asset.href == f"{backend.url}/api/collections/hf-sidescan/items/{item.id}/assets/{key}"
    assert httpx.get(item.assets["data"].href).status_code == 401
    r = httpx.get(item.assets["data"].href, headers=depositor_headers)
    assert r.status_code == 200 and r.content[:4] in (b"II*\x00", b"MM\x00*")
    one = signed.get_collection("hf-sidescan").get_item("hf-sidescan-01")
    assert one is not None and one.id == "hf-sidescan-01"


def test_bad_search_parameters_are_400_with_the_reason(backend) -> None:
    url = f"{backend.url}/api/stac/search"
    r = httpx.get(url, params={"bbox": "a,b,c,d"})
    assert r.status_code == 400 and "bbox" in r.json()["detail"]
    r = httpx.get(url, params={"bbox": "1,2,3"})
    assert r.status_code == 400 and "bbox" in r.json()["detail"]
    r = httpx.get(url, params={"datetime": "last tuesday"})
    assert r.status_code == 400 and "datetime" in r.json()["detail"]
    r = httpx.get(url, params={"datetime": "2016-01-01T00:00:00Z/2012-01-01T00:00:00Z"})
    assert r.status_code == 400 and "after" in r.json()["detail"]
    r = httpx.get(url, params={"token": "../../etc"})
    assert r.status_code == 400 and "token" in r.json()["detail"]
    r = httpx.post(url, json={"limit": 0})
    assert r.status_code == 422
    assert httpx.get(f"{backend.url}/api/stac/collections/nope").status_code == 404

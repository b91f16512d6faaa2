"""Attack 1 for a restricted annotation table (the demo's tables are public): statistics, points,
survey options and downloads refuse it, and no listing names its taxa."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.backend.test_access_support import (
    DEPOSITOR,
    Backend,
    sign_in,
    start_backend,
    valid_orcid,
    write_mini_catalog,
)

TABLE = "hf-annotations"
TAXA = ("taxon_a", "taxon_b")


@pytest.fixture(scope="module")
def mini_backend(oidc_provider, tmp_path_factory) -> Iterator[Backend]:
    tmp = tmp_path_factory.mktemp("security-table")
    catalog = write_mini_catalog(tmp / "store")
    server = start_backend(tmp, catalog.url, f"sqlite:///{tmp / 'access.sqlite'}", oidc_provider)
    yield server
    server.stop()


def _doors(client: httpx.Client) -> list[httpx.Response]:
    item = f"{TABLE}-00"
    return [
        client.get(f"/api/stats/{TABLE}/options"),
        client.get(f"/api/stats/{TABLE}/density"),
        client.get(f"/api/stats/{TABLE}/density", params={"format": "csv"}),
        client.get(f"/api/stats/{TABLE}/summary"),
        client.post(f"/api/stats/{TABLE}/summary", json={}),
        client.post(f"/api/stats/{TABLE}/rarefaction", json={}),
        client.post(f"/api/stats/{TABLE}/cumulative", json={}),
        client.post(f"/api/stats/{TABLE}/unit-size", json={}),
        client.post(f"/api/stats/{TABLE}/power/simulation", json={"delta_percent": 20}),
        client.post("/api/stats/compare", json={"a": {"collection": TABLE}, "b": {"collection": TABLE}}),
        client.get(f"/api/collections/{TABLE}/points"),
        client.get(f"/api/collections/{TABLE}/items/{item}/assets/data"),
        client.get(f"/api/stac/collections/{TABLE}/items/{item}"),
    ]


def test_depositor_sees_the_taxa(mini_backend, oidc_provider) -> None:
    depositor = sign_in(mini_backend, oidc_provider, DEPOSITOR)
    try:
        options = depositor.get(f"/api/stats/{TABLE}/options")
        assert options.status_code == 200 and set(TAXA) <= set(options.json()["taxa"]), "control"
    finally:
        depositor.close()


@pytest.mark.parametrize("caller", ["anonymous", "no-grant"])
def test_restricted_table_doors_closed_and_taxa_unnamed(mini_backend, oidc_provider, caller) -> None:
    client = (httpx.Client(base_url=mini_backend.url, timeout=30) if caller == "anonymous"
              else sign_in(mini_backend, oidc_provider, valid_orcid()))
    try:
        for r in _doors(client):
            assert r.status_code in (401, 403), f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:200]}"
            assert not any(t in r.text for t in TAXA), r.request.url
        for path in ("/api/collections", "/api/layers", "/api/stac/collections", f"/api/stac/collections/{TABLE}",
                     "/api/me", "/api/stac/search?limit=1000"):
            r = client.get(path)
            assert r.status_code == 200 and not any(t in r.text for t in TAXA), path
    finally:
        client.close()

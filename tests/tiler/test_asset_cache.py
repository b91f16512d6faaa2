"""Verified local copies of assets: rasters of an S3 store move to local disk after one download.

Real parts: the COGs sit in a real SeaweedFS bucket; GDAL reads them by range requests until the
copy is complete and from the copy afterwards, and both give the same tiles.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from concurrent.futures import Executor, Future
from pathlib import Path

import morecantile
import pytest
from fastapi.testclient import TestClient
from rio_tiler.io import STACReader

from mpa_tiler.asset_cache import AssetCache, AssetCopyError
from mpa_tiler.catalog import Catalogue
from mpa_tiler.main import create_app
from mpa_tiler.reader import CatalogueItemReader
from mpa_tiler.settings import Settings
from mpa_tiler.store import Store
from tests.tiler.helpers import bathy_url, inner_tile

COPY_WAIT_S = 60  # bound on waiting for a background copy of a small test COG


def _copies_app(s3_settings: Settings, tmp_path: Path, **overrides) -> tuple[TestClient, AssetCache]:
    settings = s3_settings.model_copy(update={"cache_dir": tmp_path / "cache", **overrides})
    app = create_app(settings)
    return TestClient(app), app.state.catalogue.copies


def _layer(cat: Catalogue, catalogue, what: str):
    return cat.layer(*catalogue.ids[what])


def _bathy_asset(client: TestClient, catalogue) -> dict:
    return _layer(client.app.state.catalogue, catalogue, "bathy").item["assets"]["data"]


@pytest.mark.s3
def test_s3_raster_is_copied_once_and_then_read_locally(s3_settings, catalogue, tmp_path):
    client, copies = _copies_app(s3_settings, tmp_path)
    t = inner_tile(catalogue, 13)
    url = f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.npy"

    from_s3 = client.get(url)  # served by range requests; starts the copy
    assert from_s3.status_code == 200
    asset = _bathy_asset(client, catalogue)
    local = copies.fetch_async(asset, ".tif").result(timeout=COPY_WAIT_S)

    assert local.read_bytes() == catalogue.bathy_cog.read_bytes()
    assert hashlib.sha256(local.read_bytes()).hexdigest() == asset["file:checksum"][4:]
    assert sorted(p.name for p in local.parent.iterdir()) == [local.name]  # one copy, no leftovers

    layer = _layer(client.app.state.catalogue, catalogue, "bathy")
    with CatalogueItemReader(layer) as src:
        assert src._get_asset_info("data")["url"] == str(local)
    # npy carries the values: a tile read from the copy equals the one read from S3
    again = client.get(url.replace(".npy", ".npy?tilesize=256"))
    assert again.status_code == 200 and again.content == from_s3.content


@pytest.mark.s3
def test_copies_switched_off_or_too_large_rasters_stay_in_the_store(s3_settings, catalogue, tmp_path):
    t = inner_tile(catalogue, 12)
    for overrides in ({"local_copy_max_bytes": 0}, {"local_copy_max_bytes": 1024}):
        client, copies = _copies_app(s3_settings, tmp_path / str(overrides["local_copy_max_bytes"]), **overrides)
        assert client.get(f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png").status_code == 200
        assert copies.raster_path(_bathy_asset(client, catalogue)) is None
        assert not copies.folder.exists() or not any(copies.folder.iterdir())


def _corrupted_store_copy(catalogue, tmp_path: Path) -> tuple[Catalogue, dict, Path, bytes]:
    """A copy of the store whose bathymetry COG no longer matches its checksum: (catalogue, asset,
    published file, its good bytes)."""
    store = tmp_path / "store"
    shutil.copytree(catalogue.root, store)
    cat = Catalogue(Store(Settings(catalog_url=f"file://{store}")))
    asset = _layer(cat, catalogue, "bathy").item["assets"]["data"]
    published = Path(asset["href"].removeprefix("file://"))
    good = published.read_bytes()
    published.write_bytes(good[:-10] + b"\0" * 10)
    return cat, asset, published, good


def test_a_copy_that_does_not_match_its_checksum_is_never_kept(catalogue, tmp_path):
    cat, asset, _, _ = _corrupted_store_copy(catalogue, tmp_path)

    copies = AssetCache(cat.store, tmp_path / "copies", max_bytes=10**9, max_copy_bytes=10**9)
    with pytest.raises(AssetCopyError, match="does not match its file:checksum"):
        copies.fetch(asset, ".tif")
    assert not any((tmp_path / "copies").iterdir())  # neither the copy nor a partial file


def test_an_asset_without_a_sha256_checksum_is_not_copied(catalogue, tmp_path):
    cat = Catalogue(Store(Settings(catalog_url=f"file://{catalogue.root}")))
    asset = dict(_layer(cat, catalogue, "bathy").item["assets"]["data"])
    copies = AssetCache(cat.store, tmp_path / "copies", max_bytes=10**9, max_copy_bytes=10**9)
    for checksum in (None, "1220" + "0" * 63, "1114" + "0" * 64, "1220" + "G" * 64):
        asset["file:checksum"] = checksum
        with pytest.raises(AssetCopyError, match="checksum"):
            copies.fetch(asset, ".tif")


def test_least_recently_used_copies_are_evicted_beyond_the_budget(catalogue, tmp_path):
    cat = Catalogue(Store(Settings(catalog_url=f"file://{catalogue.root}")))
    assets = [_layer(cat, catalogue, "bathy").item["assets"]["data"],
              cat.layer("habitat-map", "habitat-map").item["assets"]["mvt"],
              cat.layer("habitat-map", "habitat-map").item["assets"]["geojson"]]
    s0, s1, s2 = (a["file:size"] for a in assets)
    budget = s0 + max(s1, s2)  # any two copies fit with the first; all three do not
    copies = AssetCache(cat.store, tmp_path / "copies", max_bytes=budget, max_copy_bytes=10**9)
    first = copies.fetch(assets[0], ".tif")
    second = copies.fetch(assets[1], ".mbtiles")
    copies._touch(first, force=True)  # the first is used again: now the second is the least recent
    third = copies.fetch(assets[2], ".geojson")
    kept = {p.name for p in copies.folder.iterdir()}
    assert third.name in kept and first.name in kept and second.name not in kept
    assert sum(p.stat().st_size for p in copies.folder.iterdir()) <= budget


@pytest.mark.parametrize("tms_id", ["WebMercatorQuad", "WorldCRS84Quad"])
def test_reader_geometry_memo_equals_a_fresh_stac_reader(catalogue, tms_id):
    cat = Catalogue(Store(Settings(catalog_url=f"file://{catalogue.root}")))
    layer = _layer(cat, catalogue, "bathy")
    tms = morecantile.tms.get(tms_id)
    fresh = STACReader(None, item=layer.stac_item, tms=tms)
    for _ in range(2):  # the second reader is built from the memo
        with CatalogueItemReader(layer, tms=tms) as src:
            assert (src.bounds, src.crs, src.minzoom, src.maxzoom, src.assets) == \
                   (fresh.bounds, fresh.crs, fresh.minzoom, fresh.maxzoom, fresh.assets)
    assert len(layer.memo) == 1


def test_a_failed_copy_is_not_retried_until_its_retry_time(catalogue, tmp_path):
    """A corrupt asset must not be downloaded again for every tile that asks for it."""
    cat, asset, published, good = _corrupted_store_copy(catalogue, tmp_path)

    patient = AssetCache(cat.store, tmp_path / "a", max_bytes=10**9, max_copy_bytes=10**9, retry_after_s=3600)
    eager = AssetCache(cat.store, tmp_path / "b", max_bytes=10**9, max_copy_bytes=10**9, retry_after_s=0)
    for copies in (patient, eager):
        with pytest.raises(AssetCopyError, match="does not match"):
            copies.fetch(asset, ".tif")
    published.write_bytes(good)  # the store is repaired
    with pytest.raises(AssetCopyError, match="not retried for 3600 s"):
        patient.fetch(asset, ".tif")
    assert not any(patient.folder.iterdir())
    assert eager.fetch(asset, ".tif").read_bytes() == good


class _InlineExecutor(Executor):
    """Runs each job before ``submit`` returns, as a fast pool thread may: the download is over
    before the cache has watched its future."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 (handed to the future like a pool would)
            future.set_exception(exc)
        return future


def _fetch_in_a_thread(copies: AssetCache, asset: dict) -> Path | BaseException:
    outcome: list[Path | BaseException] = []

    def run() -> None:
        try:
            outcome.append(copies.fetch(asset, ".tif"))
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(COPY_WAIT_S)
    assert not worker.is_alive(), "fetch deadlocked on a download that finished before it was watched"
    return outcome[0]


def test_a_download_that_finishes_at_once_is_settled_without_deadlock(catalogue, tmp_path):
    cat, asset, published, good = _corrupted_store_copy(catalogue, tmp_path)
    copies = AssetCache(cat.store, tmp_path / "copies", max_bytes=10**9, max_copy_bytes=10**9, retry_after_s=3600)
    copies._pool = _InlineExecutor()

    failed = _fetch_in_a_thread(copies, asset)
    assert isinstance(failed, AssetCopyError) and "does not match" in str(failed)
    published.write_bytes(good)
    again = _fetch_in_a_thread(copies, asset)  # the failure was settled: remembered, not in flight
    assert isinstance(again, AssetCopyError) and "not retried" in str(again)
    assert not copies._inflight

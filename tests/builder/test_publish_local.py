"""Publishing real batches into a local store gives the STAC tree docs/architecture.md promises."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pystac
import pytest
import rasterio
from rio_cogeo.cogeo import cog_validate

from mpa_builder.pipeline import publish_batches
from mpa_builder.stac_check import check_store, offline_validation
from mpa_builder.store import Store
from tests.builder.batches import TAXA


@pytest.fixture(scope="module")
def store(full_batch, raster_batch, tmp_path_factory) -> Path:
    import yaml

    restricted = tmp_path_factory.mktemp("r") / "hf2015-mbes"
    import shutil

    shutil.copytree(raster_batch, restricted)
    m = yaml.safe_load((restricted / "batch.yaml").read_text())
    m["access"] = "restricted"
    (restricted / "batch.yaml").write_text(yaml.safe_dump(m))
    root = tmp_path_factory.mktemp("store")
    res = publish_batches([full_batch, restricted], Store(str(root)), workers=2)
    assert res.version == 1
    return root


def _coll(store: Path, cid: str) -> tuple[dict, Path]:
    root = json.loads((store / "catalog.json").read_text())
    link = next(li for li in root["links"] if li["rel"] == "child" and f"/{cid}/" in li["href"])
    p = store / link["href"]
    return json.loads(p.read_text()), p.parent


def _items(folder: Path) -> list[tuple[dict, Path]]:
    return [(json.loads(p.read_text()), p) for p in sorted((folder / "items").glob("*.json"))]


def _asset_path(item_path: Path, asset: dict) -> Path:
    return (item_path.parent / asset["href"]).resolve()


def test_tree_is_valid_stac_and_meets_the_contract(store):
    assert check_store(Store(str(store)), checksums=True) == []
    cat = pystac.Catalog.from_file(str(store / "catalog.json"))
    with offline_validation():
        n = cat.validate_all()
    assert n == 7  # 5 collections: 1 + 3 + 1 + 1 + 1 items
    root = json.loads((store / "catalog.json").read_text())
    assert root["mpa:version"] == 1 and root["stac_version"] == "1.1.0"
    for doc in store.rglob("*.json"):
        for link in json.loads(doc.read_text()).get("links", []):
            if link["rel"] != "license":
                assert "://" not in link["href"], (doc, link)


def test_restricted_layers_live_under_restricted(store):
    coll, folder = _coll(store, "hf2015-mbes-bathymetry")
    assert coll["mpa:access"] == "restricted"
    assert folder.relative_to(store).parts[0] == "restricted"
    for item, path in _items(folder):
        for asset in item["assets"].values():
            assert _asset_path(path, asset).relative_to(store).parts[:2] == ("restricted", "assets")
    public, pfolder = _coll(store, "hf2012-auv-bathymetry")
    assert public["mpa:access"] == "public" and pfolder.relative_to(store).parts[0] == "collections"


def test_bathymetry_cog_lossless_with_overviews_and_facts(store, full_batch):
    coll, folder = _coll(store, "hf2012-auv-bathymetry")
    assert coll["mpa:kind"] == "raster" and coll["mpa:theme"] == "bathymetry" and coll["mpa:units"] == "m"
    [(item, path)] = _items(folder)
    data = item["assets"]["data"]
    cog = _asset_path(path, data)
    assert cog_validate(str(cog), quiet=True)[0]
    raw = cog.read_bytes()
    assert data["file:checksum"] == "1220" + hashlib.sha256(raw).hexdigest()
    assert data["file:size"] == len(raw)
    with rasterio.open(full_batch / "bathy" / "bathy_a.tif") as src, rasterio.open(cog) as dst:
        assert dst.block_shapes[0] == (512, 512)
        assert dst.overviews(1), "internal overviews are always written"
        assert dst.profile["compress"] == "deflate" and dst.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR") == "3"
        a, b = src.read(1), dst.read(1)
        assert np.array_equal(a, b), "bathymetry must be lossless"
        assert dst.nodata == -9999.0
        valid = a[a != -9999.0].astype("float64")
        first_block = int(dst.get_tag_item("BLOCK_OFFSET_0_0", "TIFF", bidx=1))
    p2, p98 = np.percentile(valid, [2, 98])
    [[lo, hi]] = coll["renders"]["default"]["rescale"]
    assert lo == pytest.approx(p2, abs=1e-3) and hi == pytest.approx(p98, abs=1e-3)
    assert coll["renders"]["default"]["assets"] == ["data"]
    stats = data["raster:bands"][0]["statistics"]
    assert stats["minimum"] == pytest.approx(valid.min()) and stats["maximum"] == pytest.approx(valid.max())
    assert stats["mean"] == pytest.approx(valid.mean(), rel=1e-6)
    assert 0 < data["file:header_size"] <= first_block
    assert item["properties"]["proj:code"] == "EPSG:32629"
    assert item["properties"]["proj:shape"] == [600, 800]
    prov = item["properties"]["mpa:provenance"]
    src_sha = hashlib.sha256((full_batch / "bathy" / "bathy_a.tif").read_bytes()).hexdigest()
    assert prov["sources"] == [{"file": "bathy/bathy_a.tif", "sha256": src_sha}]
    assert prov["batch"] == "hf2012-auv" and prov["builder"].startswith("mpa-catalog-builder ")
    thumb = _asset_path(path, item["assets"]["thumbnail"])
    assert thumb.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Haig Fras: the footprint is where the data is
    minx, miny, maxx, maxy = item["bbox"]
    assert -8.3 < minx < maxx < -7.9 and 50.2 < miny < maxy < 50.4


def test_images_are_jpeg_cogs_with_an_internal_mask_and_jpeg_thumbnails(store):
    _, folder = _coll(store, "hf2012-auv-images")
    items = _items(folder)
    assert len(items) == 3
    for item, path in items:
        cog = _asset_path(path, item["assets"]["data"])
        with rasterio.open(cog) as ds:
            assert ds.profile["compress"] == "jpeg"
            assert ds.nodata is None
            assert all(rasterio.enums.MaskFlags.per_dataset in f for f in ds.mask_flag_enums)
        assert _asset_path(path, item["assets"]["thumbnail"]).read_bytes()[:3] == b"\xff\xd8\xff"
        assert item["geometry"]["type"] == "Polygon"


def test_vector_layer_has_mbtiles_with_64k_pages_and_geojson(store, full_batch):
    coll, folder = _coll(store, "hf2012-auv-habitats")
    assert coll["mpa:theme"] == "habitat"
    assert [c["value"] for c in coll["mpa:classes"]] == ["A4.1", "A5.1", "A5.2"]
    assert all(c["color"].startswith("#") and c["label"] for c in coll["mpa:classes"])
    [(item, path)] = _items(folder)
    mbt = _asset_path(path, item["assets"]["mvt"])
    con = sqlite3.connect(mbt)
    assert con.execute("PRAGMA page_size").fetchone()[0] == 65536
    meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
    assert json.loads(meta["json"])["vector_layers"][0]["id"] == "hf2012-auv-habitats"
    assert (int(meta["minzoom"]), int(meta["maxzoom"])) == (4, 14)
    assert con.execute("SELECT count(*) FROM tiles WHERE zoom_level = 10").fetchone()[0] > 0
    con.close()
    gj = json.loads(_asset_path(path, item["assets"]["geojson"]).read_text())
    src = gpd.read_file(full_batch / "habitats.gpkg").to_crs(4326)
    assert len(gj["features"]) == len(src) == item["properties"]["mpa:feature_count"]


def test_table_becomes_typed_geoparquet(store, full_batch):
    coll, folder = _coll(store, "hf2012-auv-annotations")
    assert coll["mpa:taxa"] == TAXA
    [(item, path)] = _items(folder)
    gdf = gpd.read_parquet(_asset_path(path, item["assets"]["data"]))
    csv = pd.read_csv(full_batch / "annotations.csv")
    assert gdf.crs.to_epsg() == 4326 and list(gdf.geometry.geom_type.unique()) == ["Point"]
    for t in TAXA:
        assert str(gdf[t].dtype) == "int64" and gdf[t].sum() == csv[t].sum()
    assert list(gdf.columns[:9]) == ["filename", "id_image", "datetime", "latitude", "longitude", "depth_m",
                                    "area_seabed_m2", "substratum", "habitat"]
    assert np.allclose(gdf.geometry.x, csv["longitude"]) and np.allclose(gdf.geometry.y, csv["latitude"])
    assert item["properties"]["start_datetime"].startswith("2012-08-15T10:00:00")


def test_tree_passes_stac_validator_recursively(store, tmp_path):
    """The independent validator (stac-validator CLI), fed the same schemas offline."""
    import subprocess
    import sys

    from mpa_builder.stac_check import stac_validator_schema_map

    args = [str(Path(sys.executable).parent / "stac-validator"), "validate", str(store / "catalog.json"),
            "--recursive", "--no-assets-urls"]
    for url, path in stac_validator_schema_map(tmp_path / "schemas").items():
        args += ["-s", url, path]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Stac objects passed: 13/13 (100.0%)" in proc.stdout

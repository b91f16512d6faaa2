"""raster:bands statistics are complete wherever they are written, so rio-tiler takes them.

rio-tiler's STACReader uses the STAC statistics only when every band has a numeric minimum and
maximum, and otherwise warns "Some statistics data in STAC are invalid". The builder computes
statistics from a decimated read; a sparse raster (one valid pixel here) used to get only
`valid_percent: 0`, which is what made rio-tiler warn.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pystac
import pytest
import rasterio
from rasterio.transform import from_origin
from rio_tiler.io import STACReader

from mpa_builder.build import build
from mpa_builder.convert.raster import decimated_read, raster_to_cog
from mpa_builder.describe import STATISTICS, _raster_bands
from tests.builder.batches import X0, Y0, manifest, write_photo

SURVEY = "hf2014-photos"
SPARSE = 3000  # wider than the 1024-px statistics read, so that read skips pixels
PIXEL = (1501, 1502)  # the one valid pixel: one that read misses (asserted below, it depends on GDAL)
VALUE = 100


def write_sparse_photo(path: Path) -> None:
    """An RGB photo whose internal mask keeps one pixel."""
    rgb = np.full((3, SPARSE, SPARSE), VALUE, "uint8")
    mask = np.zeros((SPARSE, SPARSE), "uint8")
    mask[PIXEL] = 255
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), rasterio.open(
            path, "w", driver="GTiff", height=SPARSE, width=SPARSE, count=3, dtype="uint8", crs="EPSG:32629",
            transform=from_origin(X0, Y0 - 200, 0.01, 0.01), photometric="RGB") as dst:
        dst.write(rgb)
        dst.write_mask(mask)


def write_sparse_depths(path: Path) -> None:
    """A float grid that is nodata except one cell: a survey line's worth of data in a big frame."""
    z = np.full((SPARSE, SPARSE), -9999.0, "float32")
    z[PIXEL] = -80.5
    with rasterio.open(path, "w", driver="GTiff", height=SPARSE, width=SPARSE, count=1, dtype="float32",
                       crs="EPSG:32629", transform=from_origin(X0, Y0, 1.0, 1.0), nodata=-9999.0) as dst:
        dst.write(z, 1)


@pytest.fixture(scope="module")
def stage(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("batches") / SURVEY
    for i in range(2):
        write_photo(folder / "images" / f"img_{i:04d}.tif", i=i)
    write_sparse_photo(folder / "images" / "sparse.tif")
    write_sparse_depths(folder / "line.tif")
    # the case under test: the decimated read statistics start from finds no valid pixel
    for src, profile in ((folder / "images" / "sparse.tif", "jpeg"), (folder / "line.tif", None)):
        cog = tmp_path_factory.mktemp("cog") / "cog.tif"
        raster_to_cog(src, cog, profile=profile)
        with rasterio.open(cog) as ds:
            assert decimated_read(ds).count() == 0, f"{src.name}: choose another PIXEL"
    manifest(folder, SURVEY, [{"id": f"{SURVEY}-images", "kind": "images", "files": ["images/*.tif"]},
                              {"id": f"{SURVEY}-line", "kind": "raster", "files": ["line.tif"]}])
    return build(folder, tmp_path_factory.mktemp("stage") / "stage", workers=1).stage


def _items(stage: Path, layer: str) -> dict[str, Path]:
    return {p.stem: p for p in sorted(stage.glob(f"collections/{layer}/*/items/*.json"))}


def _read_info(item_path: Path) -> tuple[list[warnings.WarningMessage], dict]:
    """What rio-tiler makes of the item's data asset, and the warnings it gave on the way."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with STACReader(str(item_path)) as reader:
            asset_info = reader._get_asset_info("data")
            reader.info(assets=["data"])
    return [w for w in seen if "statistics" in str(w.message).lower()], asset_info


def test_image_items_have_complete_statistics_that_rio_tiler_takes(stage):
    items = _items(stage, f"{SURVEY}-images")
    assert set(items) == {"img-0000", "img-0001", "sparse"}
    for name, path in items.items():
        bands = json.loads(path.read_text())["assets"]["data"]["raster:bands"]
        assert len(bands) == 3, name
        for band in bands:
            stats = band["statistics"]
            assert set(stats) == set(STATISTICS), (name, stats)
            assert all(isinstance(stats[k], (int, float)) for k in STATISTICS), (name, stats)
            assert 0 <= stats["minimum"] <= stats["mean"] <= stats["maximum"] <= 255, (name, stats)
        stac_warnings, info = _read_info(path)
        assert stac_warnings == [], (name, [str(w.message) for w in stac_warnings])
        assert info["dataset_statistics"] == [(b["statistics"]["minimum"], b["statistics"]["maximum"]) for b in bands]


def test_a_sparse_photo_gets_its_statistics_from_the_full_resolution(stage):
    bands = json.loads(_items(stage, f"{SURVEY}-images")["sparse"].read_text())["assets"]["data"]["raster:bands"]
    for band in bands:
        stats = band["statistics"]
        assert stats["minimum"] == stats["maximum"] == stats["mean"], stats  # one pixel
        assert abs(stats["minimum"] - VALUE) <= 8, stats  # JPEG moves a flat colour only a little
        assert stats["stddev"] == 0 and 0 <= stats["valid_percent"] < 0.01


def test_a_sparse_grid_gets_statistics_and_a_render_rescale(stage):
    [path] = _items(stage, f"{SURVEY}-line").values()
    [band] = json.loads(path.read_text())["assets"]["data"]["raster:bands"]
    assert band["statistics"]["minimum"] == band["statistics"]["maximum"] == pytest.approx(-80.5)
    assert band["nodata"] == -9999.0
    coll = json.loads((path.parent.parent / "collection.json").read_text())
    assert coll["renders"]["default"]["rescale"] == [[-80.5, -80.5]]
    stac_warnings, info = _read_info(path)
    assert stac_warnings == [] and info["dataset_statistics"] == [(-80.5, -80.5)]


def test_a_band_with_no_valid_pixel_gets_no_statistics(tmp_path):
    src = tmp_path / "empty.tif"
    with rasterio.open(src, "w", driver="GTiff", height=64, width=64, count=1, dtype="float32", crs="EPSG:32629",
                       transform=from_origin(X0, Y0, 1.0, 1.0), nodata=-9999.0) as dst:
        dst.write(np.full((64, 64), -9999.0, "float32"), 1)
    [band] = raster_to_cog(src, tmp_path / "cog.tif").bands
    assert band.statistics == {"valid_percent": 0.0} and band.p2 is None and band.p98 is None
    asset = pystac.Asset(href="cog.tif")
    _raster_bands(asset, {"bands": [dataclasses.asdict(band)]}, None)
    assert "statistics" not in asset.extra_fields["raster:bands"][0]  # nothing true to state

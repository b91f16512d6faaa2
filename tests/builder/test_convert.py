"""Conversion options checked against the source data: reprojection, LERC tolerance, WebP, long tables."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from rasterio.warp import transform_bounds
from rio_cogeo.cogeo import cog_validate

from mpa_builder.convert.raster import raster_to_cog
from mpa_builder.convert.table import table_to_geoparquet
from mpa_builder.errors import BuildError
from tests.builder.batches import write_bathy, write_photo


@pytest.fixture(scope="module")
def bathy(tmp_path_factory) -> tuple[Path, np.ndarray]:
    path = tmp_path_factory.mktemp("src") / "bathy.tif"
    return path, write_bathy(path, h=700, w=900)


def test_lerc_keeps_the_stated_vertical_tolerance(bathy, tmp_path):
    src, z = bathy
    facts = raster_to_cog(src, tmp_path / "lerc.tif", profile="lerc", max_z_error=0.05)
    assert facts.parameters["max_z_error"] == 0.05
    with rasterio.open(tmp_path / "lerc.tif") as ds:
        assert ds.profile["compress"] == "lerc"
        out = ds.read(1)
    valid = z != -9999.0
    err = np.abs(out[valid].astype("float64") - z[valid].astype("float64"))
    assert err.max() <= 0.05 + 8e-6  # + one float32 ulp at ~90 m
    assert err.max() > 0.01  # and it is really lossy (the tolerance is used)
    assert np.all(out[~valid] == -9999.0)
    lossless = raster_to_cog(src, tmp_path / "deflate.tif")
    assert (tmp_path / "lerc.tif").stat().st_size < (tmp_path / "deflate.tif").stat().st_size
    assert lossless.parameters == {"profile": "deflate", "blocksize": 512, "predictor": 3}


def test_reprojection_through_a_warped_vrt(bathy, tmp_path):
    src, _ = bathy
    facts = raster_to_cog(src, tmp_path / "wgs84.tif", dst_crs="EPSG:4326")
    assert cog_validate(str(tmp_path / "wgs84.tif"), quiet=True)[0]
    with rasterio.open(src) as s, rasterio.open(tmp_path / "wgs84.tif") as d:
        assert d.crs.to_epsg() == 4326 and facts.epsg == 4326
        expected = transform_bounds(s.crs, "EPSG:4326", *s.bounds, densify_pts=21)
        assert np.allclose(d.bounds, expected, atol=2 * abs(d.res[0]))
        assert d.nodata == -9999.0 and d.overviews(1)
        mid = d.read(1, window=((d.height // 2, d.height // 2 + 1), (d.width // 2, d.width // 2 + 1)))
        assert -120 < mid[0, 0] < -60  # depths survived the warp


def test_webp_imagery_has_internal_mask(tmp_path):
    write_photo(tmp_path / "p.tif", i=0)
    facts = raster_to_cog(tmp_path / "p.tif", tmp_path / "p_cog.tif", profile="webp")
    with rasterio.open(tmp_path / "p_cog.tif") as ds:
        assert ds.profile["compress"] == "webp" and ds.nodata is None
        assert ds.count == 3 and ds.dataset_mask().min() == 255
    assert facts.profile == "webp"


def test_jpeg_refuses_float_data(bathy, tmp_path):
    with pytest.raises(BuildError, match="bathy.tif: JPEG needs 8-bit imagery, this raster is float32"):
        raster_to_cog(bathy[0], tmp_path / "x.tif", profile="jpeg")


def test_long_table_is_pivoted_to_wide(tmp_path):
    csv = tmp_path / "long.csv"
    csv.write_text(
        "image,taxon,count,latitude,longitude,area_seabed_m2,substratum\n"
        "a,crab,1,50.30,-8.10,7.3,rock\n"
        "a,sponge,2,50.30,-8.10,7.3,rock\n"
        "b,crab,4,50.31,-8.11,7.1,sand\n"
        "b,crab,1,50.31,-8.11,7.1,sand\n"
    )
    facts = table_to_geoparquet(csv, tmp_path / "t.parquet")
    assert facts.form == "long" and facts.taxa == ["crab", "sponge"] and facts.rows == 2
    gdf = gpd.read_parquet(tmp_path / "t.parquet")
    assert gdf.set_index("id_image")[["crab", "sponge"]].to_dict("index") == {
        "a": {"crab": 1, "sponge": 2}, "b": {"crab": 5, "sponge": 0}}
    assert facts.total_area_m2 == pytest.approx(14.4)


@pytest.mark.parametrize(("driver", "name"), [("ESRI Shapefile", "hab.shp"), ("FlatGeobuf", "hab.fgb"),
                                             ("GeoJSON", "hab.geojson"), ("GPKG", "hab.gpkg")])
def test_every_vector_format_becomes_the_same_tiles(tmp_path, driver, name):
    import sqlite3

    from shapely.geometry import box

    from mpa_builder.convert.vector import vector_to_tiles

    gdf = gpd.GeoDataFrame({"eunis_code": ["A4.1", "A5.27"], "eunis_name": ["Rock", "Sand"]},
                           geometry=[box(-8.2, 50.2, -8.1, 50.3), box(-8.1, 50.2, -8.0, 50.3)], crs="EPSG:4326")
    gdf.to_crs("EPSG:32629").to_file(tmp_path / name, driver=driver)
    facts = vector_to_tiles(tmp_path / name, tmp_path / "t.mbtiles", tmp_path / "t.geojson", layer="hab")
    assert facts.feature_count == 2 and facts.bbox == pytest.approx([-8.2, 50.2, -8.0, 50.3], abs=1e-6)
    assert facts.classes == [{"value": "A4.1", "label": "Rock", "color": "#1b9e77", "field": "eunis_code"},
                             {"value": "A5.27", "label": "Sand", "color": "#d95f02", "field": "eunis_code"}]
    with sqlite3.connect(tmp_path / "t.mbtiles") as con:
        zooms = [z for (z,) in con.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY zoom_level")]
    assert zooms[0] == 4 and zooms[-1] == 14


@pytest.mark.parametrize("profile", ["deflate", "lerc", "jpeg"])
def test_compression_threads_change_no_byte(bathy, tmp_path, profile):
    """build.py hands idle cores to GDAL's compression; the COG must not depend on how many."""
    src = bathy[0]
    if profile == "jpeg":
        src = tmp_path / "photo.tif"
        write_photo(src, i=0)
    opts = {"max_z_error": 0.05} if profile == "lerc" else {}
    one = raster_to_cog(src, tmp_path / "one.tif", profile=profile, threads=1, **opts)
    four = raster_to_cog(src, tmp_path / "four.tif", profile=profile, threads=4, **opts)
    assert (tmp_path / "one.tif").read_bytes() == (tmp_path / "four.tif").read_bytes()
    assert one.parameters == four.parameters and "threads" not in str(one.parameters)

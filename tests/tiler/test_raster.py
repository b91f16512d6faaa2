"""Raster endpoints over catalogue layers: tiles, TileJSON, WMTS, info, statistics, points, crops."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from rasterio.io import MemoryFile

from tests.tiler.helpers import (
    WEB_MERCATOR,
    bathy_url,
    cog_value,
    decode_png,
    inner_tile,
)


@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("webp", b"RIFF"), ("jpeg", b"\xff\xd8"), ("npy", b"\x93NUMPY")])
def test_tile_formats(client, catalogue, fmt, magic):
    t = inner_tile(catalogue, 14)
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.{fmt}")
    assert r.status_code == 200, r.text
    assert r.content.startswith(magic)


def test_npy_tile_holds_the_depths(client, catalogue):
    """The raw NPY tile carries the data values; they must match the COG at the tile's pixel centres."""
    t = inner_tile(catalogue, 14)
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.npy?tilesize=256")
    arr = np.load(io.BytesIO(r.content))
    data, mask = arr[:-1], arr[-1]
    assert data.shape == (1, 256, 256)
    bounds = WEB_MERCATOR.xy_bounds(t)
    from pyproj import Transformer

    to_ll = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    errors = []
    # 256 px at z14 is ~3.8 m: full resolution (5 m), no overview averaging
    for row in range(3, 256, 29):
        for col in range(3, 256, 29):
            x = bounds.left + (col + 0.5) * (bounds.right - bounds.left) / 256
            y = bounds.top - (row + 0.5) * (bounds.top - bounds.bottom) / 256
            lon, lat = to_ll.transform(x, y)
            if mask[row, col]:
                errors.append(abs(float(data[0, row, col]) - cog_value(catalogue, lon, lat)))
    assert len(errors) > 50
    # nearest-neighbour warping: a pixel may come from the neighbouring source pixel (slope 0.12 m/px)
    assert np.median(errors) < 0.2 and max(errors) < 1.5


def test_render_defaults_come_from_the_collection(client, catalogue):
    """No parameters → the collection's renders.default (deep_r over p2–p98) — same bytes as asking for it."""
    t = inner_tile(catalogue, 14)
    base = f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png"
    col = client.get(bathy_url(catalogue, "bathy").replace("/items/hf2012-bathy-tile1", "")).status_code
    assert col in (404, 405)  # there is no collection-level endpoint to leak through
    default = decode_png(client.get(base).content)
    lo, hi = json.loads((catalogue.root / next(catalogue.root.glob("collections/hf2012-bathymetry/*/collection.json")).relative_to(catalogue.root)).read_text())["renders"]["default"]["rescale"][0]
    explicit = decode_png(client.get(f"{base}?assets=data&colormap_name=deep_r&rescale={lo},{hi}").content)
    plain = decode_png(client.get(f"{base}?assets=data&rescale={lo},{hi}&colormap_name=viridis").content)
    assert np.array_equal(default, explicit)
    assert not np.array_equal(default, plain)


def test_nodata_is_transparent(client, catalogue):
    """The NE corner of the COG is nodata: alpha 0 there, opaque over data."""
    t = WEB_MERCATOR.tile(-8.0525, 50.3228, 15)  # inside the nodata corner
    img = decode_png(client.get(f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png").content)
    assert (img[..., 3] == 0).mean() > 0.3
    inner = inner_tile(catalogue, 15)
    img2 = decode_png(client.get(f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{inner.z}/{inner.x}/{inner.y}.png").content)
    assert (img2[..., 3] == 255).all()


def test_cmocean_colormaps_are_registered(client, catalogue):
    t = inner_tile(catalogue, 14)
    base = f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png?rescale=-120,-50"
    seen = {}
    for name in ("deep", "deep_r", "haline", "topo", "thermal", "ice", "dense", "haline_r"):
        r = client.get(f"{base}&colormap_name={name}")
        assert r.status_code == 200, (name, r.text)
        seen[name] = decode_png(r.content)
    assert not np.array_equal(seen["deep"], seen["deep_r"])
    assert not np.array_equal(seen["deep"], seen["haline"])


def test_photo_tile_keeps_its_mask(client, catalogue):
    r = client.get(f"{bathy_url(catalogue, 'photo')}/preview.png?max_size=256")
    img = decode_png(r.content)
    assert img.shape[:2] == (256, 256)
    assert (img[:28, :28, 3] == 0).all()  # masked corner
    assert (img[64:, 64:, 3] == 255).all()
    # red ramps with the column, green with the row (JPEG, so approximately)
    assert abs(int(img[200, 40, 0]) - 40) < 12 and abs(int(img[200, 40, 1]) - 200) < 12


def test_tilejson(client, catalogue):
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/WebMercatorQuad/tilejson.json?tile_format=png")
    assert r.status_code == 200
    tj = r.json()
    assert tj["tilejson"] == "3.0.0"
    assert tj["tiles"][0].startswith("http://testserver/tiles/collections/hf2012-bathymetry/items/hf2012-bathy-tile1/tiles/WebMercatorQuad/{z}/{x}/{y}.png")
    west, south, east, north = tj["bounds"]
    assert -8.09 < west < -8.08 and 50.29 < south < 50.31 and -8.06 < east < -8.04 and 50.32 < north < 50.33
    assert tj["minzoom"] <= 12 and tj["maxzoom"] >= 14
    assert tj["raster_layers"]["stac-default"]["colormap_name"] == "deep_r"


def test_wmts_capabilities(client, catalogue):
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/WMTSCapabilities.xml")
    assert r.status_code == 200
    assert "<Capabilities" in r.text and "WebMercatorQuad" in r.text
    assert "tiles/collections/hf2012-bathymetry/items/hf2012-bathy-tile1/tiles/WebMercatorQuad/{TileMatrix}/{TileCol}/{TileRow}" in r.text


def test_ogc_tilesets(client, catalogue):
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/tiles")
    assert r.status_code == 200
    assert any("WebMercatorQuad" in json.dumps(ts["links"]) for ts in r.json()["tilesets"])
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad")
    assert r.status_code == 200 and r.json()["crs"]


def test_info(client, catalogue):
    info = client.get(f"{bathy_url(catalogue, 'bathy')}/info?assets=data").json()["data"]
    assert info["dtype"] == "float32" and info["nodata_value"] == -9999.0 and info["width"] == 512


def test_statistics_p2_p98(client, catalogue):
    stats = client.get(f"{bathy_url(catalogue, 'bathy')}/statistics?max_size=512").json()
    band = next(iter(stats.values()))
    valid = catalogue.bathy_values[catalogue.bathy_values != -9999]
    p2, p98 = np.percentile(valid, [2, 98])
    assert band["percentile_2"] == pytest.approx(p2, abs=0.05)
    assert band["percentile_98"] == pytest.approx(p98, abs=0.05)
    assert band["count"] == valid.size


@pytest.mark.parametrize("lon,lat", [(-8.075, 50.305), (-8.085, 50.32), (-8.06, 50.302)])
def test_point_values(client, catalogue, lon, lat):
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/point/{lon},{lat}")
    assert r.status_code == 200, r.text
    assert r.json()["values"][0] == pytest.approx(cog_value(catalogue, lon, lat), abs=1e-3)


def test_bbox_crop_in_native_crs_is_exact(client, catalogue):
    url = (f"{bathy_url(catalogue, 'bathy')}/bbox/565100,5574000,565600,5574500.tif"
           "?coord_crs=epsg:32629&dst_crs=epsg:32629")
    r = client.get(url)
    assert r.status_code == 200, r.text
    with MemoryFile(r.content) as mem, mem.open() as ds:
        assert ds.crs.to_epsg() == 32629
        data = ds.read(1)
    np.testing.assert_allclose(data, catalogue.bathy_values[100:200, 20:120])


def test_feature_crop(client, catalogue):
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
        [-8.08, 50.303], [-8.07, 50.303], [-8.07, 50.31], [-8.08, 50.31], [-8.08, 50.303]]]}}
    r = client.post(f"{bathy_url(catalogue, 'bathy')}/feature.png?max_size=128", json=feature)
    assert r.status_code == 200, r.text
    img = decode_png(r.content)
    assert max(img.shape[:2]) == 128 and (img[..., 3] == 255).mean() > 0.9


def test_preview(client, catalogue):
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/preview.png?max_size=200")
    img = decode_png(r.content)
    assert max(img.shape[:2]) == 200


def test_expression(client, catalogue):
    lon, lat = -8.075, 50.305
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/point/{lon},{lat}?expression=b1*-1")
    assert r.status_code == 200, r.text
    assert r.json()["values"][0] == pytest.approx(-cog_value(catalogue, lon, lat), abs=1e-3)

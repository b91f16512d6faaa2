"""What the tiles look like: a golden tile, colours against cmocean directly, legends equal to tiles,
hillshade and Terrarium/terrain-RGB elevation encodings decoded back to depths."""

from __future__ import annotations

import io
import os
from pathlib import Path

import cmocean
import numpy as np

from tests.tiler.helpers import bathy_url, decode_png, inner_tile

GOLDEN = Path(__file__).parent / "golden" / "bathy_default_z14.png"


def _tile(client, catalogue, query="", fmt="png", zoom=14):
    t = inner_tile(catalogue, zoom)
    r = client.get(f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.{fmt}{query}")
    assert r.status_code == 200, r.text
    return r.content


def test_golden_tile(client, catalogue):
    """The default rendering of a known tile, pixel for pixel (±2 per channel), against a committed PNG."""
    got = decode_png(_tile(client, catalogue)).astype(int)
    if os.environ.get("MPA_UPDATE_GOLDEN"):
        GOLDEN.write_bytes(_tile(client, catalogue))
    want = decode_png(GOLDEN.read_bytes()).astype(int)
    assert got.shape == want.shape == (256, 256, 4)
    diff = np.abs(got - want)
    assert (diff <= 2).mean() > 0.999 and diff.max() <= 16


def test_colours_follow_cmocean(client, catalogue):
    """Independent of rio-tiler: value → (v-lo)/(hi-lo) → cmocean's own colormap."""
    lo, hi = -110.0, -60.0
    png = decode_png(_tile(client, catalogue, f"?rescale={lo},{hi}&colormap_name=deep"))
    arr = np.load(io.BytesIO(_tile(client, catalogue, fmt="npy")))
    values, mask = arr[0], arr[-1] > 0
    norm = np.clip((values - lo) / (hi - lo), 0, 1)
    expected = np.round(cmocean.cm.deep(norm)[..., :3] * 255)
    diff = np.abs(png[..., :3].astype(int) - expected)[mask]
    assert mask.mean() > 0.9
    assert np.percentile(diff, 99) <= 4, np.percentile(diff, 99)


def test_legend_png_has_exactly_the_tile_colours(client, catalogue):
    lo, hi = -110.0, -60.0
    tile = decode_png(_tile(client, catalogue, f"?rescale={lo},{hi}&colormap_name=haline"))
    legend = decode_png(client.get(f"/tiles/legend?colormap_name=haline&rescale={lo},{hi}&width=256&height=4").content)
    assert legend.shape == (4, 256, 4)
    legend_colours = {tuple(c) for c in legend[0, :, :3]}
    tile_colours = {tuple(c) for c in tile[tile[..., 3] == 255][:, :3]}
    assert len(tile_colours) > 20
    assert tile_colours <= legend_colours
    # ends of the bar are the ends of the colormap
    from mpa_tiler.colormaps import cmap

    lut = cmap.get("haline")
    assert tuple(legend[0, 0, :3]) == tuple(lut[0][:3]) and tuple(legend[0, -1, :3]) == tuple(lut[255][:3])


def test_legend_json_stops_match_the_png(client):
    stops = client.get("/tiles/legend?colormap_name=deep_r&rescale=-120,-40&f=json&stops=256").json()["stops"]
    png = decode_png(client.get("/tiles/legend?colormap_name=deep_r&rescale=-120,-40&width=256&height=1").content)
    assert [s["value"] for s in (stops[0], stops[-1])] == [-120.0, -40.0]
    assert all(tuple(s["rgba"][:3]) == tuple(png[0, i, :3]) for i, s in enumerate(stops))
    assert stops[0]["color"] == "#{:02x}{:02x}{:02x}".format(*png[0, 0, :3])


def test_vertical_legend(client):
    png = decode_png(client.get("/tiles/legend?colormap_name=deep&rescale=0,1&orientation=vertical&width=10&height=100").content)
    assert png.shape == (100, 10, 4)
    assert not np.array_equal(png[0], png[-1])


def test_terrarium_decodes_to_the_depths(client, catalogue):
    """Terrarium: elevation = R*256 + G + B/256 - 32768 (what MapLibre raster-dem decodes)."""
    rgb = decode_png(_tile(client, catalogue, "?algorithm=terrarium")).astype(float)
    arr = np.load(io.BytesIO(_tile(client, catalogue, fmt="npy")))
    elevation = rgb[..., 0] * 256 + rgb[..., 1] + rgb[..., 2] / 256 - 32768
    mask = (arr[-1] > 0) & (rgb[..., 3] == 255)
    assert mask.mean() > 0.9
    np.testing.assert_allclose(elevation[mask], arr[0][mask], atol=0.01)


def test_terrainrgb_decodes_to_the_depths(client, catalogue):
    """Mapbox terrain-RGB: elevation = -10000 + (R*65536 + G*256 + B) * 0.1."""
    rgb = decode_png(_tile(client, catalogue, "?algorithm=terrainrgb")).astype(float)
    arr = np.load(io.BytesIO(_tile(client, catalogue, fmt="npy")))
    elevation = -10000 + (rgb[..., 0] * 65536 + rgb[..., 1] * 256 + rgb[..., 2]) * 0.1
    mask = (arr[-1] > 0) & (rgb[..., 3] == 255)
    np.testing.assert_allclose(elevation[mask], arr[0][mask], atol=0.1)


def test_hillshade_lights_the_seamount(client, catalogue):
    """Default sun from the NW (titiler's azimuth=45 lights from the NW, not the compass
    convention): the seamount's NW flank is brighter than its SE flank.

    titiler's hillshade takes gradients per pixel, so a 25 m seamount at z14 needs
    z_exaggeration to show; bilinear resampling avoids nearest-neighbour terracing stripes."""
    from tests.tiler.helpers import WEB_MERCATOR

    t = WEB_MERCATOR.tile(-8.0774, 50.3142, 14)  # holds the seamount (row 307, col 205 of the COG)
    base = f"{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}"
    r = client.get(f"{base}.png?algorithm=hillshade&buffer=3&resampling=bilinear&reproject=bilinear"
                   "&algorithm_params=%7B%22z_exaggeration%22%3A10%7D")
    assert r.status_code == 200
    img = decode_png(r.content)
    assert img.shape == (256, 256, 4)
    arr = np.load(io.BytesIO(client.get(f"{base}.npy").content))
    row, col = np.unravel_index(np.where(arr[-1] > 0, arr[0], -1e9).argmax(), arr[0].shape)
    assert 30 < row < 226 and 30 < col < 226, "seamount peak should be inside the tile"
    grey = img[..., 0].astype(float)
    nw = grey[row - 30:row - 5, col - 30:col - 5].mean()
    se = grey[row + 5:row + 30, col + 5:col + 30].mean()
    flat = grey[5:25, 200:250].mean()  # far from the seamount
    assert nw > flat + 20 and se < flat - 20, (nw, flat, se)

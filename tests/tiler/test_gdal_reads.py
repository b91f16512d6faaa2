"""GDAL itself reads the tiler over HTTP (a running uvicorn): TMS via a GDAL_WMS description, and the
WMTS capabilities document. Values come back as Terrarium-encoded depths and must match the COG."""

from __future__ import annotations

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.windows import from_bounds

from tests.tiler.helpers import bathy_url, cog_value

HALF = 20037508.342789244


def _gdal_wms_xml(url_template: str, level: int) -> str:
    return f"""<GDAL_WMS>
  <Service name="TMS"><ServerUrl>{url_template}</ServerUrl></Service>
  <DataWindow>
    <UpperLeftX>{-HALF}</UpperLeftX><UpperLeftY>{HALF}</UpperLeftY>
    <LowerRightX>{HALF}</LowerRightX><LowerRightY>{-HALF}</LowerRightY>
    <TileLevel>{level}</TileLevel><TileCountX>1</TileCountX><TileCountY>1</TileCountY>
    <YOrigin>top</YOrigin>
  </DataWindow>
  <Projection>EPSG:3857</Projection>
  <BlockSizeX>256</BlockSizeX><BlockSizeY>256</BlockSizeY>
  <BandsCount>4</BandsCount>
  <ZeroBlockHttpCodes>204,404</ZeroBlockHttpCodes>
</GDAL_WMS>"""


def test_gdal_reads_terrarium_tiles_back_to_depths(tiler_server, catalogue, tmp_path):
    template = (f"{tiler_server}{bathy_url(catalogue, 'bathy')}/tiles/WebMercatorQuad/${{z}}/${{x}}/${{y}}.png"
                "?algorithm=terrarium")
    xml = tmp_path / "bathy_tms.xml"
    xml.write_text(_gdal_wms_xml(template, 15))
    to_merc = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    left, bottom = to_merc.transform(-8.084, 50.302)
    right, top = to_merc.transform(-8.066, 50.318)
    with rasterio.Env(GDAL_HTTP_TIMEOUT=20, GDAL_HTTP_MAX_RETRY=0), rasterio.open(xml) as ds:
        assert ds.crs.to_epsg() == 3857 and ds.count == 4
        window = from_bounds(left, bottom, right, top, ds.transform).round_offsets().round_lengths()
        rgba = ds.read(window=window).astype(float)
        win_transform = ds.window_transform(window)
    elevation = rgba[0] * 256 + rgba[1] + rgba[2] / 256 - 32768
    assert rgba.shape[1] > 100 and rgba.shape[2] > 100
    to_ll = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    errors = []
    for row in range(5, rgba.shape[1], 17):
        for col in range(5, rgba.shape[2], 17):
            if rgba[3, row, col] != 255:
                continue
            x, y = win_transform * (col + 0.5, row + 0.5)
            lon, lat = to_ll.transform(x, y)
            errors.append(abs(elevation[row, col] - cog_value(catalogue, lon, lat)))
    assert len(errors) > 40
    # nearest-neighbour warp: each pixel is one source pixel; a neighbour at most (slope <= 0.6 m/px)
    assert np.median(errors) < 0.01 and np.percentile(errors, 95) < 0.7


def test_gdal_opens_the_wmts_capabilities(tiler_server, catalogue):
    url = f"{tiler_server}{bathy_url(catalogue, 'bathy')}/WMTSCapabilities.xml"
    with rasterio.Env(GDAL_HTTP_TIMEOUT=20), rasterio.open(f"WMTS:{url}") as ds:
        layers = [s for s in ds.subdatasets if "WebMercatorQuad_stac-default" in s]
    assert len(layers) == 1
    with rasterio.Env(GDAL_HTTP_TIMEOUT=20), rasterio.open(layers[0]) as ds:
        assert ds.crs.to_epsg() == 3857 and ds.count == 4
        to_ll = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
        west, south = to_ll.transform(ds.bounds.left, ds.bounds.bottom)
        east, north = to_ll.transform(ds.bounds.right, ds.bounds.top)
        assert west < -8.08 and east > -8.06 and south < 50.31 and north > 50.32
        # read the middle of the layer through GDAL: opaque, coloured pixels
        h, w = ds.height, ds.width
        data = ds.read(window=((h // 2 - 8, h // 2 + 8), (w // 2 - 8, w // 2 + 8)))
        assert data.shape == (4, 16, 16) and (data[3] == 255).all()
    # the same pixels as the tiler's own default-rendered tile: GDAL got the deep_r colours
    from mpa_tiler.colormaps import cmap

    lut = {tuple(v[:3]) for v in cmap.get("deep_r").values()}
    assert all(tuple(px) in lut for px in data[:3].reshape(3, -1).T)

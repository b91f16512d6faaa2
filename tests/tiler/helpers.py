"""Small, independent references for the tiler tests (decoding, geometry)."""

from __future__ import annotations

import io

import morecantile
import numpy as np
from PIL import Image
from pyproj import Transformer

WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32629", always_xy=True)


def bathy_url(catalogue, what: str) -> str:
    cid, iid = catalogue.ids[what]
    return f"/tiles/collections/{cid}/items/{iid}"


def decode_png(content: bytes) -> np.ndarray:
    """RGBA uint8 array (rows, cols, 4)."""
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGBA"))


def cog_value(catalogue, lon: float, lat: float) -> float:
    """Depth at lon/lat read straight from the array the COG was written from (nearest pixel)."""
    x, y = TO_UTM.transform(lon, lat)
    col, row = ~catalogue.bathy_transform * (x, y)
    return float(catalogue.bathy_values[int(np.floor(row)), int(np.floor(col))])


def inner_tile(catalogue, zoom: int) -> morecantile.Tile:
    """A tile well inside the bathymetry (centre of the data, away from nodata)."""
    return WEB_MERCATOR.tile(-8.075, 50.305, zoom)

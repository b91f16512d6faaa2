"""Small previews for STAC `thumbnail` assets: PNG for rasters (colormapped), JPEG for photos."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import rasterio
from PIL import Image
from rasterio.enums import Resampling

THUMB_PX = 256


def _read_small(ds: rasterio.io.DatasetReader, indexes: list[int]) -> np.ma.MaskedArray:
    scale = max(ds.width, ds.height) / THUMB_PX
    h, w = max(1, math.floor(ds.height / scale)), max(1, math.floor(ds.width / scale))
    return ds.read(indexes, out_shape=(len(indexes), h, w), masked=True, resampling=Resampling.average)


def thumbnail(cog: Path, dst: Path, *, colormap: str | None, rescale: tuple[float, float] | None,
              fmt: str = "PNG") -> None:
    """RGB(A) imagery is shown as is; single bands are rescaled and colormapped like the tiler does."""
    with rasterio.open(cog) as ds:
        if ds.count >= 3 and ds.dtypes[0] == "uint8":
            arr = _read_small(ds, [1, 2, 3])
            rgb = np.moveaxis(arr.filled(0), 0, -1).astype("uint8")
            alpha = (~np.ma.getmaskarray(arr).any(axis=0)).astype("uint8") * 255
        else:
            arr = _read_small(ds, [1])[0].astype("float64")
            valid = ~np.ma.getmaskarray(arr) & np.isfinite(arr.filled(np.nan))
            lo, hi = rescale if rescale else (float(arr.min()), float(arr.max()))
            norm = np.clip((arr.filled(lo) - lo) / ((hi - lo) or 1.0), 0, 1)
            idx = (norm * 255).astype("uint8")
            from rio_tiler.colormap import cmap

            lut = cmap.get(colormap or "viridis")
            table = np.array([lut[i][:3] for i in range(256)], dtype="uint8")
            rgb = table[idx]
            alpha = valid.astype("uint8") * 255
    if fmt.upper() == "JPEG":
        Image.fromarray(rgb, "RGB").save(dst, "JPEG", quality=85)
    else:
        Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(dst, "PNG", optimize=True)

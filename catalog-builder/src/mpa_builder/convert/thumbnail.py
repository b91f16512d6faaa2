"""Small previews for STAC `thumbnail` assets: PNG for rasters (colormapped), JPEG for photos."""

from __future__ import annotations

import importlib.util
import math
from functools import cache
from pathlib import Path

import numpy as np
import rasterio
from PIL import Image
from rasterio.enums import Resampling

from mpa_builder.errors import BuildError

THUMB_PX = 256


@cache
def _colormap_dir() -> Path:
    # find_spec locates the package without executing rio_tiler/__init__.py
    spec = importlib.util.find_spec("rio_tiler")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("rio-tiler is not installed: thumbnails need its colour maps")
    return Path(next(iter(spec.submodule_search_locations))) / "cmap_data"


@cache
def colormap_lut(name: str) -> np.ndarray:
    """The (256, 3) uint8 colours of a named rio-tiler colour map: the names the tiler renders with.

    Why not ``from rio_tiler.colormap import cmap``: importing rio_tiler loads its xarray reader
    (xarray, rioxarray, dask.array, scipy.fft), 1.3 s in every build worker for a 256-row table.
    """
    path = _colormap_dir() / f"{name}.npy"
    if not name.replace("_", "").isalnum() or not path.is_file():
        known = sorted(p.stem for p in _colormap_dir().glob("*.npy"))
        raise BuildError(f"render.colormap_name {name!r} is not a known colour map "
                         f"(known: {', '.join(known[:12])}, … {len(known)} in all)")
    table = np.load(path)
    if table.shape != (256, 4) or table.dtype != np.uint8:
        raise BuildError(f"colour map {name!r} ({path}) is not a 256-entry RGBA table")
    return table[:, :3]


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
            rgb = colormap_lut(colormap or "viridis")[idx]
            alpha = valid.astype("uint8") * 255
    if fmt.upper() == "JPEG":
        Image.fromarray(rgb, "RGB").save(dst, "JPEG", quality=85)
    else:
        # no optimize=True: its extra passes cost ~80 ms a thumbnail to save a few hundred bytes
        Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(dst, "PNG")

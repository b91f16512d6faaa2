"""Writes the synthetic multibeam bathymetry and the sidescan mosaic, block by block.

Both rasters are evaluated in one pass over horizontal strips of the grid, so memory stays
bounded by the strip size whatever the grid (the large benchmark grid is 8192² cells). The
files are plain tiled, compressed GeoTIFFs; turning them into COGs is the builder's job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

from . import site
from .seabed import Seabed
from .sidescan import NODATA as SIDESCAN_NODATA
from .sidescan import backscatter

BATHY_NODATA = -9999.0
BLOCK = 256
STRIP_CELLS = 2**19  # cells evaluated at once: bounds the model's temporary arrays (~150 MB)
GDAL_CACHE_MB = 96  # GDAL keeps written blocks in its cache until it is full: bound it too


def _profile(grid: site.Grid, dtype: str, nodata: float, predictor: int) -> dict:
    return {
        "driver": "GTiff",
        "width": grid.n,
        "height": grid.n,
        "count": 1,
        "dtype": dtype,
        "crs": site.CRS,
        "transform": grid.transform,
        "nodata": nodata,
        "tiled": True,
        "blockxsize": BLOCK,
        "blockysize": BLOCK,
        "compress": "deflate",
        "predictor": predictor,
        "BIGTIFF": "IF_SAFER",
    }


def strip_rows(width: int) -> int:
    """Rows per strip: about STRIP_CELLS cells, a multiple of 16, at least 16."""
    return int(max(16, min(BLOCK, (STRIP_CELLS // width) // 16 * 16)))


def write_rasters(
    seabed: Seabed,
    grid: site.Grid,
    bathy_path: Path,
    sidescan_path: Path,
    seed: np.random.SeedSequence,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Write both rasters; returns summary numbers (depth range, percentiles) for batch.yaml."""
    bathy_path.parent.mkdir(parents=True, exist_ok=True)
    sidescan_path.parent.mkdir(parents=True, exist_ok=True)
    rows = strip_rows(grid.n)
    n_strips = -(-grid.n // rows)
    xs = grid.xs()
    across = seabed.across_track(xs)
    strip_seeds = seed.spawn(n_strips)
    hist_edges = np.arange(-200.0, 0.01, 0.1)
    hist = np.zeros(len(hist_edges) - 1, dtype=np.int64)
    with (
        rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB),
        rasterio.open(bathy_path, "w", **_profile(grid, "float32", BATHY_NODATA, 3)) as bathy,
        rasterio.open(sidescan_path, "w", **_profile(grid, "uint8", SIDESCAN_NODATA, 2)) as sss,
    ):
        bathy.update_tags(units="m", vertical_datum="approximate LAT", synthetic="true")
        bathy.set_band_description(1, "elevation (m, negative below sea level)")
        sss.update_tags(synthetic="true")
        sss.set_band_description(1, "backscatter intensity (uint8, 0 = no data)")
        for i in range(n_strips):
            r0, r1 = i * rows, min(grid.n, (i + 1) * rows)
            h0, h1 = max(0, r0 - 1), min(grid.n, r1 + 1)  # one halo row each side for slopes
            f = seabed.fields(xs, grid.ys(h0, h1), grid.cell)
            slope_east = np.gradient(f.depth, grid.cell, axis=1)
            core = slice(r0 - h0, r0 - h0 + (r1 - r0))
            f_core = type(f)(*(a[core] for a in (f.depth, f.habitat, f.rockness, f.footprint, f.roughness)))
            depth = np.where(f_core.footprint, f_core.depth, BATHY_NODATA).astype(np.float32)
            window = Window(0, r0, grid.n, r1 - r0)
            bathy.write(depth, 1, window=window)
            sss.write(backscatter(f_core, slope_east[core], across, np.random.default_rng(strip_seeds[i]), grid.cell), 1, window=window)
            hist += np.histogram(f_core.depth[f_core.footprint], bins=hist_edges)[0]
            if progress:
                progress("bathymetry and sidescan", r1, grid.n)
    cdf = np.cumsum(hist) / hist.sum()
    p2, p98 = (float(hist_edges[np.searchsorted(cdf, q)]) for q in (0.02, 0.98))
    nz = np.nonzero(hist)[0]
    return {"min": float(hist_edges[nz[0]]), "max": float(hist_edges[nz[-1] + 1]), "p2": p2, "p98": p98}

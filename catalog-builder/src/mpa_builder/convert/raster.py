"""Any GDAL raster -> Cloud-Optimized GeoTIFF (rio-cogeo), validated, with the facts STAC needs.

Why these choices: 512-px blocks keep the number of range requests per web tile low; internal
overviews are always written because a tile read from a COG without them costs ~10x more I/O;
bathymetry stays lossless (predictor 3 = floating-point) unless a vertical tolerance is stated
(LERC max_z_error); imagery uses JPEG/WebP with an internal mask, not a nodata value, because lossy
codecs smear nodata values into the image edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import RasterioError
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds, transform_geom
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles

from mpa_builder.errors import BuildError

BLOCKSIZE = 512
STATS_MAX_PIXELS = 1024  # statistics/percentiles are read from an overview at most this wide
GDAL_CACHE_MB = 256  # per conversion: keeps a worker's memory bounded whatever the raster size


@dataclass
class BandFacts:
    data_type: str
    nodata: float | None
    statistics: dict[str, float]
    p2: float | None
    p98: float | None


@dataclass
class RasterFacts:
    """What describe.py needs about a written COG; plain data so it crosses process boundaries."""

    crs: str
    epsg: int | None
    shape: tuple[int, int]
    transform: list[float]
    proj_bbox: list[float]
    bbox: list[float]
    geometry: dict[str, Any]
    bands: list[BandFacts]
    header_size: int
    overviews: list[int]
    profile: str
    parameters: dict[str, Any] = field(default_factory=dict)


def choose_profile(dtype: str, count: int, requested: str | None) -> str:
    if requested:
        return requested
    if dtype == "uint8" and count >= 3:
        return "jpeg"
    return "deflate"


def _overview_level(width: int, height: int) -> int:
    """Levels until the smallest overview fits one 256-px tile, and at least one (always overviews)."""
    size = max(width, height)
    return max(1, math.ceil(math.log2(max(size, 2) / 256)))


def raster_to_cog(
    src_path: Path,
    dst_path: Path,
    *,
    profile: str | None = None,
    max_z_error: float | None = None,
    dst_crs: str | None = None,
    nodata: float | None = None,
    resampling: str = "nearest",
    threads: int = 1,
) -> RasterFacts:
    """Write src_path as a COG at dst_path; errors name the file and say what is wrong with it.

    ``threads`` only speeds up compression (build.py gives a conversion the cores the pool leaves
    idle); the bytes written are the same for any value.
    """
    name = Path(src_path).name
    try:
        with rasterio.open(src_path) as src:
            if src.crs is None:
                raise BuildError(f"{name}: raster has no CRS (coordinate reference system); "
                                 "georeference it or give it a .prj/.aux.xml")
            dtype, count = src.dtypes[0], src.count
            chosen = choose_profile(dtype, count, profile)
            dst_profile = dict(cog_profiles.get(chosen))
            dst_profile.update(blockxsize=BLOCKSIZE, blockysize=BLOCKSIZE)
            add_mask = False
            params: dict[str, Any] = {"profile": chosen, "blocksize": BLOCKSIZE}
            if chosen in ("deflate", "zstd") and dtype.startswith("float"):
                dst_profile["predictor"] = 3
                params["predictor"] = 3
            elif chosen in ("deflate", "zstd"):
                dst_profile["predictor"] = 2
                params["predictor"] = 2
            if chosen.startswith("lerc"):
                if max_z_error is None:
                    raise BuildError(f"{name}: LERC needs a stated vertical tolerance (raster.max_z_error)")
                dst_profile["max_z_error"] = max_z_error
                params["max_z_error"] = max_z_error
            if chosen in ("jpeg", "webp"):
                if dtype != "uint8":
                    raise BuildError(f"{name}: {chosen.upper()} needs 8-bit imagery, this raster is {dtype}")
                add_mask = True  # internal mask instead of a nodata value (lossy codecs)
                count = min(count, 3)
                dst_profile.pop("quality", None)
                if chosen == "webp":
                    dst_profile["webp_level"] = 90
                else:
                    dst_profile["jpeg_quality"] = 90
                    dst_profile["photometric"] = "YCbCr" if count == 3 else "MINISBLACK"
                params["quality"] = 90
            indexes = list(range(1, count + 1))
            out_nodata = None if add_mask else (nodata if nodata is not None else src.nodata)
            source = src
            vrt = None
            if dst_crs:
                vrt = WarpedVRT(src, crs=dst_crs, resampling=Resampling[resampling],
                                src_nodata=src.nodata, nodata=out_nodata if out_nodata is not None else src.nodata)
                source = vrt
                params["dst_crs"] = dst_crs
            try:
                cog_translate(
                    source,
                    str(dst_path),
                    dst_profile,
                    indexes=indexes,
                    nodata=out_nodata,
                    add_mask=add_mask,
                    overview_level=_overview_level(source.width, source.height),
                    overview_resampling="average" if dtype.startswith("float") or chosen in ("jpeg", "webp") else "nearest",
                    # The intermediate file lives in memory below rio-cogeo's size threshold
                    # (~120 Mpx) and on disk above it: parallel workers sharing one disk for
                    # temporary files ran 2x slower here, while memory stays bounded either way.
                    in_memory=None,
                    quiet=True,
                    config={"GDAL_NUM_THREADS": str(threads), "GDAL_TIFF_OVR_BLOCKSIZE": str(BLOCKSIZE),
                            "GDAL_CACHEMAX": GDAL_CACHE_MB * 2**20},  # rasterio takes bytes
                    use_cog_driver=False,
                )
            finally:
                if vrt is not None:
                    vrt.close()
    except BuildError:
        raise
    except RasterioError as exc:
        raise BuildError(f"{name}: cannot read this raster ({exc}); is the file complete?") from exc

    valid, errors, _warnings = cog_validate(str(dst_path), quiet=True)
    if not valid:
        raise BuildError(f"{name}: the COG written from this file is not valid: {'; '.join(errors)}")
    facts = describe_cog(dst_path)
    facts.profile = chosen
    facts.parameters = params
    return facts


def header_size(ds: rasterio.io.DatasetReader) -> int:
    """Bytes before the first tile's data: everything a reader needs to fetch once (IFDs, ghost header)."""
    offsets = []
    path = ds.name
    for level in [None, *range(len(ds.overviews(1)))]:
        opts = {} if level is None else {"OVERVIEW_LEVEL": level}
        with rasterio.open(path, **opts) as sub:
            off = sub.get_tag_item("BLOCK_OFFSET_0_0", "TIFF", bidx=1)
            if off:
                offsets.append(int(off))
    return min(offsets) if offsets else 0


def decimated_read(ds: rasterio.io.DatasetReader) -> np.ma.MaskedArray:
    """All bands at most STATS_MAX_PIXELS wide (from an overview): what statistics are estimated from."""
    scale = max(1, math.ceil(max(ds.width, ds.height) / STATS_MAX_PIXELS))
    out_shape = (ds.count, max(1, ds.height // scale), max(1, ds.width // scale))
    return ds.read(out_shape=out_shape, masked=True, resampling=Resampling.nearest)


def _finite(band: np.ma.MaskedArray) -> np.ndarray:
    values = band.compressed().astype("float64")
    return values[np.isfinite(values)]


def _full_resolution_values(ds: rasterio.io.DatasetReader, bidx: int) -> np.ndarray:
    """Every valid value of one band, read block by block (memory bounded by the valid pixels)."""
    parts = [_finite(ds.read(bidx, window=window, masked=True)) for _, window in ds.block_windows(bidx)]
    return np.concatenate(parts) if parts else np.empty(0)


def _band_stats(ds: rasterio.io.DatasetReader) -> list[BandFacts]:
    """Statistics and p2/p98 per band from a decimated read; complete, or only valid_percent 0.

    A sparse raster (a thin survey line, a photo mostly masked) can have no valid pixel left in the
    decimated read: such a band is read again at full resolution, block by block, so it is not
    recorded as empty (rio-tiler drops incomplete statistics, and the render rescale needs p2/p98).
    """
    arr = decimated_read(ds)
    bands = []
    for i in range(ds.count):
        values, total = _finite(arr[i]), arr[i].size
        if not values.size:
            values, total = _full_resolution_values(ds, i + 1), ds.width * ds.height
        if values.size:
            stats = {
                "minimum": float(values.min()),
                "maximum": float(values.max()),
                "mean": float(values.mean()),
                "stddev": float(values.std()),
                "valid_percent": round(100.0 * values.size / total, 3),
            }
            p2, p98 = (float(v) for v in np.percentile(values, [2, 98]))
        else:
            stats = {"valid_percent": 0.0}
            p2 = p98 = None
        bands.append(BandFacts(ds.dtypes[i], ds.nodata, stats, p2, p98))
    return bands


def describe_cog(path: Path) -> RasterFacts:
    with rasterio.open(path) as ds:
        epsg = ds.crs.to_epsg()
        bbox = list(transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21))
        footprint = {
            "type": "Polygon",
            "coordinates": [[
                [ds.bounds.left, ds.bounds.bottom], [ds.bounds.right, ds.bounds.bottom],
                [ds.bounds.right, ds.bounds.top], [ds.bounds.left, ds.bounds.top],
                [ds.bounds.left, ds.bounds.bottom],
            ]],
        }
        geometry = transform_geom(ds.crs, "EPSG:4326", footprint, precision=7)
        t = ds.transform
        return RasterFacts(
            crs=ds.crs.to_string(),
            epsg=epsg,
            shape=(ds.height, ds.width),
            transform=[t.a, t.b, t.c, t.d, t.e, t.f, 0.0, 0.0, 1.0],
            proj_bbox=list(ds.bounds),
            bbox=[round(v, 7) for v in bbox],
            geometry=geometry,
            bands=_band_stats(ds),
            header_size=header_size(ds),
            overviews=ds.overviews(1),
            profile="",
        )

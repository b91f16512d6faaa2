"""Conversion jobs: plain, picklable functions so any concurrent.futures executor (processes, a
Dask cluster) can run them. Each writes its outputs into its own work folder and returns plain data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpa_builder.hashing import sha256_file

COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
MEDIA = {
    "tif": COG_TYPE,
    "png": "image/png",
    "jpg": "image/jpeg",
    "mbtiles": "application/vnd.mapbox-vector-tile+sqlite3",
    "pmtiles": "application/vnd.pmtiles",  # the PMTiles v3 spec's media type
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
}


@dataclass
class Output:
    key: str  # asset key in the STAC item
    path: str
    sha256: str
    size: int
    ext: str

    @property
    def media_type(self) -> str:
        return MEDIA[self.ext]


@dataclass
class Job:
    layer_id: str
    kind: str
    source: str  # absolute path
    source_name: str  # path relative to the batch folder (recorded in provenance)
    source_sha256: str
    item_id: str
    workdir: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobResult:
    job: Job
    facts: dict[str, Any]
    outputs: list[Output]


def _output(key: str, path: Path) -> Output:
    return Output(key=key, path=str(path), sha256=sha256_file(path), size=path.stat().st_size,
                  ext=path.suffix.lstrip("."))


def run_job(job: Job) -> JobResult:
    """Dispatch on the layer kind; imports are local so a worker loads only what it needs."""
    work = Path(job.workdir)
    work.mkdir(parents=True, exist_ok=True)
    src = Path(job.source)
    opts = job.options
    if job.kind in ("raster", "images"):
        from mpa_builder.convert.raster import raster_to_cog
        from mpa_builder.convert.thumbnail import thumbnail

        cog = work / "data.tif"
        ro = opts.get("raster") or {}
        default_profile = "jpeg" if job.kind == "images" else None
        facts = raster_to_cog(src, cog, profile=ro.get("profile") or default_profile,
                              max_z_error=ro.get("max_z_error"), dst_crs=ro.get("dst_crs"), nodata=ro.get("nodata"),
                              threads=opts.get("gdal_threads", 1))
        render = opts.get("render") or {}
        band = facts.bands[0]
        rescale = render.get("rescale") or ((band.p2, band.p98) if band.p2 is not None else None)
        if job.kind == "images":
            thumb = work / "thumbnail.jpg"
            thumbnail(cog, thumb, colormap=None, rescale=None, fmt="JPEG")
        else:
            thumb = work / "thumbnail.png"
            thumbnail(cog, thumb, colormap=render.get("colormap_name"), rescale=rescale, fmt="PNG")
        return JobResult(job, dataclasses.asdict(facts), [_output("data", cog), _output("thumbnail", thumb)])
    if job.kind == "vector":
        from mpa_builder.convert.vector import vector_to_tiles

        mbt, gj, pmt = work / "data.mbtiles", work / "data.geojson", work / "data.pmtiles"
        facts = vector_to_tiles(src, mbt, gj, layer=opts.get("tile_layer") or job.layer_id,
                                class_field=opts.get("class_field"), classes=opts.get("classes"),
                                minzoom=opts.get("minzoom", 4), maxzoom=opts.get("maxzoom", 14), pmtiles=pmt)
        outputs = [_output("mvt", mbt), _output("geojson", gj), _output("pmtiles", pmt)]
        return JobResult(job, dataclasses.asdict(facts), outputs)
    if job.kind == "table":
        from mpa_builder.convert.table import table_to_geoparquet

        pq = work / "data.parquet"
        facts = table_to_geoparquet(src, pq, long_form=opts.get("long_form"), max_errors=opts.get("max_errors", 50))
        return JobResult(job, dataclasses.asdict(facts), [_output("data", pq)])
    raise ValueError(f"unknown layer kind {job.kind!r}")

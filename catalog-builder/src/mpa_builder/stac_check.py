"""Check a published catalogue: STAC schemas (offline), the MPA contract, and asset checksums.

Readers follow links from catalog.json and so does this check, so anything it reaches is what a
reader will reach; the contract checks (mpa:* fields, fixed asset keys, relative links, layout)
are the promises docs/architecture.md makes to the tiler, backend and frontend.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from typing import Any

from mpa_builder.store import Store

KINDS = {"raster": {"data", "thumbnail"}, "images": {"data", "thumbnail"}, "vector": {"mvt", "geojson"},
         "table": {"data"}}
THEMES = {"bathymetry", "sidescan", "habitat", "boundary", "images", "species", "other"}


def offline_validator():
    """pystac's JSON-schema validator with every schema the builder uses available locally."""
    from pystac.validation import JsonSchemaSTACValidator

    from mpa_builder.stac_schemas import SCHEMAS

    v = JsonSchemaSTACValidator()
    v.schema_cache.update(SCHEMAS)
    return v


def _join(base_key: str, href: str) -> str:
    if "://" in href:
        raise ValueError(f"{base_key}: link {href!r} is absolute; the tree must stay relocatable")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_key), href))


def walk(store: Store) -> dict[str, dict[str, Any]]:
    """Every STAC document reachable from catalog.json, by store key."""
    docs: dict[str, dict[str, Any]] = {}
    todo = ["catalog.json"]
    while todo:
        key = todo.pop()
        if key in docs:
            continue
        raw = store.read_bytes(key)
        if raw is None:
            raise ValueError(f"{key}: linked but missing from the store")
        doc = json.loads(raw)
        docs[key] = doc
        for link in doc.get("links", []):
            if link["rel"] in ("child", "item"):
                todo.append(_join(key, link["href"]))
    return docs


def check_store(store: Store, *, checksums: bool = False, schemas: bool = True) -> list[str]:
    """Problems found (empty when the catalogue is good)."""
    import pystac
    from pystac.validation import validate_dict

    problems: list[str] = []
    try:
        docs = walk(store)
    except (ValueError, KeyError) as exc:
        return [f"cannot follow the catalogue's links: {exc}"]
    validator = offline_validator() if schemas else None
    root = docs["catalog.json"]
    if not isinstance(root.get("mpa:version"), int):
        problems.append("catalog.json: 'mpa:version' missing")
    for key, doc in docs.items():
        if validator is not None:
            try:
                validate_dict(doc, href=key, validator=validator)
            except pystac.STACValidationError as exc:
                problems.append(f"{key}: {str(exc).splitlines()[0]} {str(exc).splitlines()[-1]}")
            except (pystac.STACTypeError, KeyError, TypeError) as exc:
                problems.append(f"{key}: not a STAC object ({exc})")
        for link in doc.get("links", []):
            if link["rel"] in ("root", "parent", "child", "item", "collection"):
                target = _join(key, link["href"])
                if target not in docs and not store.exists(target):
                    problems.append(f"{key}: link {link['rel']} -> {link['href']} does not resolve")
        if doc.get("type") == "Collection":
            problems += _check_collection(key, doc)
        if doc.get("type") == "Feature":
            coll = docs.get(_join(key, "../collection.json"), {})
            problems += _check_item(store, key, doc, coll, checksums)
    return problems


def _check_collection(key: str, c: dict[str, Any]) -> list[str]:
    out = []
    for f in ("mpa:access", "mpa:depositor", "mpa:kind", "mpa:theme", "mpa:survey"):
        if f not in c:
            out.append(f"{key}: collection lacks {f}")
    restricted = key.startswith("restricted/")
    if (c.get("mpa:access") == "restricted") != restricted:
        out.append(f"{key}: mpa:access {c.get('mpa:access')!r} but stored {'under' if restricted else 'outside'} restricted/")
    if c.get("mpa:theme") not in THEMES:
        out.append(f"{key}: mpa:theme {c.get('mpa:theme')!r} not one of {sorted(THEMES)}")
    if c.get("mpa:kind") in ("raster",) and "default" not in c.get("renders", {}):
        out.append(f"{key}: raster collection without renders.default")
    if c.get("mpa:kind") == "table" and not isinstance(c.get("mpa:taxa"), list):
        out.append(f"{key}: table collection without mpa:taxa")
    return out


def _check_item(store: Store, key: str, item: dict[str, Any], coll: dict[str, Any], checksums: bool) -> list[str]:
    out = []
    kind = coll.get("mpa:kind")
    expected = KINDS.get(kind, set())
    if not expected <= set(item.get("assets", {})):
        out.append(f"{key}: {kind} item needs assets {sorted(expected)}, has {sorted(item.get('assets', {}))}")
    prov = item.get("properties", {}).get("mpa:provenance")
    if not prov or not prov.get("sources") or not all("sha256" in s for s in prov["sources"]):
        out.append(f"{key}: mpa:provenance with sources and sha256 is missing")
    prefix = "restricted/" if key.startswith("restricted/") else ""
    for name, asset in item.get("assets", {}).items():
        target = _join(key, asset["href"])
        if not target.startswith(prefix + "assets/"):
            out.append(f"{key}: asset {name} at {target} is outside {prefix}assets/")
        cs = asset.get("file:checksum", "")
        if not cs.startswith("1220") or len(cs) != 68:
            out.append(f"{key}: asset {name} file:checksum is not a sha2-256 multihash")
        elif cs[4:] not in target:
            out.append(f"{key}: asset {name} is not stored under its checksum")
        if "file:size" not in asset:
            out.append(f"{key}: asset {name} lacks file:size")
        cog = asset.get("type", "").endswith("profile=cloud-optimized")
        if cog and ("file:header_size" not in asset or "raster:bands" not in asset):
            out.append(f"{key}: COG asset {name} lacks file:header_size or raster:bands")
        if checksums:
            data = store.read_bytes(target)
            if data is None:
                out.append(f"{key}: asset {name} missing at {target}")
            elif hashlib.sha256(data).hexdigest() != cs[4:] or len(data) != asset.get("file:size"):
                out.append(f"{key}: asset {name} checksum/size mismatch")
    return out


class offline_validation:
    """Context manager: pystac's validate()/validate_all() use the offline schemas inside it."""

    def __enter__(self):
        from pystac.validation import RegisteredValidator

        self._saved = RegisteredValidator._validator
        RegisteredValidator.set_validator(offline_validator())
        return self

    def __exit__(self, *exc) -> None:
        from pystac.validation import RegisteredValidator

        RegisteredValidator._validator = self._saved


def stac_validator_schema_map(folder) -> dict[str, str]:
    """URL -> local file for every schema the tree uses, for `stac-validator -s URL PATH` offline.

    Core STAC 1.1 and GeoJSON come from pystac's bundled copies; the extension schemas are
    written from mpa_builder.stac_schemas into `folder`.
    """
    from pathlib import Path

    import pystac

    from mpa_builder.stac_schemas import SCHEMAS

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    bundled = Path(pystac.__file__).parent / "validation" / "jsonschemas"
    core = bundled / "stac-spec" / "v1.1.0"
    base = "https://schemas.stacspec.org/v1.1.0"
    out = {f"{base}/item-spec/json-schema/{p.name}": str(p) for p in core.glob("*.json")}
    out[f"{base}/catalog-spec/json-schema/catalog.json"] = str(core / "catalog.json")
    out[f"{base}/collection-spec/json-schema/collection.json"] = str(core / "collection.json")
    for name in ("Feature", "Geometry"):
        out[f"https://geojson.org/schema/{name}.json"] = str(bundled / "geojson" / f"{name}.json")
    for uri, schema in SCHEMAS.items():
        path = folder / (uri.split("/")[3] + ".json")
        path.write_text(json.dumps(schema))
        out[uri] = str(path)
    return out

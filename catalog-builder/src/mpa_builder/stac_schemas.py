"""JSON Schemas for the STAC extension fields the builder writes, for validating without a network.

The official extension schemas live on the web; these machines (and many data centres) cannot
fetch them, so the builder states the same field rules here, from the extension specifications
(file v2.1.0, projection v2.0.0, raster v1.1.0, render v2.0.0), and registers them under the
official URIs. Core STAC 1.1 schemas come from pystac's bundled copies.
"""

from __future__ import annotations

from typing import Any

FILE = "https://stac-extensions.github.io/file/v2.1.0/schema.json"
PROJECTION = "https://stac-extensions.github.io/projection/v2.0.0/schema.json"
RASTER = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
RENDER = "https://stac-extensions.github.io/render/v2.0.0/schema.json"

_NUM = {"type": "number"}
_NULLABLE_STR = {"type": ["string", "null"]}


def _extension(uri: str, fields: dict[str, Any], *, in_assets: bool = True, in_properties: bool = True,
               collection_fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """An extension schema: the URI must be declared, and the fields typed wherever they appear."""
    where: list[dict[str, Any]] = []
    props = {"type": "object", "properties": fields}
    item_rules: dict[str, Any] = {"properties": {}}
    if in_properties:
        item_rules["properties"]["properties"] = props
    if in_assets:
        item_rules["properties"]["assets"] = {"type": "object", "additionalProperties": props}
    where.append({"if": {"properties": {"type": {"const": "Feature"}}}, "then": item_rules})
    coll_rules: dict[str, Any] = {"properties": {}}
    if collection_fields:
        coll_rules["properties"].update(collection_fields)
    if in_assets:
        coll_rules["properties"]["assets"] = {"type": "object", "additionalProperties": props}
        coll_rules["properties"]["item_assets"] = {"type": "object", "additionalProperties": props}
    where.append({"if": {"properties": {"type": {"const": "Collection"}}}, "then": coll_rules})
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": uri,
        "type": "object",
        "required": ["stac_extensions"],
        "properties": {"stac_extensions": {"type": "array", "contains": {"const": uri}}},
        "allOf": where,
    }


FILE_FIELDS = {
    "file:checksum": {"type": "string", "pattern": "^[0-9a-f]+$"},
    "file:size": {"type": "integer", "minimum": 0},
    "file:header_size": {"type": "integer", "minimum": 0},
    "file:byte_order": {"enum": ["big-endian", "little-endian"]},
    "file:local_path": {"type": "string"},
}

PROJ_FIELDS = {
    "proj:code": _NULLABLE_STR,
    "proj:wkt2": _NULLABLE_STR,
    "proj:projjson": {"type": ["object", "null"]},
    "proj:geometry": {"type": "object"},
    "proj:bbox": {"type": "array", "items": _NUM, "minItems": 4, "maxItems": 6},
    "proj:centroid": {"type": "object", "required": ["lat", "lon"],
                      "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                     "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
    "proj:shape": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2},
    "proj:transform": {"type": "array", "items": _NUM, "minItems": 6, "maxItems": 9},
}

DATA_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32",
              "float64", "cint16", "cint32", "cfloat32", "cfloat64", "other"]
BAND = {
    "type": "object",
    "properties": {
        "nodata": {"oneOf": [_NUM, {"enum": ["nan", "inf", "-inf"]}]},
        "sampling": {"enum": ["area", "point"]},
        "data_type": {"enum": DATA_TYPES},
        "bits_per_sample": {"type": "integer", "minimum": 1},
        "spatial_resolution": _NUM,
        "statistics": {"type": "object", "properties": {
            "mean": _NUM, "minimum": _NUM, "maximum": _NUM, "stddev": _NUM,
            "valid_percent": {"type": "number", "minimum": 0, "maximum": 100}}},
        "unit": {"type": "string"},
        "scale": _NUM,
        "offset": _NUM,
        "histogram": {"type": "object"},
    },
}
RASTER_FIELDS = {"raster:bands": {"type": "array", "minItems": 1, "items": BAND}}

RENDER_OBJ = {
    "type": "object",
    "required": ["assets"],
    "properties": {
        "assets": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "title": {"type": "string"},
        "rescale": {"type": "array", "items": {"type": "array", "items": _NUM, "minItems": 2, "maxItems": 2}},
        "nodata": {"oneOf": [_NUM, {"enum": ["nan", "inf", "-inf"]}]},
        "colormap_name": {"type": "string"},
        "colormap": {"type": "object"},
        "color_formula": {"type": "string"},
        "resampling": {"type": "string"},
        "expression": {"type": "string"},
        "minmax_zoom": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        "tilematrixsets": {"type": "object"},
    },
}
RENDERS = {"renders": {"type": "object", "minProperties": 1, "additionalProperties": RENDER_OBJ}}

SCHEMAS: dict[str, dict[str, Any]] = {
    FILE: _extension(FILE, FILE_FIELDS),
    PROJECTION: _extension(PROJECTION, PROJ_FIELDS),
    RASTER: _extension(RASTER, RASTER_FIELDS),
    RENDER: _extension(RENDER, {}, in_assets=False, in_properties=False, collection_fields=RENDERS),
}
# The render extension also applies to item properties.
SCHEMAS[RENDER]["allOf"][0]["then"]["properties"]["properties"] = {"type": "object", "properties": RENDERS}

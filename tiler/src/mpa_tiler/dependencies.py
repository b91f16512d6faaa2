"""FastAPI dependencies: the catalogue layer behind a URL, its access check, and render defaults.

Why plain functions: titiler factories take dependencies as arguments, so the whole tiler is
titiler with a different ``path_dependency`` (a catalogue layer instead of ``?url=``) and
parameter dependencies that fill in the collection's ``renders.default`` when the request gives
none. FastAPI caches a dependency per request, so the layer is resolved (and authorised) once.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, HTTPException, Path, Query, Request
from pydantic import AfterValidator
from rio_tiler.colormap import parse_color
from rio_tiler.errors import RioTilerError
from titiler.core.dependencies import (
    AssetsExprParams,
    DatasetParams,
    ImageRenderingParams,
    _parse_asset,
    create_colormap_dependency,
)

from mpa_tiler.access import TokenVerifier, authorize, authorize_collection
from mpa_tiler.catalog import Catalogue, Layer, UnknownItem, UnknownLayer
from mpa_tiler.colormaps import cmap
from mpa_tiler.settings import Settings

ColorMapQuery = create_colormap_dependency(cmap)
# Parameters that switch off render defaults: the caller asked for another rendering.
_OWN_RENDERING = ("algorithm", "expression")


# Dependencies are ``async`` where they do no blocking work: FastAPI runs a sync dependency in its
# thread pool, and a dozen thread hops per tile cost more than the dependencies themselves.


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_catalogue(request: Request) -> Catalogue:
    return request.app.state.catalogue


def get_verifier(request: Request) -> TokenVerifier:
    return request.app.state.verifier


def _layer_or_404(request: Request, collection_id: str, item_id: str) -> Layer:
    """The layer, else 404 -- but for a restricted collection only once the token grants it."""
    try:
        return get_catalogue(request).layer(collection_id, item_id)
    except UnknownItem as exc:
        if exc.restricted:  # no id oracle: an unauthorised caller gets the same 401/403 as for a real item
            authorize_collection(exc.collection_id, request, get_verifier(request))
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except UnknownLayer as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


async def resolve_layer(
    request: Request,
    collection_id: Annotated[str, Path(description="Collection id in the STAC catalogue", max_length=200)],
    item_id: Annotated[str, Path(description="Item id within the collection", max_length=200)],
) -> Layer:
    """The ``path_dependency``: a catalogue item the caller may read (404 / 401 / 403 otherwise)."""
    layer = get_catalogue(request).peek(collection_id, item_id)
    if layer is None:  # the store must be read: off the event loop
        layer = await anyio.to_thread.run_sync(_layer_or_404, request, collection_id, item_id)
    if layer.restricted:  # may fetch the JWKS
        await anyio.to_thread.run_sync(authorize, layer, request, get_verifier(request))
    return layer


LayerDep = Annotated[Layer, Depends(resolve_layer)]


@dataclass
class OptionalAssetsExprParams(AssetsExprParams):
    """titiler's assets/expression parameters with ``assets`` optional (defaults come from renders)."""

    assets: Annotated[
        list[str] | None,
        AfterValidator(lambda v: _parse_asset(v) if v else v),
        Query(title="Asset names", description="Asset names (default: the collection's renders.default assets)."),
    ] = None


def _default_assets(layer: Layer) -> list:
    assets = layer.default_render.get("assets")
    if not assets:
        assets = ["data"] if "data" in layer.item.get("assets", {}) else list(layer.item.get("assets", {}))[:1]
    return _parse_asset(list(assets))


async def layer_params(layer: LayerDep, params: Annotated[OptionalAssetsExprParams, Depends()]) -> OptionalAssetsExprParams:
    if not params.assets:
        params.assets = _default_assets(layer)
    return params


@dataclass
class OptionalAssetsParams:
    assets: list | None = None

    def as_dict(self, exclude_none: bool = True) -> dict:
        return {"assets": self.assets} if self.assets else {}


async def assets_params(
    layer: LayerDep,
    assets: Annotated[list[str] | None, Query(description="Asset names (default: renders.default assets).")] = None,
) -> OptionalAssetsParams:
    return OptionalAssetsParams(assets=_parse_asset(assets) if assets else _default_assets(layer))


# Data formats carry values, not colours: no render defaults there.
_DATA_FORMATS = ("npy", "tif")


def _own_rendering(request: Request) -> bool:
    fmt = request.path_params.get("format") or request.query_params.get("f")
    return fmt in _DATA_FORMATS or any(k in request.query_params for k in _OWN_RENDERING)


async def colormap_params(request: Request, layer: LayerDep, colormap: Annotated[Any, Depends(ColorMapQuery)]) -> Any:
    """The request's colormap, else the collection's default (unless it asked for an algorithm/expression)."""
    if colormap is not None or _own_rendering(request):
        return colormap
    render = layer.default_render
    if name := render.get("colormap_name"):
        return cmap.get(name) if name in cmap.list() else None
    if custom := render.get("colormap"):
        try:
            return {int(k): parse_color(v) for k, v in custom.items()}
        except (ValueError, AttributeError, TypeError):
            return None
    return None


async def render_params(
    request: Request, layer: LayerDep, params: Annotated[ImageRenderingParams, Depends()]
) -> ImageRenderingParams:
    """The request's rescale/color_formula, else the collection's defaults."""
    if _own_rendering(request):
        return params
    render = layer.default_render
    if params.rescale is None and render.get("rescale"):
        try:
            params.rescale = [(float(lo), float(hi)) for lo, hi in render["rescale"]]
        except (TypeError, ValueError):
            pass
    if params.color_formula is None and render.get("color_formula"):
        params.color_formula = render["color_formula"]
    return params


async def dataset_params(layer: LayerDep, params: Annotated[DatasetParams, Depends()]) -> DatasetParams:
    """The request's nodata/resampling, else the render's (``nodata`` is part of the render extension)."""
    render = layer.default_render
    if params.nodata is None and isinstance(render.get("nodata"), (int, float)):
        params.nodata = float(render["nodata"])
    return params


async def environment(request: Request) -> dict:
    return request.app.state.gdal_env


async def limit_sizes(request: Request) -> None:
    """Refuse absurd output sizes before any pixel is read (one request must not take the server down)."""
    s = get_settings(request)
    params = request.query_params
    limits = {"tilesize": s.max_tile_size, "width": s.max_image_size, "height": s.max_image_size,
              "max_size": s.max_image_size, "buffer": 64, "padding": 64}
    for name, limit in limits.items():
        values = params.getlist(name) + ([request.path_params[name]] if name in request.path_params else [])
        for raw in values:
            try:
                value = float(raw)
            except ValueError:
                raise HTTPException(status_code=400, detail=f"query parameter {name}={raw!r} is not a number") from None
            if not (0 <= value <= limit):
                raise HTTPException(status_code=400, detail=f"{name}={raw} is out of range (0..{limit})")
    _check_geometry(request)
    if "url" in params:
        raise HTTPException(status_code=400, detail="the tiler serves catalogue layers only; url= is not accepted")
    _check_crs(request)
    for raw in params.getlist("colormap"):
        _check_colormap(raw)
    if request.method == "POST":
        _check_geojson(await request.body())


def _number(request: Request, name: str) -> float:
    raw = request.path_params[name]
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise HTTPException(status_code=400, detail=f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise HTTPException(status_code=400, detail=f"{name}={raw!r} is not a finite number")
    return value


def _check_geometry(request: Request) -> None:
    """Tile addresses inside their matrix, bboxes ordered, points on the Earth (titiler would 500)."""
    p = request.path_params
    if {"z", "x", "y"} <= p.keys():
        from mpa_tiler.tms import tile_matrix_size

        z, x, y = (_number(request, k) for k in ("z", "x", "y"))
        size = tile_matrix_size(p.get("tileMatrixSetId", "WebMercatorQuad"), int(z))
        if size is None or z != int(z):
            raise HTTPException(status_code=400, detail=f"zoom {p['z']} does not exist in this tile matrix set")
        width, height = size
        if not (0 <= x < width and 0 <= y < height) or x != int(x) or y != int(y):
            raise HTTPException(status_code=400,
                                detail=f"tile {p['z']}/{p['x']}/{p['y']} is outside the {width}x{height} matrix")
    if {"minx", "miny", "maxx", "maxy"} <= p.keys():
        minx, miny, maxx, maxy = (_number(request, k) for k in ("minx", "miny", "maxx", "maxy"))
        if not (minx < maxx and miny < maxy):
            raise HTTPException(status_code=400, detail="bbox must be minx,miny,maxx,maxy with min < max")
    if {"lon", "lat"} <= p.keys():
        lon, lat = _number(request, "lon"), _number(request, "lat")
        if "coord_crs" not in request.query_params and not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise HTTPException(status_code=400, detail=f"point {lon},{lat} is not a longitude,latitude")


# GDAL's SetFromUserInput (behind rasterio's CRS.from_user_input, which titiler calls on these) opens
# files and fetches URLs given as a CRS; only plain authority codes ever reach it.
CRS_PARAMETERS = ("crs", "coord_crs", "dst_crs", "bbox-crs", "bbox_crs")
_SAFE_CRS = re.compile(r"(?:EPSG:\d{1,6}|OGC:CRS84)", re.IGNORECASE)


def _check_crs(request: Request) -> None:
    for name in CRS_PARAMETERS:
        for raw in request.query_params.getlist(name):
            code = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
            if not _SAFE_CRS.fullmatch(code):
                raise HTTPException(status_code=400,
                                    detail=f"{name}={raw[:80]!r} is not accepted: use EPSG:<code> or OGC:CRS84")


def _check_colormap(raw: str) -> None:
    """A custom colormap titiler can use: {value: colour} or [[[min, max], colour], ...] (else titiler 500s)."""
    try:
        doc = json.loads(raw)
    except ValueError:
        raise HTTPException(status_code=400, detail="colormap is not valid JSON") from None
    try:
        if isinstance(doc, dict) and doc:
            for key, colour in doc.items():
                int(key)
                _colour(colour)
        elif isinstance(doc, list) and doc:
            for interval, colour in doc:
                lo, hi = interval
                if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                           for v in (lo, hi)):
                    raise ValueError(interval)
                _colour(colour)
        else:
            raise ValueError(doc)
    except (ValueError, TypeError, AttributeError, KeyError, AssertionError, RioTilerError):
        raise HTTPException(status_code=400, detail=(
            "colormap must be a JSON object {\"<integer value>\": [r, g, b(, a)] or \"#rrggbb\"} "
            "or a list of [[min, max], colour] intervals")) from None


def _colour(value: Any) -> None:
    rgba = parse_color(value)
    if not all(isinstance(c, int) and 0 <= c <= 255 for c in rgba):
        raise ValueError(value)


def _check_geojson(body: bytes) -> None:
    """POST bodies: a Feature (or FeatureCollection of them) with a geometry of finite coordinates.

    Why here: a null geometry or an infinite coordinate passes titiler's GeoJSON model but fails
    deep in rio-tiler with a 500.
    """
    try:
        doc = json.loads(body)
    except ValueError:
        raise HTTPException(status_code=400, detail="the request body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise HTTPException(status_code=400, detail="the request body must be a GeoJSON Feature or FeatureCollection")
    features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
    if not isinstance(features, list) or not features:
        raise HTTPException(status_code=400, detail="the FeatureCollection has no features")
    for index, feature in enumerate(features):
        where = f"feature {index}" if doc.get("type") == "FeatureCollection" else "the feature"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise HTTPException(status_code=400, detail=f"{where} is not a GeoJSON Feature")
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            raise HTTPException(status_code=400, detail=f"{where} must have a Polygon or MultiPolygon geometry")
        if not _finite_coordinates(geometry.get("coordinates")):
            raise HTTPException(status_code=400, detail=f"{where} has coordinates that are not finite numbers")


def _finite_coordinates(value: Any, depth: int = 0) -> bool:
    if isinstance(value, list) and depth < 6:
        return bool(value) and all(_finite_coordinates(v, depth + 1) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

"""A STAC API (core, collections, features, item-search) over the published catalogue, per caller.

Anonymous callers and callers without a grant see restricted collections as locked metadata
(`mpa:locked`), never their items; asset hrefs always point at the backend's download route, so no
raw store URL of restricted data leaves through this door. Links are absolute, built from
`public_url`, so pystac-client follows them behind the front end's proxy.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from shapely.geometry import box, shape

from .. import __version__
from ..auth.deps import Principal, can_read, current_principal, ensure_can_read
from ..catalog import CollectionInfo, ItemInfo, Snapshot, get_catalogue, get_collection
from ..settings import get_settings

router = APIRouter(prefix="/api/stac", tags=["stac"])

STAC_VERSION = "1.0.0"
CONFORMANCE = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/collections",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "https://api.stacspec.org/v1.0.0/item-search",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
GEOJSON = "application/geo+json"
JSON = "application/json"
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000


def _base() -> str:
    return get_settings().public_url.rstrip("/") + "/api/stac"


def _geo(body: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=GEOJSON)


def _link(rel: str, href: str, type_: str = JSON, **extra: Any) -> dict[str, Any]:
    return {"rel": rel, "href": href, "type": type_, **extra}


# --- documents ------------------------------------------------------------------------------

# What a locked collection shows: enough to know it exists and whom to ask, nothing about its content
# (no summaries, taxa lists, value statistics or render ranges).
LOCKED_FIELDS = {
    "type", "stac_version", "stac_extensions", "id", "title", "description", "license", "extent", "keywords",
    "providers", "mpa:access", "mpa:depositor", "mpa:kind", "mpa:theme", "mpa:survey",
}


def collection_doc(c: CollectionInfo, locked: bool) -> dict[str, Any]:
    base = _base()
    doc = {k: v for k, v in c.stac.items() if k not in ("links", "assets", "item_assets")
           and (not locked or k in LOCKED_FIELDS)}
    doc.setdefault("type", "Collection")
    doc["stac_version"] = STAC_VERSION
    doc["mpa:locked"] = locked
    doc["links"] = [
        _link("self", f"{base}/collections/{c.id}"),
        _link("root", base),
        _link("parent", base),
    ]
    if not locked:
        doc["links"].append(_link("items", f"{base}/collections/{c.id}/items", GEOJSON))
    return doc


def asset_url(collection_id: str, item_id: str, key: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/api/collections/{collection_id}/items/{item_id}/assets/{key}"


def item_doc(c: CollectionInfo, item: ItemInfo) -> dict[str, Any]:
    base = _base()
    doc = {k: v for k, v in item.stac.items() if k not in ("links", "assets")}
    doc["stac_version"] = STAC_VERSION
    doc["collection"] = c.id
    doc["links"] = [
        _link("self", f"{base}/collections/{c.id}/items/{item.id}", GEOJSON),
        _link("parent", f"{base}/collections/{c.id}"),
        _link("collection", f"{base}/collections/{c.id}"),
        _link("root", base),
    ]
    doc["assets"] = {
        key: {**{k: v for k, v in asset.items() if k not in ("href", "alternate")}, "href": asset_url(c.id, item.id, key)}
        for key, asset in item.stac.get("assets", {}).items()
    }
    return doc


# --- landing page and collections -----------------------------------------------------------

@router.get("")
@router.get("/")
def landing(snapshot: Snapshot = Depends(get_catalogue),
            principal: Principal | None = Depends(current_principal)) -> JSONResponse:
    base = _base()
    root = snapshot.root
    links = [
        _link("self", base), _link("root", base),
        _link("conformance", f"{base}/conformance"),
        _link("data", f"{base}/collections"),
        _link("search", f"{base}/search", GEOJSON, method="GET"),
        _link("search", f"{base}/search", GEOJSON, method="POST"),
        _link("service-desc", get_settings().public_url.rstrip("/") + "/api/openapi.json",
              "application/vnd.oai.openapi+json;version=3.0"),
    ]
    links += [_link("child", f"{base}/collections/{c.id}", title=c.title) for c in snapshot.collections.values()]
    return JSONResponse({
        "type": "Catalog", "stac_version": STAC_VERSION, "id": root.get("id", "mpa-twin"),
        "title": root.get("title", "MPA Twin"), "description": root.get("description", "MPA Twin catalogue"),
        "conformsTo": CONFORMANCE, "mpa:version": snapshot.version, "mpa:backend": __version__, "links": links,
    })


@router.get("/conformance")
def conformance() -> dict[str, list[str]]:
    return {"conformsTo": CONFORMANCE}


@router.get("/collections")
def collections(snapshot: Snapshot = Depends(get_catalogue),
                principal: Principal | None = Depends(current_principal)) -> JSONResponse:
    base = _base()
    docs = [collection_doc(c, not can_read(principal, c)) for c in snapshot.collections.values()]
    return JSONResponse({"collections": docs, "links": [_link("self", f"{base}/collections"), _link("root", base),
                                                          _link("parent", base)]})


@router.get("/collections/{collection_id}")
def collection(collection_id: str, snapshot: Snapshot = Depends(get_catalogue),
               principal: Principal | None = Depends(current_principal)) -> JSONResponse:
    c = get_collection(snapshot, collection_id)
    return JSONResponse(collection_doc(c, not can_read(principal, c)))


# --- search ---------------------------------------------------------------------------------

class SearchBody(BaseModel):
    collections: list[str] | None = None
    ids: list[str] | None = None
    bbox: list[float] | None = None
    intersects: dict[str, Any] | None = None
    datetime: str | None = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    token: str | None = None


def _parse_instant(text: str, where: str) -> datetime | None:
    text = text.strip()
    if text in ("", ".."):
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(400, f"datetime: {where} {text!r} is not RFC 3339 (e.g. 2012-08-15T00:00:00Z)") from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_datetime(value: str | None) -> tuple[datetime | None, datetime | None] | None:
    if not value:
        return None
    if "/" in value:
        start_s, _, end_s = value.partition("/")
        start, end = _parse_instant(start_s, "start"), _parse_instant(end_s, "end")
        if start and end and start > end:
            raise HTTPException(400, f"datetime: start {start_s!r} is after end {end_s!r}")
        return start, end
    instant = _parse_instant(value, "instant")
    if instant is None:
        raise HTTPException(400, "datetime: an open instant '..' needs an interval (a/b)")
    return instant, instant


def parse_bbox(values: list[float] | None) -> Any:
    if values is None:
        return None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise HTTPException(400, f"bbox: expected 4 (or 6) finite numbers minx,miny,maxx,maxy, got {values}")
    minx, miny, maxx, maxy = values
    if miny > maxy:
        raise HTTPException(400, f"bbox: miny {miny} is above maxy {maxy}")
    return box(minx, miny, maxx, maxy)  # antimeridian-crossing boxes are not needed at UK sites


def _item_interval(item: ItemInfo) -> tuple[datetime | None, datetime | None]:
    props = item.stac.get("properties", {})
    start = props.get("start_datetime") or props.get("datetime")
    end = props.get("end_datetime") or props.get("datetime")
    return (_parse_instant(start, "item") if start else None, _parse_instant(end, "item") if end else None)


def _matches(item: ItemInfo, ids: set[str] | None, area: Any, interval: tuple | None) -> bool:
    if ids is not None and item.id not in ids:
        return False
    if area is not None:
        geom = item.stac.get("geometry")
        if geom is None or not shape(geom).intersects(area):
            return False
    if interval is not None:
        start, end = interval
        i_start, i_end = _item_interval(item)
        if i_start is None and i_end is None:
            return False
        if end is not None and i_start is not None and i_start > end:
            return False
        if start is not None and i_end is not None and i_end < start:
            return False
    return True


def _offset(token: str | None) -> int:
    if not token:
        return 0
    # A paging token is an offset we wrote; anything longer than 9 digits is not one of ours
    # (and Python refuses to parse integers of more than 4300 digits: that must be a 400, not a 500).
    if not token.startswith("next:") or not token[5:].isdigit() or len(token) > 14:
        raise HTTPException(400, f"token: {token[:40]!r} is not a paging token from a next link")
    return int(token[5:])


def run_search(snapshot: Snapshot, principal: Principal | None, body: SearchBody,
               only: CollectionInfo | None = None) -> tuple[list[dict[str, Any]], int, int]:
    """(page of item documents, number matched, offset of the page)."""
    if body.bbox is not None and body.intersects is not None:
        raise HTTPException(400, "give bbox or intersects, not both")
    area = parse_bbox(body.bbox)
    if body.intersects is not None:
        try:
            area = shape(body.intersects)
        except Exception as exc:  # shapely raises several types for bad GeoJSON
            raise HTTPException(400, f"intersects: not a GeoJSON geometry: {exc}") from exc
    interval = parse_datetime(body.datetime)
    ids = set(body.ids) if body.ids else None
    if only is not None:
        targets = [only]
    else:
        wanted = set(body.collections) if body.collections else None
        targets = [c for c in snapshot.collections.values() if wanted is None or c.id in wanted]
    matched: list[tuple[CollectionInfo, ItemInfo]] = []
    for c in targets:
        if not can_read(principal, c):
            continue  # restricted data never appears in results for callers without a grant
        for item_id in sorted(c.items):
            item = c.items[item_id]
            if _matches(item, ids, area, interval):
                matched.append((c, item))
    start = _offset(body.token)
    page = matched[start:start + body.limit]
    for c in {c.id: c for c, _ in page}.values():
        if c.access != "public":
            ensure_can_read(principal, c, door="stac", items=sum(1 for cc, _ in page if cc.id == c.id))
    return [item_doc(c, item) for c, item in page], len(matched), start


def _feature_collection(features: list[dict], matched: int, start: int, limit: int, self_href: str,
                        next_link: dict | None) -> dict[str, Any]:
    links = [_link("self", self_href, GEOJSON), _link("root", _base())]
    if next_link is not None and start + limit < matched:
        links.append(next_link)
    return {"type": "FeatureCollection", "features": features, "links": links,
            "numberMatched": matched, "numberReturned": len(features),
            "context": {"matched": matched, "returned": len(features), "limit": limit}}


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _floats(value: str | None) -> list[float] | None:
    if not value:
        return None
    try:
        return [float(v) for v in value.split(",")]
    except ValueError:
        raise HTTPException(400, f"bbox: {value!r} is not a comma-separated list of numbers") from None


def _get_body(request: Request, collections: str | None, ids: str | None, bbox: str | None,
              intersects: str | None, datetime_: str | None, limit: int, token: str | None) -> SearchBody:
    geom = None
    if intersects:
        try:
            geom = json.loads(intersects)
        except json.JSONDecodeError as exc:
            raise HTTPException(400, f"intersects: not JSON: {exc}") from exc
    try:
        return SearchBody(collections=_csv(collections), ids=_csv(ids), bbox=_floats(bbox), intersects=geom,
                          datetime=datetime_, limit=limit, token=token)
    except ValidationError as exc:  # e.g. intersects that is JSON but not an object
        fields = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise HTTPException(400, f"search parameters: {fields}") from None


def _next_get(path: str, request: Request, start: int, limit: int) -> dict[str, Any]:
    params = dict(request.query_params)
    params["token"] = f"next:{start + limit}"
    params["limit"] = str(limit)
    from urllib.parse import urlencode

    return _link("next", f"{path}?{urlencode(params)}", GEOJSON, method="GET")


@router.get("/search")
def search_get(
    request: Request,
    collections: str | None = None, ids: str | None = None, bbox: str | None = None,
    intersects: str | None = None, datetime: str | None = Query(None),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT), token: str | None = None,
    snapshot: Snapshot = Depends(get_catalogue), principal: Principal | None = Depends(current_principal),
) -> JSONResponse:
    body = _get_body(request, collections, ids, bbox, intersects, datetime, limit, token)
    features, matched, start = run_search(snapshot, principal, body)
    path = f"{_base()}/search"
    return _geo(_feature_collection(features, matched, start, body.limit, str(request.url),
                                    _next_get(path, request, start, body.limit)))


@router.post("/search")
def search_post(body: SearchBody, snapshot: Snapshot = Depends(get_catalogue),
                principal: Principal | None = Depends(current_principal)) -> JSONResponse:
    features, matched, start = run_search(snapshot, principal, body)
    path = f"{_base()}/search"
    next_body = body.model_dump(exclude_none=True) | {"token": f"next:{start + body.limit}"}
    return _geo(_feature_collection(features, matched, start, body.limit, path,
                                    _link("next", path, GEOJSON, method="POST", body=next_body, merge=False)))


@router.get("/collections/{collection_id}/items")
def items(
    request: Request, collection_id: str, bbox: str | None = None, datetime: str | None = Query(None),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT), token: str | None = None,
    snapshot: Snapshot = Depends(get_catalogue), principal: Principal | None = Depends(current_principal),
) -> JSONResponse:
    c = get_collection(snapshot, collection_id)
    if not can_read(principal, c):
        ensure_can_read(principal, c, door="stac")  # raises 401/403; allowed reads are audited per page
    body = _get_body(request, None, None, bbox, None, datetime, limit, token)
    features, matched, start = run_search(snapshot, principal, body, only=c)
    path = f"{_base()}/collections/{c.id}/items"
    return _geo(_feature_collection(features, matched, start, body.limit, str(request.url),
                                    _next_get(path, request, start, body.limit)))


@router.get("/collections/{collection_id}/items/{item_id}")
def item(collection_id: str, item_id: str, snapshot: Snapshot = Depends(get_catalogue),
         principal: Principal | None = Depends(current_principal)) -> JSONResponse:
    c = get_collection(snapshot, collection_id)
    ensure_can_read(principal, c, door="stac", item=item_id)
    found = c.items.get(item_id)
    if found is None:
        raise HTTPException(404, f"collection {collection_id!r} has no item {item_id!r}")
    return _geo(item_doc(c, found))

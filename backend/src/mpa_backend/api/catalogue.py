"""Collections and map layers, as the caller is allowed to see them."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from ..auth.deps import Principal, can_read, current_principal
from ..catalog import CollectionInfo, Snapshot, get_catalogue
from ..settings import get_settings

router = APIRouter(prefix="/api", tags=["catalogue"])


class CollectionSummary(BaseModel):
    id: str
    title: str
    description: str
    kind: str
    theme: str
    survey: str | None
    access: Literal["public", "restricted"]
    locked: bool
    license: str | None
    bbox: list[float]
    datetime: list[str | None]
    items: int


class Legend(BaseModel):
    type: Literal["continuous", "classes", "symbol"]
    units: str | None = None
    colormap_name: str | None = None
    rescale: list[float] | None = None
    url: str | None = None
    classes: list[dict[str, Any]] | None = None


class Layer(BaseModel):
    id: str
    title: str
    theme: str
    kind: str
    access: str
    locked: bool
    bbox: list[float]
    type: Literal["raster", "vector", "points"]
    tiles: list[str] = []
    tilejson: str | None = None
    data: str | None = None
    minzoom: int = 0
    maxzoom: int = 22
    render: dict[str, Any] = {}
    legend: Legend | None = None
    items: list[str] = []


def _summary(c: CollectionInfo, locked: bool) -> CollectionSummary:
    interval = c.stac.get("extent", {}).get("temporal", {}).get("interval", [[None, None]])[0]
    return CollectionSummary(
        id=c.id,
        title=c.title,
        description=c.stac.get("description", ""),
        kind=c.kind,
        theme=c.theme,
        survey=c.stac.get("mpa:survey"),
        access=c.access,
        locked=locked,
        license=c.stac.get("license"),
        bbox=c.bbox,
        datetime=interval,
        items=len(c.items),
    )


class Site(BaseModel):
    """Where the map opens: derived from the catalogue, so a new site needs data, not code."""

    id: str
    title: str
    description: str
    bbox: list[float]
    center: list[float]
    version: str


@router.get("/site", response_model=Site)
def site(snapshot: Snapshot = Depends(get_catalogue)) -> Site:
    boxes = [c.bbox for c in snapshot.collections.values()] or [[-180.0, -85.0, 180.0, 85.0]]
    bbox = [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
    return Site(
        id=snapshot.root.get("id", "catalogue"), title=snapshot.root.get("title") or snapshot.root.get("id", ""),
        description=snapshot.root.get("description", ""), bbox=bbox,
        center=[(bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2], version=snapshot.version,
    )


@router.get("/collections", response_model=list[CollectionSummary])
def list_collections(
    snapshot: Snapshot = Depends(get_catalogue),
    principal: Principal | None = Depends(current_principal),
) -> list[CollectionSummary]:
    """Every collection; restricted ones the caller may not read are listed as locked."""
    return [_summary(c, not can_read(principal, c)) for c in snapshot.collections.values()]


def _render_params(c: CollectionInfo) -> dict[str, Any]:
    render = dict(c.stac.get("renders", {}).get("default", {}))
    render.pop("title", None)
    return render


def _query(render: dict[str, Any]) -> str:
    params: list[tuple[str, str]] = []
    for key, value in render.items():
        if key == "assets":
            params += [("assets", a) for a in value]
        elif key == "rescale":
            params += [("rescale", ",".join(str(v) for v in r)) for r in value]
        elif isinstance(value, (str, int, float)):
            params.append((key, str(value)))
    return urlencode(params)


def layer_for(c: CollectionInfo, locked: bool) -> Layer | None:
    tiler = get_settings().tiler_url.rstrip("/")
    base = dict(
        id=c.id, title=c.title, theme=c.theme, kind=c.kind, access=c.access, locked=locked,
        bbox=c.bbox, items=sorted(c.items),
    )
    if locked:
        # A locked layer says what and where it is, nothing derived from its data: its render
        # rescale is the p2–p98 of the restricted values, and its item ids name survey files.
        kind_type = {"raster": "raster", "vector": "vector"}.get(c.kind, "points")
        return Layer(**{**base, "items": []}, type=kind_type)
    if c.kind == "raster" and c.items:
        item = sorted(c.items)[0]
        render = _render_params(c) or {"assets": ["data"]}
        prefix = f"{tiler}/collections/{c.id}/items/{item}"
        q = _query(render)
        rescale = render.get("rescale", [[None, None]])[0]
        legend = Legend(
            type="continuous", units=c.stac.get("mpa:units"), colormap_name=render.get("colormap_name"),
            rescale=list(rescale) if rescale[0] is not None else None,
            url=f"{tiler}/legend?{_query({k: v for k, v in render.items() if k != 'assets'})}",
        )
        return Layer(
            **base, type="raster", tiles=[f"{prefix}/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}.png?{q}"],
            tilejson=f"{prefix}/WebMercatorQuad/tilejson.json?{q}", render=render, legend=legend,
            minzoom=6, maxzoom=18,
        )
    if c.kind == "vector" and c.items:
        item = sorted(c.items)[0]
        props = c.items[item].stac["properties"]
        prefix = f"{tiler}/collections/{c.id}/items/{item}/vector"
        return Layer(
            **base, type="vector", tiles=[f"{prefix}/{{z}}/{{x}}/{{y}}.mvt"], tilejson=f"{prefix}/tilejson.json",
            legend=Legend(type="classes", classes=c.stac.get("mpa:classes")),
            minzoom=props.get("mpa:minzoom", 0), maxzoom=props.get("mpa:maxzoom", 14),
        )
    if c.kind in ("images", "table"):
        return Layer(**base, type="points", data=f"/api/collections/{c.id}/points", legend=Legend(type="symbol"))
    return None


@router.get("/layers", response_model=list[Layer])
def list_layers(
    snapshot: Snapshot = Depends(get_catalogue),
    principal: Principal | None = Depends(current_principal),
) -> list[Layer]:
    """Ready-to-draw layer descriptors for the map, built from each collection's `renders`."""
    layers = [layer_for(c, not can_read(principal, c)) for c in snapshot.collections.values()]
    return [layer for layer in layers if layer is not None]

"""Vector layers: Mapbox Vector Tiles served from the catalogue's MBTiles assets.

Why a local copy: SQLite cannot read over S3, and MBTiles files are small next to rasters; each
is fetched once, verified against its ``file:checksum`` (so a torn or tampered download is never
served) and kept on disk under its checksum (asset_cache.py). MBTiles stores rows TMS-style (y flipped) and
tiles gzip-compressed: they go out as stored with ``Content-Encoding: gzip`` when the client
accepts it, decompressed otherwise.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi import Path as PathParam

from mpa_tiler.asset_cache import AssetCache, AssetCopyError
from mpa_tiler.catalog import Layer
from mpa_tiler.dependencies import LayerDep

MVT_MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
MBTILES_TYPES = ("mbtiles", "sqlite3")


class MBTilesCache:
    """Verified local copies of MBTiles assets (see asset_cache) with one read-only connection per thread."""

    def __init__(self, copies: AssetCache):
        self.copies = copies
        self._local = threading.local()

    def path_for(self, asset: dict[str, Any]) -> Path:
        try:
            return self.copies.fetch(asset, ".mbtiles")
        except AssetCopyError as exc:
            raise HTTPException(status_code=502, detail=f"vector asset: {exc}") from None

    def connection(self, path: Path) -> sqlite3.Connection:
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get(path)
        if conn is None:
            conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            conns[path] = conn
        return conn

    def metadata(self, path: Path) -> dict[str, str]:
        rows = self.connection(path).execute("SELECT name, value FROM metadata").fetchall()
        return {name: value for name, value in rows}

    def tile(self, path: Path, z: int, x: int, y: int) -> bytes | None:
        tms_y = (1 << z) - 1 - y
        row = self.connection(path).execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?", (z, x, tms_y)
        ).fetchone()
        return row[0] if row else None


def _mvt_asset(layer: Layer) -> dict[str, Any]:
    for key in ("mvt", "mbtiles"):
        if key in layer.item.get("assets", {}):
            return layer.item["assets"][key]
    for asset in layer.item.get("assets", {}).values():
        if any(t in (asset.get("type") or "") for t in MBTILES_TYPES) or asset["href"].endswith(".mbtiles"):
            return asset
    raise HTTPException(status_code=404, detail=f"item {layer.item_id!r} has no vector tiles")


def _cache(request: Request) -> MBTilesCache:
    return request.app.state.mbtiles


async def _mbtiles(request: Request, layer: LayerDep) -> Path:
    return await anyio.to_thread.run_sync(_cache(request).path_for, _mvt_asset(layer))  # may download


def create_vector_router() -> APIRouter:
    router = APIRouter()

    @router.get("/vector/{z}/{x}/{y}.mvt", response_class=Response,
                responses={200: {"content": {MVT_MEDIA_TYPE: {}}}, 204: {"description": "no data in this tile"}})
    def vector_tile(
        request: Request,
        layer: LayerDep,
        path: Annotated[Path, Depends(_mbtiles)],
        z: Annotated[int, PathParam(ge=0, le=30)],
        x: Annotated[int, PathParam(ge=0)],
        y: Annotated[int, PathParam(ge=0)],
    ) -> Response:
        if x >= (1 << z) or y >= (1 << z):
            raise HTTPException(status_code=400, detail=f"tile {z}/{x}/{y} does not exist at zoom {z}")
        data = _cache(request).tile(path, z, x, y)
        if not data:
            return Response(status_code=204)
        gzipped = data[:2] == b"\x1f\x8b"
        if gzipped and "gzip" in request.headers.get("accept-encoding", ""):
            return Response(data, media_type=MVT_MEDIA_TYPE, headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        body = gzip.decompress(data) if gzipped else data
        return Response(body, media_type=MVT_MEDIA_TYPE, headers={"Vary": "Accept-Encoding"})

    @router.get("/vector/tilejson.json")
    def vector_tilejson(request: Request, layer: LayerDep, path: Annotated[Path, Depends(_mbtiles)]) -> dict:
        meta = _cache(request).metadata(path)
        url = str(request.url_for("vector_tile", collection_id=layer.collection_id, item_id=layer.item_id,
                                  z="{z}", x="{x}", y="{y}"))
        url = url.replace("%7B", "{").replace("%7D", "}")
        if token := request.query_params.get("access_token"):
            url += f"?access_token={token}"
        vector_layers = []
        if "json" in meta:
            try:
                vector_layers = json.loads(meta["json"]).get("vector_layers", [])
            except ValueError:
                vector_layers = []
        bounds = [float(v) for v in meta["bounds"].split(",")] if meta.get("bounds") else layer.item.get("bbox")
        body = {
            "tilejson": "3.0.0",
            "name": layer.collection.get("title") or layer.collection_id,
            "description": layer.collection.get("description"),
            "attribution": meta.get("attribution"),
            "scheme": "xyz",
            "tiles": [url],
            "minzoom": int(meta.get("minzoom", 0)),
            "maxzoom": int(meta.get("maxzoom", 14)),
            "bounds": bounds,
            "vector_layers": vector_layers,
        }
        if meta.get("center"):
            body["center"] = [float(v) for v in meta["center"].split(",")]
        return {k: v for k, v in body.items() if v is not None}

    return router

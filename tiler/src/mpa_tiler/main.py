"""The tiler application: titiler's factories over catalogue layers, plus vector tiles and legends.

``uvicorn mpa_tiler.main:app``. Everything is under ``/tiles`` (the contract), except the
health and metrics endpoints. There is no ``url=`` anywhere: layers are addressed by
collection id and item id, and only assets of the published catalogue are ever opened.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from rasterio.errors import RasterioIOError
from rio_tiler.errors import PointOutsideBounds
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from titiler.core.algorithm import algorithms as available_algorithms
from titiler.core.dependencies import DatasetParams, ImageRenderingParams, TileParams
from titiler.core.errors import DEFAULT_STATUS_CODES, add_exception_handlers
from titiler.core.factory import MultiBaseTilerFactory, TMSFactory
from titiler.extensions.wmts import wmtsExtension

from mpa_tiler import __version__
from mpa_tiler.access import TokenVerifier
from mpa_tiler.asset_cache import AssetCache
from mpa_tiler.catalog import Catalogue, Layer
from mpa_tiler.dependencies import (
    ColorMapQuery,
    OptionalAssetsExprParams,
    assets_params,
    colormap_params,
    dataset_params,
    environment,
    layer_params,
    limit_sizes,
    render_params,
    resolve_layer,
)
from mpa_tiler.gdal_env import detach_aws_keys_from_environ, rasterio_env
from mpa_tiler.legend import create_legend_router
from mpa_tiler.metrics import Metrics, MetricsMiddleware, metrics_endpoint
from mpa_tiler.observability import install
from mpa_tiler.reader import CatalogueItemReader, reader_renders
from mpa_tiler.settings import Settings, UnfitForProduction
from mpa_tiler.store import Store
from mpa_tiler.tile_cache import TileCacheMiddleware
from mpa_tiler.tms import SUPPORTED_TMS
from mpa_tiler.vector import MBTilesCache, create_vector_router

LAYER_PREFIX = "/tiles/collections/{collection_id}/items/{item_id}"
STATUS_CODES = {
    **DEFAULT_STATUS_CODES,
    PointOutsideBounds: 404,
    RasterioIOError: 502,  # the store failed us, not the caller
    KeyError: 400,
    ValueError: 400,
    AssertionError: 400,
}


def _layer_title(src) -> str:
    return f"{src.collection_id}/{src.item_id}" if isinstance(src, Layer) else "layer"


def create_raster_factory() -> MultiBaseTilerFactory:
    return MultiBaseTilerFactory(
        reader=CatalogueItemReader,
        path_dependency=resolve_layer,
        layer_dependency=layer_params,
        dataset_dependency=dataset_params,
        assets_dependency=assets_params,
        colormap_dependency=colormap_params,
        render_dependency=render_params,
        environment_dependency=environment,
        get_renders=reader_renders,
        supported_tms=SUPPORTED_TMS,
        router=APIRouter(dependencies=[Depends(limit_sizes)]),
        router_prefix=LAYER_PREFIX,
        add_viewer=False,
        extensions=[
            wmtsExtension(
                layer_identifier_provider=_layer_title,
                tile_dependencies=[TileParams, OptionalAssetsExprParams, DatasetParams,
                                   available_algorithms.dependency, ColorMapQuery, ImageRenderingParams],
            )
        ],
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if problems := settings.production_problems():
        raise UnfitForProduction("MPA_TILER_ENV=production refuses to start: " + "; ".join(problems))
    app = FastAPI(title="MPA Twin tiler", version=__version__, openapi_url="/tiles/openapi.json",
                  docs_url="/tiles/docs", redoc_url=None)
    store = Store(settings)
    copies = AssetCache(store, settings.cache_dir / "assets", max_bytes=settings.cache_max_bytes,
                        max_copy_bytes=settings.local_copy_max_bytes)
    app.state.settings = settings
    app.state.catalogue = Catalogue(store, ttl=settings.catalog_ttl, copies=copies)
    app.state.verifier = TokenVerifier(settings)
    app.state.gdal_env = rasterio_env(settings)
    detach_aws_keys_from_environ(settings)  # after the settings and the AWSSession have them
    app.state.mbtiles = MBTilesCache(copies)
    app.state.metrics = Metrics()

    # vector first: its /vector/tilejson.json would otherwise match titiler's /{tms}/tilejson.json
    app.include_router(create_vector_router(), prefix=LAYER_PREFIX, tags=["Vector layers"],
                       dependencies=[Depends(limit_sizes)])
    raster = create_raster_factory()
    app.include_router(raster.router, prefix=LAYER_PREFIX, tags=["Raster layers"])
    app.include_router(create_legend_router(), tags=["Legends"])
    app.include_router(TMSFactory(supported_tms=SUPPORTED_TMS).router, prefix="/tiles", tags=["Tiling schemes"])
    add_exception_handlers(app, STATUS_CODES)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request):
        try:
            request.app.state.catalogue.refresh(force=True)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            return JSONResponse({"status": "unavailable", "detail": type(exc).__name__}, status_code=503)
        return {"status": "ready", "collections": len(request.app.state.catalogue.collection_ids())}

    app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)

    # Outermost last: metrics see everything; gzip compresses what the cache returns.
    app.add_middleware(TileCacheMiddleware, max_bytes=settings.tile_cache_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=500,
                       exclude_content_types=("image/png", "image/jpeg", "image/webp", "image/jp2", "text/event-stream"))
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "HEAD", "POST"],
                           allow_headers=["Authorization", "If-None-Match"], expose_headers=["ETag"], max_age=3600)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    # Outermost: request ids and JSON access lines without query strings (they may hold
    # ?access_token=); it also switches off uvicorn's access log, which would write them.
    install(app, service="tiler")
    return app


def __getattr__(name: str):
    # `uvicorn mpa_tiler.main:app` builds the app from the environment on first access only,
    # so importing this module (tests, tools) does not need a configured catalogue.
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(name)

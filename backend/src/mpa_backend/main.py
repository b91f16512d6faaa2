"""The backend app: routers composed onto one FastAPI instance, titiler-style."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from . import __version__
from .api import catalogue, health, points, stats
from .auth.setup import install as install_access
from .catalog import UnknownCollection
from .settings import get_settings


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(title="MPA Twin API", version=__version__, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
        allow_methods=["*"], allow_headers=["*"],
    )

    @app.exception_handler(UnknownCollection)
    async def _unknown(_: Request, exc: UnknownCollection) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    for module in (health, catalogue, points, stats):
        app.include_router(module.router)
    install_access(app, settings)  # sign-in, sessions, grants, STAC API, downloads; production checks
    __import__("mpa_backend.observability").observability.install(app)  # JSON logs, request ids, /metrics
    return app


app = create_app()

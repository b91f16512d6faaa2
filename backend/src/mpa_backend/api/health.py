"""Liveness and readiness for orchestrators; readiness means the catalogue can be read."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .. import __version__
from ..catalog import get_catalogue

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
@router.get("/api/health")
def readyz() -> JSONResponse:
    try:
        snapshot = get_catalogue()
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure to read the store
        return JSONResponse({"status": "unavailable", "detail": f"catalogue unreadable: {exc}"}, status_code=503)
    return JSONResponse({
        "status": "ok", "version": __version__, "catalogue": snapshot.version,
        "collections": len(snapshot.collections),
    })

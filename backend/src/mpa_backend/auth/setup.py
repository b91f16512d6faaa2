"""Compose sign-in, sessions, grants, STAC API and downloads onto the app (one call from main.py)."""

from __future__ import annotations

import logging
import math
import secrets
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ..settings import Settings
from . import production
from .oidc import build_oauth

log = logging.getLogger(__name__)
SESSION_COOKIE = "mpa_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


class CrossSiteGuard:
    """Refuse state-changing requests that a browser sent with our cookie on behalf of another site.

    SameSite=Lax already keeps the cookie off cross-site POSTs in current browsers; this is the
    second lock for sibling subdomains (same *site*, other origin), older browsers and any
    future GET-to-POST slip: a grant, a revocation or a sign-out must come from our own pages.
    Requests without cookies (scripts with a bearer token) carry no ambient authority and pass.
    """

    def __init__(self, app: ASGIApp, allowed_origins: list[str]) -> None:
        self.app = app
        self.allowed = {_origin(o) for o in allowed_origins if o.strip() and o.strip() != "*"}

    def _refusal(self, headers: Headers) -> str | None:
        if headers.get("sec-fetch-site") == "cross-site":
            return "the browser says this request comes from another site"
        origin = headers.get("origin")
        if origin is None:
            return None
        if origin.strip().lower() == "null":
            return "an opaque origin (null) may not change anything here"
        if _origin(origin) in self.allowed:
            return None
        host = headers.get("x-forwarded-host") or headers.get("host") or ""
        if host and urlsplit(origin.strip()).netloc.lower() == host.split(",")[0].strip().lower():
            return None  # same origin, whatever proxy is in front
        return f"origin {origin!r} is not one of this service's origins"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            headers = Headers(scope=scope)
            if "cookie" in headers:
                reason = self._refusal(headers)
                if reason is not None:
                    log.warning("cross-site %s %s refused: %s", scope["method"], scope.get("path"), reason)
                    response = JSONResponse({"detail": f"cross-site request refused: {reason}"}, status_code=403)
                    return await response(scope, receive, send)
        await self.app(scope, receive, send)


def _finite(value: Any) -> Any:
    """JSON has no NaN/Infinity: echo such inputs as text instead of failing to write the error."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's own handler echoes the bad input; a body with NaN/Infinity (Python's json accepts
    # them) then crashes the JSON encoder and the caller gets a 500 instead of this 422.
    return JSONResponse({"detail": _finite(jsonable_encoder(exc.errors()))}, status_code=422)


def install(app: FastAPI, settings: Settings) -> None:
    """Refuse a production start with development defaults, then add session middleware and routes."""
    production.check(settings)
    if settings.session_secret is not None and settings.session_secret.get_secret_value():
        secret = settings.session_secret.get_secret_value()
    else:
        log.warning("no MPA_BACKEND_SESSION_SECRET: sessions signed with a per-process development secret")
        secret = secrets.token_urlsafe(48)
    # Starlette's session cookie is signed (itsdangerous), HttpOnly, SameSite=Lax, Secure when asked:
    # it holds only who signed in (and the OIDC state/nonce during sign-in), so replicas stay stateless.
    app.add_middleware(
        SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE, max_age=settings.session_max_age_s,
        same_site="lax", https_only=settings.secure_cookies,
    )
    app.add_middleware(CrossSiteGuard, allowed_origins=[*settings.cors_origins, settings.public_url])
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.state.oauth = build_oauth(settings)

    from ..api import auth, downloads, grants, stac

    for module in (auth, grants, stac, downloads):
        app.include_router(module.router)

    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI):
        if settings.migrate_on_startup:
            from ..db.session import get_engine

            await run_in_threadpool(get_engine, settings.database_url)
        async with previous(a) as state:
            yield state

    app.router.lifespan_context = lifespan

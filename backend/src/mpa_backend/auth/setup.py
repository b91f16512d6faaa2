"""Compose sign-in, sessions, grants, STAC API and downloads onto the app (one call from main.py)."""

from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from ..settings import Settings
from . import production
from .oidc import build_oauth

log = logging.getLogger(__name__)
SESSION_COOKIE = "mpa_session"


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

"""Sign-in routes, who-am-I, tiler/API tokens and the public JWKS."""

from __future__ import annotations

import logging
import secrets
from typing import Any, Literal

from authlib.integrations.base_client.errors import OAuthError
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.access import Identity, audit, sync_collections
from ..auth.deps import Principal, can_manage, can_read, current_principal, identity_of
from ..auth.keys import key_ring
from ..auth.oidc import SignInError, identity_from_claims
from ..auth.tokens import API_AUDIENCE, TILER_AUDIENCE, issue
from ..catalog import Snapshot, get_catalogue
from ..db.models import User, utcnow
from ..db.session import DB
from ..settings import OIDCProvider, get_settings

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["access"])


class ProviderInfo(BaseModel):
    name: str
    title: str
    login_url: str


def _provider(name: str) -> OIDCProvider:
    for p in get_settings().providers():
        if p.name == name:
            return p
    raise HTTPException(404, f"unknown sign-in provider {name!r}")


def _safe_next(value: str | None) -> str:
    """Only same-site relative paths: an open redirect would let phishing pages borrow our sign-in."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/auth/providers", response_model=list[ProviderInfo])
def providers() -> list[ProviderInfo]:
    return [ProviderInfo(name=p.name, title=p.title, login_url=f"/api/auth/login/{p.name}")
            for p in get_settings().providers()]


@router.get("/auth/login/{provider}")
async def login(provider: str, request: Request, next: str | None = None) -> RedirectResponse:
    p = _provider(provider)
    client = request.app.state.oauth.create_client(p.name)
    redirect_uri = f"{get_settings().public_url.rstrip('/')}/api/auth/callback/{p.name}"
    request.session["next"] = _safe_next(next)
    try:
        return await client.authorize_redirect(request, redirect_uri, nonce=secrets.token_urlsafe(24))
    except Exception as exc:  # provider unreachable or its discovery document broken
        log.warning("sign-in with %s unavailable: %s", p.name, exc)
        raise HTTPException(502, f"sign-in with {p.title} is unavailable: {exc}") from exc


def _record_login(db: Session, identity: Identity) -> None:
    user = db.scalars(select(User).where(User.provider == identity.provider,
                                         User.subject == identity.subject)).one_or_none()
    if user is None:
        user = User(provider=identity.provider, subject=identity.subject)
        db.add(user)
    user.orcid, user.email, user.name, user.last_login_at = identity.orcid, identity.email, identity.name, utcnow()
    audit(db, identity.actor, "login", None, provider=identity.provider)


@router.get("/auth/callback/{provider}")
async def callback(provider: str, request: Request, db: Session = DB) -> RedirectResponse:
    p = _provider(provider)
    client = request.app.state.oauth.create_client(p.name)
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:
        log.warning("sign-in with %s failed: %s %s", p.name, exc.error, exc.description)
        raise HTTPException(400, f"sign-in with {p.title} failed: {exc.error}: {exc.description or ''}".strip()) from exc
    except Exception as exc:  # a bad or forged ID token: signature, iss, aud, exp, nonce
        log.warning("sign-in with %s refused: %s", p.name, exc)
        raise HTTPException(401, f"sign-in with {p.title} refused: {exc}") from exc
    claims = token.get("userinfo")
    if not claims:
        raise HTTPException(401, f"sign-in with {p.title} refused: no verified ID token in the response")
    try:
        identity = identity_from_claims(p, dict(claims))
    except SignInError as exc:
        raise HTTPException(401, str(exc)) from exc
    _record_login(db, identity)
    next_url = _safe_next(request.session.get("next"))
    request.session.clear()
    request.session["user"] = identity.to_session()
    return RedirectResponse(next_url, status_code=303)


@router.post("/auth/logout")
def logout(request: Request) -> dict[str, bool]:
    request.session.clear()
    return {"signed_in": False}


@router.get("/auth/logout")
def logout_redirect(request: Request, next: str | None = None) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse(_safe_next(next), status_code=303)


class Me(BaseModel):
    authenticated: bool
    subject: str | None = None
    provider: str | None = None
    orcid: str | None = None
    name: str | None = None
    email: str | None = None
    roles: list[str] = []
    collections: list[str] = []
    restricted_collections: list[str] = []
    manages: list[str] = []


@router.get("/me", response_model=Me)
def me(principal: Principal | None = Depends(current_principal),
       snapshot: Snapshot = Depends(get_catalogue)) -> Me:
    """Who am I: identity, roles, the collections I may read, and those whose grants I manage."""
    readable = sorted(c.id for c in snapshot.collections.values() if can_read(principal, c))
    if principal is None:
        return Me(authenticated=False, collections=readable)
    restricted = sorted(c.id for c in snapshot.collections.values() if c.access != "public" and can_read(principal, c))
    return Me(
        authenticated=True, subject=principal.subject, provider=principal.provider, orcid=principal.orcid,
        name=principal.name, email=principal.email, roles=sorted(principal.roles), collections=readable,
        restricted_collections=restricted,
        manages=sorted(c.id for c in snapshot.collections.values() if can_manage(principal, c)),
    )


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    expires_at: int
    audience: str
    collections: list[str]


def _issue(request: Request, principal: Principal | None, snapshot: Snapshot, db: Session,
           audience: str) -> TokenResponse:
    if principal is None:
        raise HTTPException(401, "sign in to get an access token")
    if audience not in (TILER_AUDIENCE, API_AUDIENCE):
        raise HTTPException(422, f"audience must be {TILER_AUDIENCE!r} or {API_AUDIENCE!r}, not {audience!r}")
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        # A token must not mint its successor, or a stolen token would live for ever.
        raise HTTPException(403, "access tokens are issued to signed-in sessions only")
    settings = get_settings()
    sync_collections(db, snapshot, settings.database_url)
    readable = sorted(c.id for c in snapshot.collections.values() if c.access != "public" and can_read(principal, c))
    identity = identity_of(request)
    extra: dict[str, Any] = {"provider": principal.provider}
    if audience == API_AUDIENCE and identity is not None:
        extra.update(orcid=identity.orcid, email=identity.email, name=identity.name)
    token, exp = issue(settings, subject=principal.subject, audience=audience, collections=readable, extra=extra)
    audit(db, principal.actor, "token.issue", None, audience=audience, collections=readable)
    return TokenResponse(access_token=token, expires_in=settings.access_token_ttl_s, expires_at=exp,
                         audience=audience, collections=readable)


@router.post("/token", response_model=TokenResponse)
@router.get("/token", response_model=TokenResponse)
def token(request: Request, audience: str = TILER_AUDIENCE,
          principal: Principal | None = Depends(current_principal),
          snapshot: Snapshot = Depends(get_catalogue), db: Session = DB) -> TokenResponse:
    """A short-lived token: `mpa-tiler` (default) for restricted tiles, `mpa-api` for scripts (Bearer)."""
    return _issue(request, principal, snapshot, db, audience)


@router.get("/.well-known/jwks.json")
def jwks() -> JSONResponse:
    """Public keys that verify our access tokens; short cache so a rotation is seen within minutes."""
    return JSONResponse(key_ring(get_settings()).jwks(), headers={"Cache-Control": "public, max-age=300"})

"""Who is asking, and what may they read: the one place every door asks.

Identity comes from the signed session cookie (browser) or an `mpa-api` bearer token (scripts);
roles and grants are read from the access database on every request, so a revocation takes
effect at once on every replica (tiler tokens carry their scope for at most 15 minutes).
Anonymous callers never touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from ..catalog import CollectionInfo
from ..settings import get_settings


@dataclass(frozen=True)
class Principal:
    """A signed-in person. `subject` is an ORCiD iD or a Microsoft object id."""

    subject: str
    name: str | None = None
    email: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    granted: frozenset[str] = field(default_factory=frozenset)  # restricted collection ids
    provider: str | None = None
    orcid: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log and grants name this person."""
        return self.orcid or self.email or f"{self.provider}:{self.subject}"


def identity_of(request: Request):  # -> Identity | None
    """The caller's identity from a bearer token or the session cookie; 401 for a bad bearer token."""
    from .access import Identity
    from .tokens import API_AUDIENCE, TokenError, verify

    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        try:
            claims = verify(get_settings(), auth[7:].strip(), API_AUDIENCE)
        except TokenError as exc:
            raise HTTPException(401, f"bearer token refused: {exc}", headers={"WWW-Authenticate": "Bearer"}) from exc
        return Identity(str(claims.get("provider", "token")), str(claims["sub"]), claims.get("orcid"),
                        claims.get("email"), claims.get("name"))
    if "session" not in request.scope:
        return None
    return Identity.from_session(request.session.get("user"))


def load_principal(identity) -> Principal:  # identity: access.Identity (imported lazily)
    from ..db.session import session_scope
    from .access import granted_collections, roles_of

    with session_scope() as db:
        roles = roles_of(db, get_settings(), identity)
        granted = granted_collections(db, identity)
    return Principal(subject=identity.subject, name=identity.name, email=identity.email, roles=roles,
                     granted=granted, provider=identity.provider, orcid=identity.orcid)


async def current_principal(request: Request) -> Principal | None:
    cached = getattr(request.state, "mpa_principal", False)
    if cached is not False:
        return cached
    identity = identity_of(request)
    principal = None if identity is None else await run_in_threadpool(load_principal, identity)
    request.state.mpa_principal = principal
    return principal


def can_read(principal: Principal | None, collection: CollectionInfo) -> bool:
    if collection.access == "public":
        return True
    if principal is None:
        return False
    if principal.roles & {"admin", "data_manager"}:
        return True
    if principal.orcid and collection.depositor and principal.orcid == collection.depositor.strip().upper():
        return True
    return collection.id in principal.granted


def can_manage(principal: Principal | None, collection: CollectionInfo) -> bool:
    """The depositor of a collection, or an admin, decides who may read it."""
    if principal is None:
        return False
    if "admin" in principal.roles:
        return True
    return bool(principal.orcid and collection.depositor and principal.orcid == collection.depositor.strip().upper())


def ensure_can_read(principal: Principal | None, collection: CollectionInfo, door: str | None = None,
                    **detail: object) -> None:
    """Raise 401/403 without revealing anything about the data; audit-log allowed restricted reads."""
    if not can_read(principal, collection):
        if principal is None:
            raise HTTPException(401, f"collection {collection.id!r} is restricted: sign in")
        raise HTTPException(403, f"collection {collection.id!r} is restricted and you have no grant")
    if collection.access != "public" and principal is not None:
        from ..db.session import session_scope
        from .access import audit

        with session_scope() as db:
            audit(db, principal.actor, "read", collection.id, door=door or "api", **detail)

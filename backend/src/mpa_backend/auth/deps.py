"""Who is asking, and what may they read: the one place every door asks.

Placeholder until sign-in lands: anonymous callers, public collections only. The signatures are
the contract the statistics, STAC and download routes code against.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import HTTPException, Request

from ..catalog import CollectionInfo


@dataclass(frozen=True)
class Principal:
    """A signed-in person. `subject` is an ORCiD iD or a Microsoft object id."""

    subject: str
    name: str | None = None
    email: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    granted: frozenset[str] = field(default_factory=frozenset)  # restricted collection ids


async def current_principal(request: Request) -> Principal | None:
    return None


def can_read(principal: Principal | None, collection: CollectionInfo) -> bool:
    if collection.access == "public":
        return True
    if principal is None:
        return False
    return "admin" in principal.roles or collection.id in principal.granted


def ensure_can_read(principal: Principal | None, collection: CollectionInfo) -> None:
    """Raise 401/403 without revealing anything about the data."""
    if can_read(principal, collection):
        return
    if principal is None:
        raise HTTPException(401, f"collection {collection.id!r} is restricted: sign in")
    raise HTTPException(403, f"collection {collection.id!r} is restricted and you have no grant")

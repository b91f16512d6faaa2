"""Depositor-controlled access: the depositor of a restricted collection (or an admin) grants and
revokes reading rights to people by ORCiD iD or e-mail, including people who never signed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ..auth import access
from ..auth.deps import Principal, can_manage, current_principal
from ..auth.people import PersonError
from ..catalog import CollectionInfo, Snapshot, get_catalogue, get_collection
from ..db.models import Grant
from ..db.session import DB
from ..settings import get_settings

router = APIRouter(prefix="/api", tags=["access"])


class GrantIn(BaseModel):
    person: str = Field(description="ORCiD iD (0000-0002-1825-0097 or https://orcid.org/…) or e-mail address")
    expires_at: datetime | None = Field(default=None, description="When the grant lapses (UTC); none = until revoked")
    # bounded: an unbounded float overflows timedelta (a 500); a century is "until revoked" in all but name
    expires_in_days: float | None = Field(default=None, gt=0, le=36500, allow_inf_nan=False,
                                          description="Alternative to expires_at (at most 36,500 days)")


class GrantOut(BaseModel):
    collection: str
    person: str
    kind: str
    granted_by: str
    created_at: datetime
    expires_at: datetime | None
    active: bool


class AuditOut(BaseModel):
    at: datetime
    actor: str | None
    action: str
    collection: str | None
    detail: dict


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _out(g: Grant) -> GrantOut:
    exp = _utc(g.expires_at)
    return GrantOut(collection=g.collection_id, person=g.person, kind=g.person_kind, granted_by=g.granted_by,
                    created_at=_utc(g.created_at), expires_at=exp,
                    active=exp is None or exp > datetime.now(UTC))


def _managed(collection_id: str, snapshot: Snapshot, principal: Principal | None) -> CollectionInfo:
    collection = get_collection(snapshot, collection_id)
    if principal is None:
        raise HTTPException(401, "sign in to manage access")
    if not can_manage(principal, collection):
        raise HTTPException(403, f"only the depositor of {collection_id!r} or an admin may manage its access")
    return collection


@router.get("/collections/{collection_id}/grants", response_model=list[GrantOut])
def list_collection_grants(collection_id: str, snapshot: Snapshot = Depends(get_catalogue),
                           principal: Principal | None = Depends(current_principal),
                           db: Session = DB) -> list[GrantOut]:
    _managed(collection_id, snapshot, principal)
    return [_out(g) for g in access.list_grants(db, collection_id)]


@router.post("/collections/{collection_id}/grants", response_model=GrantOut, status_code=201)
def add_grant(collection_id: str, body: GrantIn, response: Response, snapshot: Snapshot = Depends(get_catalogue),
              principal: Principal | None = Depends(current_principal),
              db: Session = DB) -> GrantOut:
    collection = _managed(collection_id, snapshot, principal)
    access.sync_collections(db, snapshot, get_settings().database_url)
    expires = _utc(body.expires_at)
    if body.expires_in_days is not None:
        if expires is not None:
            raise HTTPException(422, "give expires_at or expires_in_days, not both")
        expires = datetime.now(UTC) + timedelta(days=body.expires_in_days)
    try:
        grant, created = access.add_grant(db, collection, body.person, principal.actor, expires)
    except PersonError as exc:
        raise HTTPException(422, f"person: {exc}") from exc
    if not created:
        response.status_code = 200
    return _out(grant)


def _revoke(collection_id: str, person: str, snapshot: Snapshot, principal: Principal | None, db: Session) -> None:
    collection = _managed(collection_id, snapshot, principal)
    try:
        removed = access.revoke_grant(db, collection, person, principal.actor)
    except PersonError as exc:
        raise HTTPException(422, f"person: {exc}") from exc
    if not removed:
        raise HTTPException(404, f"{person!r} has no grant on {collection_id!r}")


@router.delete("/collections/{collection_id}/grants", status_code=204)
def revoke_grant(collection_id: str, person: str = Query(description="ORCiD iD or e-mail"),
                 snapshot: Snapshot = Depends(get_catalogue),
                 principal: Principal | None = Depends(current_principal), db: Session = DB) -> Response:
    _revoke(collection_id, person, snapshot, principal, db)
    return Response(status_code=204)


@router.delete("/collections/{collection_id}/grants/{person}", status_code=204)
def revoke_grant_by_path(collection_id: str, person: str, snapshot: Snapshot = Depends(get_catalogue),
                         principal: Principal | None = Depends(current_principal),
                         db: Session = DB) -> Response:
    _revoke(collection_id, person, snapshot, principal, db)
    return Response(status_code=204)


@router.get("/grants", response_model=list[GrantOut])
def my_grants(snapshot: Snapshot = Depends(get_catalogue), principal: Principal | None = Depends(current_principal),
              db: Session = DB) -> list[GrantOut]:
    """Every grant the caller manages (admin: all; depositor: on their collections)."""
    if principal is None:
        raise HTTPException(401, "sign in to manage access")
    managed = {c.id for c in snapshot.collections.values() if can_manage(principal, c)}
    return [_out(g) for g in access.list_grants(db) if "admin" in principal.roles or g.collection_id in managed]


@router.get("/collections/{collection_id}/audit", response_model=list[AuditOut])
def collection_audit(collection_id: str, limit: int = Query(200, ge=1, le=1000),
                     snapshot: Snapshot = Depends(get_catalogue),
                     principal: Principal | None = Depends(current_principal),
                     db: Session = DB) -> list[AuditOut]:
    """The audit trail of one collection (grants changed, restricted reads), for its depositor or an admin."""
    _managed(collection_id, snapshot, principal)
    return [AuditOut(at=_utc(e.at), actor=e.actor, action=e.action, collection=e.collection_id, detail=e.detail or {})
            for e in access.audit_entries(db, collection_id, limit)]

"""Who may read what, from the access database: roles, grants, collection sync, audit log.

Plain functions over a SQLAlchemy session, so routes, the CLI and tests share them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..catalog import CollectionInfo, Snapshot
from ..db.models import AuditEntry, CollectionAccess, Grant, RoleAssignment
from ..settings import Settings
from .people import normalise_email, normalise_orcid, normalise_person

ROLES = ("admin", "data_manager")
READ_ALL_ROLES = {"admin", "data_manager"}


@dataclass(frozen=True)
class Identity:
    """What the signed session cookie (or an API token) says about the caller: no roles, no grants."""

    provider: str
    subject: str
    orcid: str | None = None
    email: str | None = None
    name: str | None = None

    def to_session(self) -> dict[str, Any]:
        return {"p": self.provider, "s": self.subject, "o": self.orcid, "e": self.email, "n": self.name}

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> Identity | None:
        if not isinstance(data, dict) or not data.get("p") or not data.get("s"):
            return None
        return cls(str(data["p"]), str(data["s"]), data.get("o"), data.get("e"), data.get("n"))

    @property
    def persons(self) -> list[str]:
        """The names grants and roles may use for this person."""
        return [p for p in (self.orcid, normalise_email(self.email)) if p]

    @property
    def actor(self) -> str:
        return self.orcid or self.email or f"{self.provider}:{self.subject}"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything here is stored in UTC.
    return dt.replace(tzinfo=UTC) if dt is not None and dt.tzinfo is None else dt


def roles_of(db: Session, settings: Settings, identity: Identity) -> frozenset[str]:
    persons = identity.persons
    roles = set(db.scalars(select(RoleAssignment.role).where(RoleAssignment.person.in_(persons)))) if persons else set()
    configured = set()
    for entry in settings.admins:
        try:
            configured.add(normalise_person(entry)[0])
        except ValueError:
            continue
    if configured & set(persons):
        roles.add("admin")
    return frozenset(roles)


def granted_collections(db: Session, identity: Identity) -> frozenset[str]:
    persons = identity.persons
    if not persons:
        return frozenset()
    now = _now()
    rows = db.execute(select(Grant.collection_id, Grant.expires_at).where(Grant.person.in_(persons))).all()
    return frozenset(cid for cid, exp in rows if exp is None or _aware(exp) > now)


_synced: dict[str, str] = {}
_sync_lock = threading.Lock()


def sync_collections(db: Session, snapshot: Snapshot, url: str) -> None:
    """Mirror each collection's access level and depositor into the database (once per catalogue version)."""
    with _sync_lock:
        if _synced.get(url) == snapshot.digest:
            return
    existing = {c.id: c for c in db.scalars(select(CollectionAccess))}
    for c in snapshot.collections.values():
        _upsert(db, c, existing.get(c.id))
    db.flush()
    with _sync_lock:
        _synced[url] = snapshot.digest


def _upsert(db: Session, c: CollectionInfo, row: CollectionAccess | None) -> CollectionAccess:
    depositor = normalise_orcid(c.depositor) if c.depositor else None
    if row is None:
        row = CollectionAccess(id=c.id, access=c.access, depositor=depositor, title=c.title)
        db.add(row)
    elif (row.access, row.depositor, row.title) != (c.access, depositor, c.title):
        row.access, row.depositor, row.title = c.access, depositor, c.title
        row.synced_at = _now()
    return row


def ensure_collection_row(db: Session, c: CollectionInfo) -> None:
    _upsert(db, c, db.get(CollectionAccess, c.id))
    db.flush()


def audit(db: Session, actor: str | None, action: str, collection_id: str | None = None, **detail: Any) -> None:
    db.add(AuditEntry(at=_now(), actor=actor, action=action, collection_id=collection_id, detail=detail))


def list_grants(db: Session, collection_id: str | None = None) -> list[Grant]:
    q = select(Grant).order_by(Grant.collection_id, Grant.person)
    if collection_id is not None:
        q = q.where(Grant.collection_id == collection_id)
    return list(db.scalars(q))


def add_grant(db: Session, collection: CollectionInfo, person: str, granted_by: str,
              expires_at: datetime | None) -> tuple[Grant, bool]:
    """(grant, created). Re-granting the same person updates the expiry instead of duplicating."""
    person, kind = normalise_person(person)
    ensure_collection_row(db, collection)
    grant = db.scalars(select(Grant).where(Grant.collection_id == collection.id, Grant.person == person)).one_or_none()
    created = grant is None
    if grant is None:
        grant = Grant(collection_id=collection.id, person=person, person_kind=kind, granted_by=granted_by,
                      created_at=_now(), expires_at=expires_at)
        db.add(grant)
    else:
        grant.expires_at, grant.granted_by = expires_at, granted_by
    audit(db, granted_by, "grant.add" if created else "grant.update", collection.id, person=person,
          expires_at=expires_at.isoformat() if expires_at else None)
    db.flush()
    return grant, created


def revoke_grant(db: Session, collection: CollectionInfo, person: str, revoked_by: str) -> bool:
    person, _ = normalise_person(person)
    grant = db.scalars(select(Grant).where(Grant.collection_id == collection.id, Grant.person == person)).one_or_none()
    if grant is None:
        return False
    db.delete(grant)
    audit(db, revoked_by, "grant.revoke", collection.id, person=person)
    db.flush()
    return True


def audit_entries(db: Session, collection_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if collection_id is not None:
        q = q.where(or_(AuditEntry.collection_id == collection_id))
    return list(db.scalars(q))

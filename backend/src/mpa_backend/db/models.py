"""SQLAlchemy 2 models. Change them only together with a new Alembic migration in migrations/versions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    """Someone who has signed in at least once (grants may name people who never did)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("provider", "subject", name="uq_users_provider_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(255), doc="ORCiD iD, Microsoft object id, or the provider's sub")
    orcid: Mapped[str | None] = mapped_column(String(19), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RoleAssignment(Base):
    """A role (admin, data_manager) held by a person named by ORCiD iD or e-mail."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("person", "role", name="uq_roles_person_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person: Mapped[str] = mapped_column(String(320), index=True, doc="ORCiD iD or lower-case e-mail")
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CollectionAccess(Base):
    """Each collection's access level and depositor, synchronised from the catalogue snapshot."""

    __tablename__ = "collections"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    access: Mapped[str] = mapped_column(String(16))
    depositor: Mapped[str | None] = mapped_column(String(19))
    title: Mapped[str | None] = mapped_column(String(512))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Grant(Base):
    """Permission for one person (ORCiD iD or e-mail) to read one restricted collection."""

    __tablename__ = "grants"
    __table_args__ = (
        UniqueConstraint("collection_id", "person", name="uq_grants_collection_person"),
        Index("ix_grants_person", "person"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    person: Mapped[str] = mapped_column(String(320), doc="ORCiD iD or lower-case e-mail")
    person_kind: Mapped[str] = mapped_column(String(8), doc="orcid | email")
    granted_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only: grants changed, restricted data read, tokens issued."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64), index=True)
    collection_id: Mapped[str | None] = mapped_column(String(255), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

"""The backend's own small database: people, roles, collection access, grants and the audit log.

The catalogue stays the source of truth for data; this database only holds who may read what.
"""

from .models import AuditEntry, Base, CollectionAccess, Grant, RoleAssignment, User
from .session import get_db, get_engine, session_scope

__all__ = [
    "AuditEntry", "Base", "CollectionAccess", "Grant", "RoleAssignment", "User",
    "get_db", "get_engine", "session_scope",
]

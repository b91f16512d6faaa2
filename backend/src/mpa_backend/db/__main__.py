"""`python -m mpa_backend.db upgrade | current | downgrade REV | role add|remove PERSON ROLE`.

Production runs `upgrade` once per release (set MPA_BACKEND_MIGRATE_ON_STARTUP=false when several
replicas start together); roles are given here because nobody can be admin before there is one.
"""

from __future__ import annotations

import argparse
import sys

from ..settings import get_settings
from . import migrate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mpa_backend.db", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: MPA_BACKEND_DATABASE_URL)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("upgrade", help="migrate to the newest schema")
    sub.add_parser("current", help="print the current schema revision")
    down = sub.add_parser("downgrade", help="migrate back to a revision")
    down.add_argument("revision")
    role = sub.add_parser("role", help="give or take a role (admin, data_manager)")
    role.add_argument("op", choices=["add", "remove"])
    role.add_argument("person", help="ORCiD iD or e-mail")
    role.add_argument("role", choices=["admin", "data_manager"])
    args = parser.parse_args(argv)
    url = args.url or get_settings().database_url

    if args.cmd == "upgrade":
        migrate.upgrade(url)
        print(f"database at {migrate.current(url)} (head)")
    elif args.cmd == "current":
        print(migrate.current(url) or "empty")
    elif args.cmd == "downgrade":
        migrate.downgrade(url, args.revision)
        print(f"database at {migrate.current(url) or 'base'}")
    elif args.cmd == "role":
        from ..auth.people import PersonError, normalise_person
        from .models import RoleAssignment
        from .session import session_scope

        try:
            person, _ = normalise_person(args.person)
        except PersonError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        migrate.upgrade(url)
        with session_scope(url) as db:
            existing = db.query(RoleAssignment).filter_by(person=person, role=args.role).one_or_none()
            if args.op == "add" and existing is None:
                db.add(RoleAssignment(person=person, role=args.role))
            elif args.op == "remove" and existing is not None:
                db.delete(existing)
        print(f"{args.op} {args.role} for {person}: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())

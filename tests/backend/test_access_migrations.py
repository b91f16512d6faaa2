"""Migrations run on a fresh database (SQLite and PostgreSQL) by the CLI, and roles come from it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect

TABLES = {"users", "roles", "collections", "grants", "audit_log", "alembic_version"}


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MPA_")}
    env["MPA_BACKEND_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "mpa_backend.db", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    return request.getfixturevalue("postgres_fresh_url")


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_a_fresh_database(fresh_url) -> None:
    assert not (_tables(fresh_url) & TABLES)
    up = _cli(fresh_url, "upgrade")
    assert up.returncode == 0, up.stderr
    assert TABLES <= _tables(fresh_url)
    assert _cli(fresh_url, "current").stdout.strip() == "0001"
    assert _cli(fresh_url, "upgrade").returncode == 0, "upgrading twice is a no-op"
    down = _cli(fresh_url, "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert not (_tables(fresh_url) & (TABLES - {"alembic_version"}))
    assert _cli(fresh_url, "upgrade").returncode == 0
    assert TABLES <= _tables(fresh_url)


def test_role_command_gives_admin_and_refuses_bad_ids(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'roles.sqlite'}"
    ok = _cli(url, "role", "add", "https://orcid.org/0000-0002-1825-0097", "admin")
    assert ok.returncode == 0, ok.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT person, role FROM roles").all()
    engine.dispose()
    assert rows == [("0000-0002-1825-0097", "admin")]
    bad = _cli(url, "role", "add", "0000-0002-1825-0098", "admin")
    assert bad.returncode == 2 and "check digit" in bad.stderr

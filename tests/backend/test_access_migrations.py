"""Migrations run on a fresh database (SQLite and PostgreSQL) by the CLI, and roles come from it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect

TABLES = {"users", "roles", "collections", "grants", "audit_log", "alembic_version"}


def _run(url: str, *args: str, capsys) -> tuple[int, str, str]:
    """The CLI in-process (fast); `_cli` proves the real `python -m` entry point once."""
    from mpa_backend.db.__main__ import main

    code = main(["--url", url, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


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


def test_upgrade_downgrade_upgrade_on_a_fresh_database(fresh_url, capsys) -> None:
    assert not (_tables(fresh_url) & TABLES)
    up = _cli(fresh_url, "upgrade")
    assert up.returncode == 0, up.stderr
    assert TABLES <= _tables(fresh_url)
    assert _run(fresh_url, "current", capsys=capsys)[1].strip() == "0001"
    assert _run(fresh_url, "upgrade", capsys=capsys)[0] == 0, "upgrading twice is a no-op"
    assert _run(fresh_url, "downgrade", "base", capsys=capsys)[0] == 0
    assert not (_tables(fresh_url) & (TABLES - {"alembic_version"}))
    assert _run(fresh_url, "current", capsys=capsys)[1].strip() == "empty"
    assert _run(fresh_url, "upgrade", capsys=capsys)[0] == 0
    assert TABLES <= _tables(fresh_url)


def test_role_command_gives_admin_and_refuses_bad_ids(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'roles.sqlite'}"
    assert _run(url, "role", "add", "https://orcid.org/0000-0002-1825-0097", "admin", capsys=capsys)[0] == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT person, role FROM roles").all()
    engine.dispose()
    assert rows == [("0000-0002-1825-0097", "admin")]
    code, _, err = _run(url, "role", "add", "0000-0002-1825-0098", "admin", capsys=capsys)
    assert code == 2 and "check digit" in err

"""Alembic, driven from code so that the installed package can migrate itself (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(target: Engine | str, revision: str = "head") -> None:
    """Bring the database to `revision`; safe to call on every start (a no-op when already there)."""
    engine = create_engine(target) if isinstance(target, str) else target
    with engine.begin() as connection:
        cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
    if isinstance(target, str):
        engine.dispose()


def downgrade(target: str, revision: str) -> None:
    engine = create_engine(target)
    with engine.begin() as connection:
        cfg = alembic_config(target)
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)
    engine.dispose()


def current(target: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(target)
    with engine.connect() as connection:
        rev = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return rev

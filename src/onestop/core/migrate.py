"""Alembic, driven from code: upgrade/downgrade for the CLI and tests, head check for /readyz."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


def _project_dir() -> Path:
    """The directory holding ``alembic.ini``: the working directory (image) or the repository."""
    for candidate in (Path.cwd(), Path(__file__).resolve().parents[3]):
        if (candidate / "alembic.ini").is_file():
            return candidate
    raise FileNotFoundError("alembic.ini not found in the working directory or the source tree")


def alembic_config(database_url: str) -> Config:
    base = _project_dir()
    cfg = Config(str(base / "alembic.ini"))
    cfg.set_main_option("script_location", str(base / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return script.get_current_head()


async def database_revision(conn: AsyncConnection) -> str | None:
    try:
        row = (await conn.execute(text("SELECT version_num FROM alembic_version"))).first()
    except Exception:  # no table yet: not migrated
        return None
    return None if row is None else str(row[0])

"""Helpers of the installation tests: the example files, a province made by ``initialise``, the
imports run on a session of the app, and the whole database state to prove nothing was written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from tests.catalog.helpers import snapshot

from onestop.catalog import bootstrap
from onestop.catalog.import_files import ImportReport
from onestop.catalog.import_procedures import import_procedures
from onestop.catalog.import_units import import_units

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"
ROOT = "000.00.00.H98"
ADMIN_PASSWORD = "mat-khau-quan-tri-2026"


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


async def install(app: Any) -> bootstrap.Installation:
    async with app.state.sessionmaker() as session:
        return await bootstrap.initialise(
            session,
            unit_code=ROOT,
            unit_name="UBND tỉnh Mẫu",
            level="province",
            admin="quantri",
            password=ADMIN_PASSWORD,
            full_name="Nguyễn Văn Quản Trị",
        )


async def units(app: Any, data: bytes, name: str = "units.csv", **kw: Any) -> ImportReport:
    async with app.state.sessionmaker() as session:
        return await import_units(session, data=data, filename=name, **kw)


async def procedures(
    app: Any, data: bytes, name: str = "procedures.csv", **kw: Any
) -> ImportReport:
    async with app.state.sessionmaker() as session:
        return await import_procedures(session, data=data, filename=name, **kw)


async def state(app: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every catalogue table, the accounts and the audit log."""
    out = await snapshot(app)
    async with app.state.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM app_user"))).all()
    out["app_user"] = sorted((tuple(r) for r in rows), key=repr)
    return out


async def audit_actions(app: Any) -> list[tuple[str, str, str]]:
    async with app.state.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT action, object_id, actor FROM audit_log ORDER BY id")
        )
        return [(r[0], r[1], r[2]) for r in rows]


def statuses(report: ImportReport) -> dict[str, str]:
    return {r.code: r.status for r in report.rows}
